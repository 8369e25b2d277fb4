"""
What a written file does to its story's state (articles.models.Article.Status).

The file's `published: true` is the upstream's recommendation: it makes a
story live only through the quality gate (articles.gate), and never over an
editor's (or an intake rule's) rejection, take-down or hold unless the caller overwrites editors'
decisions (`--overwrite-editorial`, a restore). `published: false` takes a
live story down, as the upstream asked. The file's value itself is kept as
it is (Article.imported_published), so a story waiting for an editor still
exports as its file.
"""

from django.utils import timezone

from ..gate import passes_gate
from ..models import Article
from .data import StoryData

_EDITORS_NO = (Article.Status.REJECTED, Article.Status.TAKEN_DOWN)
# Whose "no" stands against a file's recommendation: an editor's, and an intake rule's (editors' standing decision).
_DECIDERS = (Article.StatusBy.EDITOR, Article.StatusBy.RULE)


def state_after_import(article: Article | None, story: StoryData, *, overwrite=False) -> dict:
    """The row values of the story's state once `story` is written over `article` (None: a new story).

    `editor_kept` True says the file's publish flag lost to an editor's decision.
    """
    now = timezone.now()
    by_import = {"status_by": Article.StatusBy.IMPORT, "status_changed_at": now}
    public = article is not None and article.published
    if story.published:
        if public:
            return {}
        if article is not None and _decided_no(article) and not overwrite:
            return {"published": False, "editor_kept": True}
        domain = story.provider.domain if story.provider else None
        if passes_gate(story.quality, domain):
            return {"published": True, "status": Article.Status.LIVE, "held_at": None, **by_import}
        if article is not None and article.status == Article.Status.WAITING:
            return {"published": False}
        return {"published": False, "status": Article.Status.WAITING, **by_import}
    if public:
        return {"published": False, "status": Article.Status.TAKEN_DOWN, **by_import}
    return {}


def _decided_no(article):
    """Whether an editor or a rule said no to publishing this story: a rejection, a take-down, or a hold."""
    if article.status == Article.Status.WAITING:
        # A hold is a decision whoever made it: an editor's hold leaves status_by as it was.
        return article.held_at is not None
    return article.status in _EDITORS_NO and article.status_by in _DECIDERS
