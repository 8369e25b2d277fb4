"""prune_revisions: delete old revisions, keeping the newest of every story."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.conf import newsroom_settings
from articles.revisions.snapshots import prune_revisions


class Command(BaseCommand):
    help = (
        "Delete revisions older than NEWSROOM_REVISIONS['KEEP_DAYS'] days, keeping each story's newest "
        "NEWSROOM_REVISIONS['KEEP_LATEST'], its last import and every change waiting for review."
    )

    def add_arguments(self, parser):
        config = newsroom_settings.REVISIONS
        parser.add_argument("--days", type=int, default=config["KEEP_DAYS"], help="keep what is younger than this")
        parser.add_argument("--keep", type=int, default=config["KEEP_LATEST"], help="newest revisions kept per story")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *, days, keep, dry_run, **options):
        count = prune_revisions(older_than=timezone.now() - timedelta(days=days), keep=keep, dry_run=dry_run)
        if options["verbosity"]:
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {count} revision(s)")
