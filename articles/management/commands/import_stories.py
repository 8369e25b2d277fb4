"""import_stories: import story fixture files, folders and globs."""

import os

from django.core.management.base import BaseCommand, CommandError

from articles.conf import newsroom_settings
from articles.progress import ProgressBar
from articles.stories.data import Limits
from articles.stories.write import DUPLICATES, import_paths
from articles.tasks import cache_images_later


class Command(BaseCommand):
    help = "Import story fixture files (YAML front matter). Takes files, folders (recursively) and globs."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a fixture file, a folder or a glob")
        parser.add_argument("--dry-run", action="store_true", help="validate and report without writing")
        parser.add_argument(
            "--overwrite-editorial",
            action="store_true",
            help="take the files' values even where an editor changed them (title, topics, published, quality...)",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="fail (exit status 1) when two files claim the same story, not only when a file fails",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="worker processes that parse files (default: the number of CPUs, at most 4)",
        )

    def handle(self, *, paths, dry_run, overwrite_editorial, strict, jobs, **options):
        verbosity = options["verbosity"]
        report = import_paths(
            paths,
            dry_run=dry_run,
            overwrite_editorial=overwrite_editorial,
            limits=Limits.from_config(newsroom_settings.IMPORT),
            jobs=jobs,
            batch_size=newsroom_settings.IMPORT["BATCH_SIZE"],
            progress=ProgressBar(self.stderr._out, label="Importing ") if verbosity else None,
        )
        if not dry_run:
            cache_images_later(report.written)
        for result in report.results:
            if result.message:
                duplicate = result.status == DUPLICATES and not strict
                self.stderr.write(self.style.WARNING(f"warning: {result.message}") if duplicate else result.message)
            for warning in result.warnings:
                self.stderr.write(self.style.WARNING(f"warning: {warning}"))
            if verbosity:
                # What the intake rules did (or, in a dry run, would do) to the file's story.
                for line in result.rules:
                    self.stdout.write(line)
        if verbosity > 1:
            for path in report.skipped:
                self.stderr.write(f"skipped (not a fixture file): {path}")
        elif report.skipped:
            self.stderr.write(f"skipped {len(report.skipped)} file(s) that are not fixtures (-v 2 lists them)")
        if verbosity:
            prefix = "dry run, nothing written: " if dry_run else ""
            self.stdout.write(prefix + report.summary())
        if report.failed:
            raise CommandError(f"{report.failed} file(s) failed")
        if strict and report.duplicates:
            raise CommandError(f"{report.duplicates} file(s) duplicate another file of this import (--strict)")
