"""
Planning a batch of an import: what each file does to its story, with nothing written.

For every file the plan says whether its story is created, updated or left
unchanged, what changes, which of an editor's decisions survive, and what the
warnings are. It neither reads nor writes the database: the caller passes the
stories' current rows, and writes what the plan says.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from ..models import Article
from ..revisions.content import from_content, to_content
from ..revisions.merge import three_way
from .data import StoryData
from .report import CREATED, UNCHANGED, UPDATED, FileResult
from .states import state_after_import

# Story fields an import sets: the Article field and the StoryData attribute share the name.
SCALAR_FIELDS = [
    "title",
    "category",
    "excerpt",
    "published_at",
    "original_url",
    "web_url",
    "amp_url",
    "cdn_amp_url",
    "type",
    "quality",
    "heat",
    "published",
    "featured_content",
    "secured",
]


class NamedStory(NamedTuple):
    """A parsed file of a batch: its name (the path, or the upload's name) and its story."""

    name: str
    story: StoryData


@dataclass
class PlannedStory:
    """A file that changes its story: what is written for it."""

    story: StoryData
    article: Article | None  # the story's current row; None for a new story
    result: FileResult
    # Row values that stay as they are instead of the file's (an importer may not publish).
    kept: dict = field(default_factory=dict)
    # The next import's merge base, where it is not the content written.
    upstream: dict | None = None
    # The row's state once written (states.py): set on the row, not part of the file's content.
    state: dict = field(default_factory=dict)
    # What intake rules did to it (articles.intake.at_import): [(rule id, what it did)], for its revision.
    rules: list = field(default_factory=list)

    @property
    def article_id(self):
        """The story's id: its current row's, or its new row's once written."""
        return self.result.article_id


@dataclass
class BatchPlan:
    results: list  # FileResult, one per file, in the batch's order
    to_write: list  # PlannedStory, for the files that change their story
    # PlannedStory of live stories an importer who may not publish changes: revisions to review.
    pending: list = field(default_factory=list)


@dataclass
class StoryContents:
    """The contents the merge needs for the stories a batch updates (articles.revisions.snapshots)."""

    current: dict = field(default_factory=dict)  # {story id: content now}
    base: dict = field(default_factory=dict)  # {story id: content of its last import}


def plan_batch(batch, existing, *, contents, deleted=None, overwrite_editorial=False, may_publish=True) -> BatchPlan:
    """Plan [NamedStory] against `existing`, {url_key: Article} of the stories already there.

    A file of a story deleted in the admin (`deleted`: {url_key: Deletion})
    is left out, with a warning naming who deleted it.
    An updated story is the three-way merge of its file with the editor's
    changes since its last import (`contents`: StoryContents). Without
    `may_publish` (an importer who is not an editor), new stories arrive
    unpublished, existing ones keep their publish flag, and a change to a live
    story waits for an editor's review instead of reaching readers.
    """
    plan = BatchPlan(results=[], to_write=[])
    for name, story in batch:
        article = existing.get(story.url_key)
        result = FileResult(name, CREATED, warnings=list(story.warnings))
        kept = {}
        deletion = (deleted or {}).get(story.url_key) if article is None else None
        if deletion is not None:
            _deleted(deletion, result)
        if article is not None:
            result.article_id = article.pk
            if article.content_hash == story.content_hash:
                result.status = UNCHANGED
            else:
                result.status = UPDATED
                result.changes = _changes(article, story)
        upstream = None
        if result.status == UPDATED:
            story, upstream = _merge(article, story, result, contents, overwrite=overwrite_editorial)
        state = {}
        if not may_publish and result.status != UNCHANGED:
            kept.update(_without_publishing(article, story, result))
        elif result.status != UNCHANGED:
            state = _state(article, story, result, kept, overwrite=overwrite_editorial)
        plan.results.append(result)
        if result.status == UNCHANGED:
            continue
        planned = PlannedStory(story, article, result, kept, upstream, state)
        if not may_publish and article is not None and article.published:
            result.pending = True
            result.warnings.append(f"{result.path}: the story is live: this change waits for an editor's review")
            plan.pending.append(planned)
        else:
            plan.to_write.append(planned)
    return plan


def _deleted(deletion, result):
    """A file of a story deleted in the admin: left out, overwrite or not (only a restore ends a deletion)."""
    result.status = UNCHANGED
    result.warnings.append(
        f"{result.path}: deleted by {deletion.deleted_by_name} on {deletion.deleted_at:%Y-%m-%d %H:%M} UTC:"
        " not imported again (it comes back only through Restore, under Deleted stories)"
    )


def _merge(article, story, result, contents, *, overwrite):
    """The three-way merge of the file with the editor's changes (articles.revisions.merge).

    Returns the story to write, and the next import's base where it is not
    the content written (the merge kept an editor's value), else None.
    """
    current = contents.current[article.pk]
    base = contents.base.get(article.pk) or _legacy_base(article, current)
    incoming = to_content(story)
    merged = three_way(base=base, current=current, incoming=incoming, overwrite=overwrite)
    for conflict in merged.overwritten:
        result.warnings.append(
            f"{result.path}: {conflict.field}: editor's value {_short(conflict.editor)} overwritten by"
            f" {_short(conflict.file)}"
        )
    for name in merged.kept:
        result.changes.pop(name, None)
        result.warnings.append(
            f"{result.path}: {name}: kept the editor's value {_short(current[name])}; the file says"
            f" {_short(incoming[name])} (use --overwrite-editorial to take the file's)"
        )
    result.conflicts = [(c.field, c.editor, c.file) for c in merged.conflicts]
    upstream = merged.next_base if merged.next_base != merged.content else None
    if not merged.kept:
        return story, upstream
    merged_story = from_content(merged.content)
    merged_story.warnings = story.warnings
    return merged_story, upstream


def _state(article, story, result, kept, *, overwrite):
    """The story's state after the file (states.py), and what the report says of it."""
    state = state_after_import(article, story, overwrite=overwrite)
    if state.pop("editor_kept", False):
        # The editor's "no" stands, in the row and in the revision's content.
        kept["published"] = False
        if article.status == Article.Status.WAITING:
            who = "an intake rule" if article.status_by == Article.StatusBy.RULE else "an editor"
            stays = f"held, as {who} decided"
        else:
            stays = f"{article.get_status_display().lower()} as {article.get_status_by_display()} decided"
        result.warnings.append(f"{result.path}: published: the file recommends publishing; the story stays {stays}")
    elif story.published and state.get("published") is False:
        result.warnings.append(
            f"{result.path}: published: the file recommends publishing, but quality {story.quality} is below the"
            " publishing gate: the story waits for an editor"
        )
    return state


def _legacy_base(article, current):
    """A story imported before revisions: only the publish flag and quality of its import are known."""
    base = dict(current)
    if article.imported_published is not None:
        base["published"] = article.imported_published
    if article.imported_quality is not None:
        base["quality"] = article.imported_quality
    return base


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _without_publishing(article, story, result):
    """For a user who may not publish: the file's flag is not taken, the story's own stays."""
    published = article.published if article else False
    if story.published != published:
        result.warnings.append(
            f"{result.path}: published: left {str(published).lower()}: only editors may publish or unpublish"
        )
    return {"published": published, "imported_published": article.imported_published if article else published}


def _changes(article, story):
    changes = {}
    for name in SCALAR_FIELDS:
        old, new = getattr(article, name), getattr(story, name)
        if old != new:
            changes[name] = (old, new)
    return changes
