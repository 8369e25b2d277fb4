"""
A story's content as plain JSON data, and back.

The content is everything a story file holds, the way the file held it (key
order, line endings, escapes), so that restoring a revision and exporting the
story writes the file of that revision again. Pure: no ORM.
"""

import dataclasses
import datetime as dt

from ..stories.data import ImageData, ProviderData, RelatedData, StoryData

# Said about a file at one import, not part of the story.
_NOT_CONTENT = ("warnings",)


def to_content(story: StoryData) -> dict:
    """The JSON-ready content of `story`."""
    return {f.name: _jsonable(getattr(story, f.name)) for f in dataclasses.fields(story) if f.name not in _NOT_CONTENT}


def from_content(content: dict) -> StoryData:
    """The StoryData of a content made by to_content()."""
    data = dict(content)
    data["published_at"] = _datetime(data.get("published_at"))
    data["provider"] = _provider(data.get("provider"))
    data["images"] = [_image(image) for image in data.get("images", ())]
    data["related"] = [_related(item) for item in data.get("related", ())]
    data["keys"] = tuple(data.get("keys", ()))
    data["verbatim"] = [(tuple(path), value, source) for path, value, source in data.get("verbatim", ())]
    known = {f.name for f in dataclasses.fields(StoryData)}
    return StoryData(**{key: value for key, value in data.items() if key in known})


def _jsonable(value):
    # Not dataclasses.asdict(): the parser's lists and mappings are subclasses
    # (with line numbers) that it cannot rebuild; the content is plain data.
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _datetime(value):
    return dt.datetime.fromisoformat(value) if value else None


def _image(data):
    return ImageData(**{**data, "keys": tuple(data.get("keys", ()))})


def _provider(data):
    if data is None:
        return None
    logos = [_image(logo) for logo in data.get("logos", ())]
    return ProviderData(**{**data, "logos": logos, "keys": tuple(data.get("keys", ()))})


def _related(data):
    return RelatedData(
        **{
            **data,
            "published_at": _datetime(data.get("published_at")),
            "provider": _provider(data.get("provider")),
            "images": [_image(image) for image in data.get("images", ())],
            "keys": tuple(data.get("keys", ())),
        }
    )
