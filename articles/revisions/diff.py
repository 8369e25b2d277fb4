"""
What changed between two contents of a story, field by field, for people.

Lists (topics, related coverage, images) are compared item by item: added,
removed, changed, and moved when the order of the items both hold differs.
Pure: contents in (articles.revisions.content), Change rows out.
"""

from dataclasses import dataclass, field

LABELS = {
    "title": "Title",
    "excerpt": "Excerpt",
    "category": "Category",
    "type": "Type",
    "published_at": "Published on",
    "quality": "Quality",
    "heat": "Heat",
    "published": "Published",
    "original_url": "Original URL",
    "web_url": "Web URL",
    "amp_url": "AMP URL",
    "cdn_amp_url": "AMP cache URL",
    "provider": "Provider",
    "topics": "Topics",
    "related": "Related coverage",
    "images": "Images",
    "featured_content": "Featured content",
    "secured": "Upstream token",
    "body": "Body",
    "extra": "Other keys",
    "filename": "File name",
}


@dataclass
class Change:
    field: str
    label: str
    old: object = None
    new: object = None
    # For lists: (what, item) pairs, what being "added", "removed", "changed" or "moved".
    items: list = field(default_factory=list)


def changes(old: dict, new: dict) -> list[Change]:
    """The fields that differ from `old` to `new`, in the order an editor reads a story."""
    found = []
    for name, label in LABELS.items():
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name == "topics":
            items = list_changes(before or [], after or [], key=str.casefold, show=str)
        elif name == "related":
            items = list_changes(before or [], after or [], key=_related_key, show=lambda item: item.get("title", ""))
        elif name == "images":
            items = list_changes(before or [], after or [], key=lambda image: image.get("url"), show=_image_text)
        elif name == "provider":
            before, after, items = _provider_text(before), _provider_text(after), []
        else:
            items = []
        found.append(Change(name, label, before, after, items))
    return found


def list_changes(before, after, *, key, show):
    """[(what, text)] turning the list `before` into `after`, items matched by `key`."""
    old = {key(item): item for item in before}
    new = {key(item): item for item in after}
    items = [("removed", show(item)) for k, item in old.items() if k not in new]
    items += [("added", show(item)) for k, item in new.items() if k not in old]
    items += [("changed", show(new[k])) for k in old if k in new and old[k] != new[k]]
    kept_before = [k for k in old if k in new]
    kept_after = [k for k in new if k in old]
    if kept_before != kept_after:
        places = {k: index for index, k in enumerate(kept_before)}
        for index, k in enumerate(kept_after):
            if places[k] != index:
                items.append(("moved", f"{show(new[k])} (to place {index + 1})"))
    return items


def _related_key(item):
    return item.get("web_url") or item.get("title")


def _image_text(image):
    size = f" ({image['width']}×{image['height']})" if image.get("width") and image.get("height") else ""
    return f"{image.get('url', '')}{size}"


def _provider_text(provider):
    return f"{provider['name']} ({provider['domain']})" if provider else None
