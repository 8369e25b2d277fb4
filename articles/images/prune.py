"""Deleting stored image files that no image or rendition refers to any more (the `prune_images` command)."""

import datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from ..models import Image, Rendition


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
