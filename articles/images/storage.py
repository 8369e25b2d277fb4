"""
Writing an image's checked copy and its renditions, for local copies and uploads alike.

Files go to Django's default storage (MEDIA_ROOT unless STORAGES says
otherwise), under images/<image id>/<content hash>[-<width>w].<ext>.
Storage is written only once an image is fully fetched and checked, and
what was written is deleted again if recording it in the database fails.
"""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ..models import Rendition
from .errors import StorageFault
from .pixels import clean_image, make_renditions

logger = logging.getLogger(__name__)


def check_and_render(data, config):
    """`data` checked and cleaned by Pillow, and its renditions; raises ImageError if refused."""
    clean = clean_image(data, max_pixels=config["MAX_PIXELS"])
    return clean, make_renditions(clean, widths=config["RENDITION_WIDTHS"])


class StoredFiles:
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


def store_copy(stored: StoredFiles, image_id, clean, renditions):
    """Write the copy and its renditions; returns the copy's name and unsaved Rendition rows."""
    folder = f"images/{image_id}/{clean.sha256[:16]}"
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


def measurements(clean, original, now):
    """The Image fields that record a stored copy."""
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
