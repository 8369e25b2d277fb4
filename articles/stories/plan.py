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
from .data import StoryData
from .report import CREATED, UNCHANGED, UPDATED, FileResult

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
_EDITORIAL_FIELDS = ["published", "quality"]


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
    # Row values that stay as they are instead of the file's (an editor's decisions).
    kept: dict = field(default_factory=dict)

    @property
    def article_id(self):
        """The story's id: its current row's, or its new row's once written."""
        return self.result.article_id


@dataclass
class BatchPlan:
    results: list  # FileResult, one per file, in the batch's order
    to_write: list  # PlannedStory, for the files that change their story


def plan_batch(batch, existing, *, overwrite_editorial=False, may_publish=True) -> BatchPlan:
    """Plan [NamedStory] against `existing`, {url_key: Article} of the stories already there.

    Without `may_publish` (an importer who is not an editor), new stories
    arrive unpublished and existing ones keep their publish flag.
    """
    plan = BatchPlan(results=[], to_write=[])
    for name, story in batch:
        article = existing.get(story.url_key)
        result = FileResult(name, CREATED, warnings=list(story.warnings))
        kept = {}
        if article is not None:
            result.article_id = article.pk
            if article.content_hash == story.content_hash:
                result.status = UNCHANGED
            else:
                result.status = UPDATED
                result.changes = _changes(article, story)
                kept = _keep_editorial_decisions(article, story, result, overwrite=overwrite_editorial)
        if not may_publish and result.status != UNCHANGED:
            kept.update(_without_publishing(article, story, result))
        plan.results.append(result)
        if result.status != UNCHANGED:
            plan.to_write.append(PlannedStory(story, article, result, kept))
    return plan


def _keep_editorial_decisions(article, story, result, *, overwrite):
    """An editor's change to the publish flag or quality survives a re-import.

    Returns the row values to keep. A change is an editor's when the story's
    value differs from what the last import wrote; that record of the import
    is kept too, even when the file happens to agree, so that a later file
    cannot undo the editor's decision unnoticed.
    """
    kept = {}
    for name in _EDITORIAL_FIELDS:
        current, imported, incoming = getattr(article, name), getattr(article, f"imported_{name}"), getattr(story, name)
        edited = imported is not None and current != imported
        if not edited:
            continue
        if current != incoming and overwrite:
            result.warnings.append(f"{result.path}: {name}: editor's value {current!r} overwritten by {incoming!r}")
            continue
        if current != incoming:
            result.warnings.append(
                f"{result.path}: {name}: kept the editor's value {current!r}; the file says {incoming!r}"
                " (use --overwrite-editorial to take the file's)"
            )
            kept[name] = current
        kept[f"imported_{name}"] = imported
    return kept


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
