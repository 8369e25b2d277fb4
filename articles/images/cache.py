"""
The newsroom's own copies of images: fetched (cache_images) or uploaded
(store_uploaded_image), measured, stored with their renditions.

Files go to Django's default storage (MEDIA_ROOT unless STORAGES says
otherwise), under images/<image id>/<content hash>[-<width>w].<ext>.
Storage is written only once an image is fully fetched and checked, and
what was written is deleted again if recording it in the database fails.
"""

import datetime
import logging
import socket
from dataclasses import dataclass, field
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Prefetch, Q
from django.utils import timezone

from ..conf import newsroom_settings
from ..models import Article, Image, Rendition
from ..services import stories_changed
from .errors import ImageError, TooLarge
from .fetch import FetchPolicy, fetch
from .pixels import CleanImage, clean_image, make_renditions

logger = logging.getLogger(__name__)

# Failures keep this much of their message: enough for an editor, bounded for the table.
_ERROR_CHARS = 1000
_BATCH = 100

# For a listing of images: Image.picture() and thumbnail_url then read no more rows.
RENDITIONS_PREFETCH = Prefetch("renditions", queryset=Rendition.objects.order_by("format", "width"))


@dataclass(frozen=True)
class Picture:
    """What a <picture> element needs; Image.picture() makes it.

    `src`, `width` and `height` are the largest JPEG rendition's: the <img>
    fallback, whose width and height attributes reserve the space.
    """

    webp_srcset: str
    jpeg_srcset: str
    src: str
    width: int
    height: int


class StorageFault(Exception):
    """Storage refused a write: a fault of the run, not of one image."""


class _AlreadyCached(Exception):
    """Raised inside _save() to undo its writes: another run stored the image first, or it was deleted."""


def image_settings():
    return newsroom_settings.IMAGES


def fetch_policy(config=None) -> FetchPolicy:
    config = config or image_settings()
    return FetchPolicy(
        max_bytes=config["MAX_BYTES"],
        connect_timeout=config["CONNECT_TIMEOUT"],
        read_timeout=config["READ_TIMEOUT"],
        total_timeout=config["TOTAL_TIMEOUT"],
        max_redirects=config["MAX_REDIRECTS"],
        allow_loopback=config["ALLOW_LOOPBACK"],
    )


# --- Storage ----------------------------------------------------------------


class _StoredFiles:
    """Files written in one go; deleted again if the block they are written in fails."""

    def __init__(self):
        self.names = []

    def save(self, name, data):
        try:
            name = default_storage.save(name, ContentFile(data))
        except OSError as exc:
            raise StorageFault(f"storage refused {name}: {exc}") from exc
        self.names.append(name)
        return name

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for name in self.names:
                try:
                    default_storage.delete(name)
                except OSError:
                    logger.warning("could not delete %s after a failed write", name, exc_info=True)
        return False


def picture_files(renditions):
    """{format: [[file name, width, height], ...]}, smallest first: what a page needs, kept on the Image.

    Pages read it from the image's own row (Image.picture()), so a listing
    shows renditions without a query for them.
    """
    files = {}
    for rendition in sorted(renditions, key=lambda r: r.width):
        files.setdefault(str(rendition.format), []).append([str(rendition.file), rendition.width, rendition.height])
    return files


def picture_from(files):
    """A Picture from picture_files(), or None when there is no JPEG rendition."""
    jpeg, webp = files.get(Rendition.Format.JPEG), files.get(Rendition.Format.WEBP)
    if not jpeg:
        return None
    url = default_storage.url
    name, width, height = jpeg[-1]
    return Picture(
        webp_srcset=", ".join(f"{url(n)} {w}w" for n, w, _ in webp or ()),
        jpeg_srcset=", ".join(f"{url(n)} {w}w" for n, w, _ in jpeg),
        src=url(name),
        width=width,
        height=height,
    )


def _folder(image_id, clean):
    return f"images/{image_id}/{clean.sha256[:16]}"


def _store(stored, image_id, clean, renditions):
    """Write the copy and its renditions; returns the copy's name and unsaved Rendition rows."""
    folder = _folder(image_id, clean)
    original = stored.save(f"{folder}.{clean.extension}", clean.data)
    rows = [
        Rendition(
            image_id=image_id,
            width=r.width,
            height=r.height,
            format=r.format,
            file=stored.save(f"{folder}-{r.width}w.{r.extension}", r.data),
            bytes=len(r.data),
        )
        for r in renditions
    ]
    return original, rows


def _measurements(clean, original, now):
    return {
        "file": original,
        "stored_width": clean.width,
        "stored_height": clean.height,
        "stored_format": clean.format,
        "stored_bytes": len(clean.data),
        "cached_at": now,
        "fetch_error": "",
        "fetch_failed_at": None,
    }


def _process(data, config):
    clean = clean_image(data, max_pixels=config["MAX_PIXELS"])
    return clean, make_renditions(clean, widths=config["RENDITION_WIDTHS"])


def save_local_copy(*, image: Image, data: bytes, config=None) -> Image:
    """Check `data` with Pillow and keep it as `image`'s local copy, with its renditions.

    Raises ImageError if `data` is refused (nothing is written then), or
    StorageFault if storage is not writable. An image that already has its
    copy is left alone.
    """
    config = config or image_settings()
    clean, renditions = _process(data, config)
    _save(image, clean, renditions)
    image.refresh_from_db()
    return image


def _save(image, clean: CleanImage, renditions) -> bool:
    """Store and record; False (and nothing kept) if the image got its copy from another run meanwhile."""
    now = timezone.now()
    try:
        with _StoredFiles() as stored:
            original, rows = _store(stored, image.pk, clean, renditions)
            with transaction.atomic():
                # Conditional, so that two runs at once store an image once.
                updated = Image.objects.filter(pk=image.pk, file="").update(
                    **_measurements(clean, original, now), picture_files=picture_files(rows), attempts=F("attempts") + 1
                )
                if not updated:
                    # Leaving the block with an error deletes what this run stored.
                    raise _AlreadyCached
                Rendition.objects.bulk_create(rows)
                # The story's pages now show our copy: moving its updated_at
                # changes their freshness, so cached pages are rebuilt.
                story = Q(related_links=image.related_link_id) if image.related_link_id else Q(pk=image.article_id)
                story_ids = list(Article.objects.filter(story).values_list("pk", flat=True))
                Article.objects.filter(pk__in=story_ids).update(updated_at=now)
                stories_changed(story_ids, text=False)
    except _AlreadyCached:
        return False
    return True


def _record_failure(image, error):
    image.fetch_error = str(error)[:_ERROR_CHARS]
    image.fetch_failed_at = timezone.now()
    Image.objects.filter(pk=image.pk).update(
        fetch_error=image.fetch_error, fetch_failed_at=image.fetch_failed_at, attempts=F("attempts") + 1
    )
    image.attempts += 1


# --- Caching remote images ---------------------------------------------------


def cache_image(image: Image, *, config=None, resolve=socket.getaddrinfo) -> Image:
    """Fetch `image.url` and keep it as the image's local copy.

    A refused or unreachable image raises ImageError after its error and time
    are recorded on the image. StorageFault is for the caller: storage itself
    is at fault, not the image, so nothing is recorded.
    """
    _cache_one(image, config=config or image_settings(), resolve=resolve)
    image.refresh_from_db()
    return image


def _cache_one(image, *, config, resolve) -> bool:
    """True if `image` was stored by this call, False if it already had its copy."""
    if image.file:
        return False
    try:
        fetched = fetch(image.url, policy=fetch_policy(config), resolve=resolve)
        clean, renditions = _process(fetched.data, config)
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
class CacheReport:
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
) -> CacheReport:
    """Cache the images that have no local copy yet; one failure never stops the others.

    Images that failed before are skipped unless `retry_failed`. The run stops
    early only when storage refuses to write (report.fault says so).
    """
    if story is not None and not Article.objects.filter(pk=story).exists():
        raise LookupError(f"there is no story with id {story}")
    config = config or image_settings()
    report = CacheReport()
    if not retry_failed:
        report.skipped = images_to_cache(story=story, retry_failed=True).filter(fetch_failed_at__isnull=False).count()
    ids = list(images_to_cache(story=story, retry_failed=retry_failed).values_list("pk", flat=True)[:limit])
    if progress:
        progress.start(len(ids))
    try:
        for start in range(0, len(ids), _BATCH):
            for image in Image.objects.filter(pk__in=ids[start : start + _BATCH]).order_by("pk"):
                try:
                    if _cache_one(image, config=config, resolve=resolve):
                        report.cached += 1
                    else:
                        report.skipped += 1
                except ImageError as error:
                    report.failed += 1
                    report.failures.append(ImageFailure(image.pk, image.url, str(error)))
                if progress:
                    progress.advance()
    except StorageFault as fault:
        report.fault = str(fault)
    if progress:
        progress.finish()
    return report


# --- Uploads -----------------------------------------------------------------


def store_uploaded_image(*, article: Article, uploaded_file, position=None, base_url=None, config=None) -> Image:
    """A new image of `article` from an editor's upload, stored, measured and with renditions.

    `uploaded_file` is a Django UploadedFile (or any File). Raises
    ValidationError naming the problem if it is too large, not an image,
    broken or has too many pixels; nothing is written then. `position`
    defaults to after the story's last image. The image's `url` (what an
    export writes) is the stored copy's absolute URL, made from `base_url`
    (e.g. request.build_absolute_uri("/")) or the PUBLIC_URL setting when
    storage gives a relative one.
    """
    config = config or image_settings()
    name = getattr(uploaded_file, "name", None) or "the file"
    data = _read_upload(uploaded_file, name, config["MAX_BYTES"])
    try:
        clean, renditions = _process(data, config)
    except ImageError as error:
        raise ValidationError(f"{name}: {error}", code=error.code) from error
    try:
        with _StoredFiles() as stored, transaction.atomic():
            if position is None:
                last = Image.objects.filter(article=article).aggregate(last=Max("position"))["last"]
                position = 0 if last is None else last + 1
            elif Image.objects.filter(article=article, position=position).exists():
                raise ValidationError(f"the story already has an image at position {position}", code="position_taken")
            # The URL needs the id, which needs the row: a placeholder until the copy is stored.
            image = Image.objects.create(article=article, position=position, url="https://uploading.invalid/")
            original, rows = _store(stored, image.pk, clean, renditions)
            storage_url = default_storage.url(original)
            image.url = urljoin(base_url or config["PUBLIC_URL"], storage_url)
            image.width, image.height, image.is_cached = clean.width, clean.height, True
            for field_name, value in _measurements(clean, original, timezone.now()).items():
                setattr(image, field_name, value)
            image.picture_files = picture_files(rows)
            image.save()
            Rendition.objects.bulk_create(rows)
    except IntegrityError as exc:
        # Another upload took the position between the check and the write.
        if Image.objects.filter(article=article, position=position).exists():
            raise ValidationError(
                f"the story already has an image at position {position}", code="position_taken"
            ) from exc
        raise
    return image


def check_uploaded_image(uploaded_file, *, config=None):
    """Raise the ValidationError store_uploaded_image() would, without storing anything (for forms)."""
    config = config or image_settings()
    name = getattr(uploaded_file, "name", None) or "the file"
    data = _read_upload(uploaded_file, name, config["MAX_BYTES"])
    uploaded_file.seek(0)
    try:
        clean_image(data, max_pixels=config["MAX_PIXELS"])
    except ImageError as error:
        raise ValidationError(f"{name}: {error}", code=error.code) from error


def _read_upload(uploaded_file, name, max_bytes):
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            f"{name} is {size:,} bytes; an image may be at most {max_bytes:,} bytes", code=TooLarge.code
        )
    chunks, received = [], 0
    uploaded_file.seek(0)
    # Counted as read: `size` is what the client or the caller said.
    for chunk in uploaded_file.chunks():
        received += len(chunk)
        if received > max_bytes:
            raise ValidationError(
                f"{name} is more than {max_bytes:,} bytes, the limit for an image", code=TooLarge.code
            )
        chunks.append(chunk)
    if not received:
        raise ValidationError(f"{name} is empty", code="empty")
    return b"".join(chunks)


def prune_images(*, older_than=datetime.timedelta(hours=1), dry_run=False) -> list[str]:
    """Delete stored image files no Image or Rendition refers to any more; returns their names.

    Deleting a story (or re-importing it with other images) leaves its files
    in storage. Files newer than `older_than` are spared: a cache_images run
    may have stored them a moment before recording them.
    """
    referenced = set(Image.objects.exclude(file="").values_list("file", flat=True))
    referenced |= set(Rendition.objects.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    pruned = []
    for name in _stored_names("images"):
        if name in referenced or default_storage.get_modified_time(name) > cutoff:
            continue
        if not dry_run:
            default_storage.delete(name)
        pruned.append(name)
    return pruned


def _stored_names(folder):
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_names(f"{folder}/{sub}")
