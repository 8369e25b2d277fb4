"""prune_images: delete stored image files that no story refers to any more."""

from django.core.management.base import BaseCommand

from articles.images.prune import prune_images


class Command(BaseCommand):
    help = "Delete image files in storage that no image or rendition refers to (older than an hour)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    def handle(self, *, dry_run, **options):
        pruned = prune_images(dry_run=dry_run)
        if options["verbosity"] > 1:
            for name in pruned:
                self.stdout.write(name)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {len(pruned)} unreferenced image file(s)")
