"""An editor's upload as a story image: checked as a fetched image is, stored with its renditions."""

from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ..conf import newsroom_settings
from ..models import Article, Image, Rendition
from .errors import ImageError, TooLarge
from .pictures import picture_files
from .pixels import clean_image
from .storage import StoredFiles, check_and_render, measurements, store_copy


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
    config = config or newsroom_settings.IMAGES
    name = getattr(uploaded_file, "name", None) or "the file"
    data = _read_upload(uploaded_file, name, config["MAX_BYTES"])
    try:
        clean, renditions = check_and_render(data, config)
    except ImageError as error:
        raise ValidationError(f"{name}: {error}", code=error.code) from error
    try:
        with StoredFiles() as stored, transaction.atomic():
            if position is None:
                last = Image.objects.filter(article=article).aggregate(last=Max("position"))["last"]
                position = 0 if last is None else last + 1
            elif Image.objects.filter(article=article, position=position).exists():
                raise ValidationError(f"the story already has an image at position {position}", code="position_taken")
            # The URL needs the id, which needs the row: a placeholder until the copy is stored.
            image = Image.objects.create(article=article, position=position, url="https://uploading.invalid/")
            original, rows = store_copy(stored, image.pk, clean, renditions)
            storage_url = default_storage.url(original)
            image.url = urljoin(base_url or config["PUBLIC_URL"], storage_url)
            image.width, image.height, image.is_cached = clean.width, clean.height, True
            for field_name, value in measurements(clean, original, timezone.now()).items():
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
    config = config or newsroom_settings.IMAGES
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
