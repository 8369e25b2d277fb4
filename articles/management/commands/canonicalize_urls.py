"""Recompute the stored canonical URLs of stories and related items (after a change to articles.canonical)."""

from django.core.management.base import BaseCommand

from articles.canonical_rows import refresh_canonical_urls
from articles.models import Article, RelatedLink
from articles.services import stories_changed


class Command(BaseCommand):
    help = "Recompute the canonical URLs of every story and related item; run it after the rules change."

    def handle(self, **options):
        changed = refresh_canonical_urls(Article, RelatedLink)
        if changed:
            # Clusters and duplicate flags read these columns: the public pages may change.
            stories_changed(Article.objects.values_list("pk", flat=True), text=False)
        self.stdout.write(f"{changed} canonical URL(s) updated")
