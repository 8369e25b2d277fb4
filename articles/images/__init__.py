"""
Images: the newsroom's own copies of story pictures, and their renditions.

- cache_images() / cache_image(): fetch fixture images safely (fetch.py),
  check and clean them with Pillow (pixels.py), store them (cache.py).
- store_uploaded_image(): the same for an editor's upload; check_uploaded_image() for forms.
- Image.picture(), Image.thumbnail_url, RENDITIONS_PREFETCH: for pages and the admin.
- prune_images(): delete stored files no image refers to any more.
"""

from .cache import (
    RENDITIONS_PREFETCH,
    CacheReport,
    Picture,
    StorageFault,
    cache_image,
    cache_images,
    check_uploaded_image,
    images_to_cache,
    prune_images,
    save_local_copy,
    store_uploaded_image,
)
from .errors import FetchError, ImageError, TooLarge, UnsafeURL

__all__ = [
    "RENDITIONS_PREFETCH",
    "CacheReport",
    "FetchError",
    "ImageError",
    "Picture",
    "StorageFault",
    "TooLarge",
    "UnsafeURL",
    "cache_image",
    "cache_images",
    "images_to_cache",
    "save_local_copy",
    "check_uploaded_image",
    "prune_images",
    "store_uploaded_image",
]
