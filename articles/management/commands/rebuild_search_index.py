"""rebuild_search_index: index every story again for the readers' search (either database)."""

from django.core.management.base import BaseCommand

from articles.search import rebuild_search_index


class Command(BaseCommand):
    help = "Index every story again for search: after a restore or a change written behind the app's back."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="the database to re-index (default: default)")

    def handle(self, *, database, **options):
        count = rebuild_search_index(using=database)
        self.stdout.write(f"indexed {count} stor{'y' if count == 1 else 'ies'} for search")
