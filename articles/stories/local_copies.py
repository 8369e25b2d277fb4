"""
Local copies of images carried over a re-import.

A re-import replaces a story's image rows with the file's; an image whose URL
is still in the file keeps the local copy and renditions its old row had,
instead of being fetched again by cache_images.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q
from django.db.models.functions import Coalesce

from ..models import Image, Rendition
from .bulk import insert_rows

_LOCAL_COPY_FIELDS = [
    "file",
    "stored_width",
    "stored_height",
    "stored_format",
    "stored_bytes",
    "cached_at",
    "picture_files",
]
_RENDITION_FIELDS = ["width", "height", "format", "file", "bytes", "created_at"]


class ImageKey(NamedTuple):
    """Where an image row sits, unique among the rows of an import: its story or related item, and its place."""

    article_id: int | None
    related_link_id: int | None
    position: int


# The columns an insert of image rows returns: the id, then the ImageKey.
IMAGE_KEY_COLUMNS = ("id", *ImageKey._fields)


@dataclass
class LocalCopy:
    fields: dict  # the old row's values of the local copy fields
    renditions: list  # the old row's renditions, as dicts of field values


@dataclass
class CarriedRendition:
    image: ImageKey  # the new image row it belongs to
    fields: dict


def local_copies(article_ids) -> dict:
    """{(story id, image URL): LocalCopy} of the stored images of these stories and their related items."""
    if not article_ids:
        return {}
    images = (
        Image.objects.filter(Q(article_id__any_of=article_ids) | Q(related_link__article_id__any_of=article_ids))
        .exclude(file="")
        .annotate(story_id=Coalesce("article_id", "related_link__article_id"))
        .values("id", "story_id", "url", *_LOCAL_COPY_FIELDS)
    )
    copies = {(image.pop("story_id"), image.pop("url")): image for image in images}
    renditions = {}
    image_ids = [image["id"] for image in copies.values()]
    for rendition in Rendition.objects.filter(image_id__any_of=image_ids).values("image_id", *_RENDITION_FIELDS):
        renditions.setdefault(rendition.pop("image_id"), []).append(rendition)
    return {key: LocalCopy(fields, renditions.pop(fields.pop("id"), [])) for key, fields in copies.items()}


def carry_local_copies(image_rows, copies, story_of_link) -> list:
    """Give new image rows (dicts) the local copies of old ones; returns their CarriedRenditions.

    `story_of_link` is {related link id: story id} of the new related items.
    """
    carried = []
    for row in image_rows:
        story_id = row["article_id"] or story_of_link[row["related_link_id"]]
        copy = copies.pop((story_id, row["url"]), None)
        if copy is not None:
            row.update(copy.fields)
            image = ImageKey(row["article_id"], row["related_link_id"], row["position"])
            carried += [CarriedRendition(image, rendition) for rendition in copy.renditions]
    return carried


def insert_carried_renditions(carried, inserted_images):
    """Insert the renditions, given the new image rows as IMAGE_KEY_COLUMNS tuples."""
    if not carried:
        return
    image_ids = {ImageKey(*key): pk for pk, *key in inserted_images}
    insert_rows(Rendition, [{**rendition.fields, "image_id": image_ids[rendition.image]} for rendition in carried])
