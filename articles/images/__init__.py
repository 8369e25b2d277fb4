"""
Images: the newsroom's own copies of story pictures, and their renditions.

- copies.py: cache_images() / cache_image() fetch fixture images safely
  (fetch.py), check and clean them with Pillow (pixels.py) and store them
  (storage.py); save_local_copy() does the same for bytes in hand.
- uploads.py: store_uploaded_image() for an editor's upload; check_uploaded_image() for forms.
- pictures.py: what a page needs (Picture, picture_files), pure; Image.picture()
  and Image.thumbnail_url use it.
- prune.py: prune_images() deletes stored files no image refers to any more.
- errors.py: what goes wrong (ImageError and its kinds, StorageFault).

Nothing is imported here: the modules that store images import the models,
which import pictures.py.
"""
