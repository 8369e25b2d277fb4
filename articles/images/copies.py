"""
The newsroom's own copies of fixture images: fetched from their URL (cache_images,
the `cache_images` command), checked, stored with their renditions.

A refused or unreachable image is recorded on the image and never stops a
run; storage that refuses to write (StorageFault) does.
"""

import socket
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..conf import newsroom_settings
from ..models import Article, Image, Rendition
from ..services import stories_changed
from .errors import ImageError, StorageFault
from .fetch import FetchPolicy, fetch
from .pictures import picture_files
from .pixels import CleanImage
from .storage import StoredFiles, check_and_render, measurements, store_copy

# Failures keep this much of their message: enough for an editor, bounded for the table.
_ERROR_CHARS = 1000
_BATCH = 100


class _AlreadyStored(Exception):
    """Raised inside _save() to undo its writes: another run stored the image first, or it was deleted."""


def fetch_policy(config) -> FetchPolicy:
    return FetchPolicy(
        max_bytes=config["MAX_BYTES"],
        connect_timeout=config["CONNECT_TIMEOUT"],
        read_timeout=config["READ_TIMEOUT"],
        total_timeout=config["TOTAL_TIMEOUT"],
        max_redirects=config["MAX_REDIRECTS"],
        allow_loopback=config["ALLOW_LOOPBACK"],
    )


def save_local_copy(*, image: Image, data: bytes, config=None) -> Image:
    """Check `data` with Pillow and keep it as `image`'s local copy, with its renditions.

    Raises ImageError if `data` is refused (nothing is written then), or
    StorageFault if storage is not writable. An image that already has its
    copy is left alone.
    """
    clean, renditions = check_and_render(data, config or newsroom_settings.IMAGES)
    _save(image, clean, renditions)
    image.refresh_from_db()
    return image


def _save(image, clean: CleanImage, renditions) -> bool:
    """Store and record; False (and nothing kept) if the image got its copy from another run meanwhile."""
    now = timezone.now()
    try:
        with StoredFiles() as stored:
            original, rows = store_copy(stored, image.pk, clean, renditions)
            with transaction.atomic():
                # Conditional, so that two runs at once store an image once.
                updated = Image.objects.filter(pk=image.pk, file="").update(
                    **measurements(clean, original, now), picture_files=picture_files(rows), attempts=F("attempts") + 1
                )
                if not updated:
                    # Leaving the block with an error deletes what this run stored.
                    raise _AlreadyStored
                Rendition.objects.bulk_create(rows)
                # The story's pages now show our copy: moving its updated_at
                # changes their freshness, so cached pages are rebuilt.
                story = Q(related_links=image.related_link_id) if image.related_link_id else Q(pk=image.article_id)
                story_ids = list(Article.objects.filter(story).values_list("pk", flat=True))
                Article.objects.filter(pk__in=story_ids).update(updated_at=now)
                stories_changed(story_ids, text=False)
    except _AlreadyStored:
        return False
    return True


def _record_failure(image, error):
    image.fetch_error = str(error)[:_ERROR_CHARS]
    image.fetch_failed_at = timezone.now()
    Image.objects.filter(pk=image.pk).update(
        fetch_error=image.fetch_error, fetch_failed_at=image.fetch_failed_at, attempts=F("attempts") + 1
    )
    image.attempts += 1


def cache_image(image: Image, *, config=None, resolve=socket.getaddrinfo) -> Image:
    """Fetch `image.url` and keep it as the image's local copy.

    A refused or unreachable image raises ImageError after its error and time
    are recorded on the image. StorageFault is for the caller: storage itself
    is at fault, not the image, so nothing is recorded.
    """
    _copy_one(image, config=config or newsroom_settings.IMAGES, resolve=resolve)
    image.refresh_from_db()
    return image


def _copy_one(image, *, config, resolve) -> bool:
    """True if `image` was stored by this call, False if it already had its copy."""
    if image.file:
        return False
    try:
        fetched = fetch(image.url, policy=fetch_policy(config), resolve=resolve)
        clean, renditions = check_and_render(fetched.data, config)
    except ImageError as error:
        _record_failure(image, error)
        raise
    return _save(image, clean, renditions)


@dataclass
class ImageFailure:
    image_id: int
    url: str
    message: str


@dataclass
class CopyReport:
    cached: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[ImageFailure] = field(default_factory=list)
    fault: str = ""  # why the run stopped, if it did

    def summary(self):
        return f"cached {self.cached}, failed {self.failed}, skipped {self.skipped}"


def images_to_cache(*, story=None, retry_failed=False):
    """Images without a local copy, of one story (and its related items) or of all."""
    images = Image.objects.filter(file="")
    if story is not None:
        images = images.filter(Q(article_id=story) | Q(related_link__article_id=story))
    if not retry_failed:
        images = images.filter(fetch_failed_at__isnull=True)
    return images.order_by("pk")


def cache_images(
    *, limit=None, story=None, retry_failed=False, progress=None, config=None, resolve=socket.getaddrinfo
) -> CopyReport:
    """Copy the images that have no local copy yet; one failure never stops the others.

    Images that failed before are skipped unless `retry_failed`. The run stops
    early only when storage refuses to write (report.fault says so).
    """
    if story is not None and not Article.objects.filter(pk=story).exists():
        raise LookupError(f"there is no story with id {story}")
    config = config or newsroom_settings.IMAGES
    report = CopyReport()
    if not retry_failed:
        report.skipped = images_to_cache(story=story, retry_failed=True).filter(fetch_failed_at__isnull=False).count()
    ids = list(images_to_cache(story=story, retry_failed=retry_failed).values_list("pk", flat=True)[:limit])
    if progress:
        progress.start(len(ids))
    try:
        _copy_each(ids, report, config=config, resolve=resolve, progress=progress)
    except StorageFault as fault:
        report.fault = str(fault)
    if progress:
        progress.finish()
    return report


def images_of(story_ids):
    """Images to cache of these stories and their related items."""
    return images_to_cache().filter(Q(article_id__in=story_ids) | Q(related_link__article_id__in=story_ids))


def stories_with_images_to_cache(story_ids) -> list[int]:
    """Which of these stories have an image to cache, their own or a related item's.

    Two queries, each on its foreign key's index: an OR across the join would
    scan every image, on every import.
    """
    waiting = images_to_cache().order_by()
    own = waiting.filter(article_id__in=story_ids).values_list("article_id", flat=True)
    related = waiting.filter(related_link__article_id__in=story_ids).values_list("related_link__article_id", flat=True)
    return sorted(set(own.distinct()) | set(related.distinct()))


def _copy_each(ids, report, *, config, resolve, progress=None):
    """Copy the images `ids`, a batch at a time, counting into `report`; a StorageFault stops it."""
    for start in range(0, len(ids), _BATCH):
        for image in Image.objects.filter(pk__in=ids[start : start + _BATCH]).order_by("pk"):
            try:
                if _copy_one(image, config=config, resolve=resolve):
                    report.cached += 1
                else:
                    report.skipped += 1
            except ImageError as error:
                report.failed += 1
                report.failures.append(ImageFailure(image.pk, image.url, str(error)))
            if progress:
                progress.advance()


def cache_new_images(*, story_ids, config=None, resolve=socket.getaddrinfo) -> CopyReport:
    """cache_images for the images of these stories (and their related items) that have no copy yet.

    What an import enqueues: its stories' new or changed images (an unchanged
    image keeps its copy through the import). Images that failed before are
    left to `cache_images --retry-failed`.
    """
    config = config or newsroom_settings.IMAGES
    report = CopyReport()
    ids = list(images_of(story_ids).values_list("pk", flat=True))
    try:
        _copy_each(ids, report, config=config, resolve=resolve)
    except StorageFault as fault:
        # Storage refusing to write is the job's failure: the queue shows it, staff retry it.
        raise StorageFault(f"stopped after {report.summary()}: {fault}") from fault
    return report
