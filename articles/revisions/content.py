"""
A story's content as plain JSON data, and back.

The content is everything a story file holds, the way the file held it (key
order, line endings, escapes), so that restoring a revision and exporting the
story writes the file of that revision again. Pure: no ORM.

Imports write one content per story, so this is written for speed: the known
fields by name, and the generic walk only for the file's unknown keys.
"""

import dataclasses
import datetime as dt
import json
import zlib

from ..stories.data import ImageData, ProviderData, RelatedData, StoryData

# Said about a file at one import, not part of the story.
_NOT_CONTENT = frozenset({"warnings", "source"})
_STORY_FIELDS = tuple(f.name for f in dataclasses.fields(StoryData) if f.name not in _NOT_CONTENT)
_IMAGE_FIELDS = tuple(f.name for f in dataclasses.fields(ImageData))
_PROVIDER_FIELDS = tuple(f.name for f in dataclasses.fields(ProviderData))
_RELATED_FIELDS = tuple(f.name for f in dataclasses.fields(RelatedData))


def to_content(story: StoryData) -> dict:
    """The JSON-ready content of `story`."""
    data = {name: getattr(story, name) for name in _STORY_FIELDS}
    data["published_at"] = _iso(story.published_at)
    data["provider"] = _provider_content(story.provider)
    data["topics"] = list(story.topics)
    data["images"] = [_image_content(image) for image in story.images]
    data["related"] = [_related_content(item) for item in story.related]
    data["extra"] = _plain(story.extra)
    data["keys"] = list(story.keys)
    data["styles"] = dict(story.styles)
    data["verbatim"] = [[list(path), _plain(value), source] for path, value, source in story.verbatim]
    return data


def from_content(content: dict) -> StoryData:
    """The StoryData of a content made by to_content()."""
    data = {name: content[name] for name in _STORY_FIELDS if name in content}
    data["published_at"] = _datetime(content.get("published_at"))
    data["provider"] = _provider(content.get("provider"))
    data["images"] = [_image(image) for image in content.get("images", ())]
    data["related"] = [_related(item) for item in content.get("related", ())]
    data["extra"] = _unplain(content.get("extra", {}))
    data["keys"] = tuple(content.get("keys", ()))
    data["verbatim"] = [(tuple(path), _unplain(value), source) for path, value, source in content.get("verbatim", ())]
    return StoryData(**data)


def pack(content) -> bytes:
    """A content as stored: JSON, compressed (a revision row is a fifth of the size, and cheaper to write)."""
    return zlib.compress(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def unpack(data) -> dict:
    return json.loads(zlib.decompress(bytes(data)))


def _iso(value):
    return value.isoformat() if value is not None else None


def _image_content(image):
    data = {name: getattr(image, name) for name in _IMAGE_FIELDS}
    data["keys"] = list(image.keys)
    data["extra"] = _plain(image.extra)
    return data


def _provider_content(provider):
    if provider is None:
        return None
    data = {name: getattr(provider, name) for name in _PROVIDER_FIELDS}
    data["logos"] = [_image_content(logo) for logo in provider.logos]
    data["keys"] = list(provider.keys)
    data["extra"] = _plain(provider.extra)
    return data


def _related_content(item):
    data = {name: getattr(item, name) for name in _RELATED_FIELDS}
    data["published_at"] = _iso(item.published_at)
    data["provider"] = _provider_content(item.provider)
    data["images"] = [_image_content(image) for image in item.images]
    data["keys"] = list(item.keys)
    data["extra"] = _plain(item.extra)
    return data


def _plain(value):
    """Unknown keys' values as JSON: dates are tagged, so they come back as dates, not strings."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


def _unplain(value):
    if isinstance(value, dict):
        if len(value) == 1 and "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if len(value) == 1 and "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        return {key: _unplain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unplain(item) for item in value]
    return value


def _datetime(value):
    return dt.datetime.fromisoformat(value) if value else None


def _image(data):
    return ImageData(**{**data, "keys": tuple(data.get("keys", ())), "extra": _unplain(data.get("extra", {}))})


def _provider(data):
    if data is None:
        return None
    logos = [_image(logo) for logo in data.get("logos", ())]
    return ProviderData(
        **{**data, "logos": logos, "keys": tuple(data.get("keys", ())), "extra": _unplain(data.get("extra", {}))}
    )


def _related(data):
    return RelatedData(
        **{
            **data,
            "published_at": _datetime(data.get("published_at")),
            "provider": _provider(data.get("provider")),
            "images": [_image(image) for image in data.get("images", ())],
            "keys": tuple(data.get("keys", ())),
            "extra": _unplain(data.get("extra", {})),
        }
    )
