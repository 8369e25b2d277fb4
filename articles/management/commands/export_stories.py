"""export_stories: write every story as a fixture file, the way it was imported."""

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from articles.stories.export import export_stories


class Command(BaseCommand):
    help = "Export stories as fixture files into OUTDIR, one file per story under its original file name."

    def add_arguments(self, parser):
        parser.add_argument("outdir", metavar="OUTDIR")
        parser.add_argument("--published-only", action="store_true", help="only stories readers can see")

    def handle(self, *, outdir, published_only, **options):
        queryset = Article.objects.published() if published_only else Article.objects.all()
        report = export_stories(queryset, outdir)
        for error in report.errors:
            self.stderr.write(error)
        if options["verbosity"]:
            self.stdout.write(f"exported {report.written} stories to {outdir}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} story file(s) not written")
