"""Compute every story's coverage cluster from scratch (after migrating, or a change of NEWSROOM_CLUSTERS)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.clusters import refresh_all_clusters
from articles.services import clusters_changed


class Command(BaseCommand):
    help = "Recompute the coverage clusters of every story (title bands included)."

    def handle(self, **options):
        with transaction.atomic():
            changed = refresh_all_clusters()
            if changed:
                # The story pages say how many outlets cover them.
                clusters_changed()
        self.stdout.write(f"{changed} story(ies) changed cluster")
