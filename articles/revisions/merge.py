"""
The three-way merge of an upstream file with an editor's changes.

The base is what the story's last import wrote. A field the editor changed
since then keeps the editor's value; the file's changes to every other field
apply. A field both changed, to different values, is a conflict: the editor's
value stays, and the conflict is reported. Asked to overwrite, the file's
values win wherever they differ from the editor's (each is reported).
Pure: contents in (articles.revisions.content), a merged content out.
"""

from dataclasses import dataclass, field

# What editors decide. Everything else (heat, URLs, dates, provider, the
# upstream's own keys) follows the file.
EDITORIAL_FIELDS = ("title", "excerpt", "category", "type", "topics", "related", "images", "published", "quality")


@dataclass
class Conflict:
    field: str
    editor: object
    file: object


@dataclass
class Merged:
    content: dict
    # The base of the next merge: the file, but where the editor's decision
    # stands, the value that decision was made against. A file that happens to
    # agree with an editor once must not make the decision the file's.
    next_base: dict
    kept: list = field(default_factory=list)  # editorial fields where the editor's value stayed
    conflicts: list = field(default_factory=list)
    overwritten: list = field(default_factory=list)  # editor's values the file replaced (overwrite=True)


def three_way(*, base: dict | None, current: dict, incoming: dict, overwrite: bool = False) -> Merged:
    """Merge `incoming` (the file) into `current` (the story now) over `base` (the last import).

    Without a base (a story from before revisions, or made in the admin),
    nothing counts as the editor's change, as before: the file applies.
    """
    merged = Merged(content=dict(incoming), next_base=dict(incoming))
    if base is None:
        return merged
    for name in EDITORIAL_FIELDS:
        mine, theirs, was = current.get(name), incoming.get(name), base.get(name)
        same = _same_topics if name == "topics" else _equal
        if same(mine, was):
            continue  # the editor left it alone
        if overwrite:
            if not same(mine, theirs):
                merged.overwritten.append(Conflict(name, mine, theirs))
            continue
        merged.next_base[name] = was
        if same(mine, theirs):
            continue  # the file agrees with the editor, this time
        merged.content[name] = mine
        merged.kept.append(name)
        if not same(theirs, was):
            merged.conflicts.append(Conflict(name, mine, theirs))
            # Reported once: the next file that says the same is no new conflict.
            merged.next_base[name] = theirs
    return merged


def _equal(a, b):
    return a == b


def _same_topics(a, b):
    # A file's "ai" is the topic "AI": topics are one whatever their case.
    return [name.casefold() for name in a or ()] == [name.casefold() for name in b or ()]
