"""cache_images: keep the newsroom's own copy of story and related images, with renditions.

Images that fail are recorded on the image and left for --retry-failed; they
never stop the run or change its exit status. Only a fault of the run itself
(storage not writable, an unknown --story) does.
"""

from django.core.management.base import BaseCommand, CommandError

from articles.images.copies import cache_images
from articles.progress import ProgressBar


def positive_int(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Download the images that have no local copy yet, check them with Pillow, store them and their renditions."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=positive_int, metavar="N", help="cache at most N images")
        parser.add_argument(
            "--story", type=int, metavar="ID", help="only the images of this story and its related items"
        )
        parser.add_argument("--retry-failed", action="store_true", help="try again the images that failed before")

    def handle(self, *, limit, story, retry_failed, **options):
        verbosity = options["verbosity"]
        try:
            report = cache_images(
                limit=limit,
                story=story,
                retry_failed=retry_failed,
                progress=ProgressBar(self.stderr._out, label="Caching ") if verbosity else None,
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity:
            for failure in report.failures:
                self.stderr.write(
                    self.style.WARNING(f"failed: image {failure.image_id} ({failure.url}): {failure.message}")
                )
            self.stdout.write(report.summary())
            if report.skipped and not retry_failed:
                self.stdout.write("images that failed before are skipped; --retry-failed tries them again")
        if report.fault:
            raise CommandError(f"stopped: {report.fault}")
