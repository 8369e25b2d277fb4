"""Recompute the stored canonical URLs of stories and related items (after a change to articles.canonical)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.canonical_rows import refresh_canonical_urls
from articles.clusters import refresh_all_clusters
from articles.models import Article, RelatedLink
from articles.services import clusters_changed


class Command(BaseCommand):
    help = "Recompute the canonical URLs of every story and related item; run it after the rules change."

    def handle(self, **options):
        with transaction.atomic():
            changed = refresh_canonical_urls(Article, RelatedLink)
            if changed:
                # Clusters are made of these addresses.
                refresh_all_clusters()
                clusters_changed()
        self.stdout.write(f"{changed} canonical URL(s) updated")
