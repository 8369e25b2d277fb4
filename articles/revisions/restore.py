"""
Putting a revision's content back on its story: a restore, or an approved importer's change.

The content is written through the import's own steps (its row, then its
related items, images and topics), so a restored story is exactly the story
of that revision and exports as its file did.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Article, Revision
from ..services import stories_changed, watch_publication
from ..stories.children import replace_children
from ..stories.plan import PlannedStory
from ..stories.references import ensure_providers, ensure_topics
from ..stories.report import UPDATED, FileResult
from ..stories.states import state_after_import
from ..stories.write import upsert_stories
from .content import from_content
from .diff import changes
from .snapshots import current_contents


def restore_revision(revision: Revision, *, user) -> Revision:
    """Make the story what it was at `revision`; the restore is itself a revision."""
    when = timezone.localtime(revision.created_at)
    return _apply(
        revision.article_id,
        revision.content,
        user=user,
        source=Revision.Source.RESTORE,
        message=f"Restored the revision of {when:%Y-%m-%d %H:%M} ({revision.get_source_display().lower()}).",
        # A revision is the story's content: restoring an older text does not undo a rejection,
        # a take-down or a hold, which are decisions of their own (decided from the list or triage).
        keep_decisions=True,
    )


def approve_revision(revision: Revision, *, user) -> Revision:
    """An editor lets a pending importer's change reach readers."""
    with transaction.atomic():
        pending = Revision.objects.select_for_update().get(pk=revision.pk, status=Revision.Status.PENDING)
        current = Article.objects.filter(pk=pending.article_id).values_list("version", flat=True).first()
        if current != pending.version:
            # Applying it whole would undo what editors did since the upload.
            raise ValidationError(
                "The story changed since this upload (it was made against an older version): compare it with the"
                " story now, reject it, and upload the file again if its changes are still wanted.",
                code="stale",
            )
        applied = _apply(
            pending.article_id,
            pending.content,
            user=user,
            source=Revision.Source.MODERATION,
            message=f"Approved the change uploaded in {pending.source_name} by {pending.author}.",
            upstream=pending.upstream,
        )
        pending.status, pending.decided_by, pending.decided_at = Revision.Status.LIVE, user, timezone.now()
        pending.save(update_fields=["status", "decided_by", "decided_at"])
    return applied


def reject_revision(revision: Revision, *, user, reason: str = "") -> None:
    """An editor turns a pending importer's change down; the story stays as it is."""
    updated = Revision.objects.filter(pk=revision.pk, status=Revision.Status.PENDING).update(
        status=Revision.Status.REJECTED,
        decided_by=user,
        decided_at=timezone.now(),
        message=(f"Rejected: {reason}" if reason else "Rejected."),
    )
    if not updated:
        raise ValidationError("This change was already decided.", code="decided")


def changes_since(revision: Revision):
    """What `revision` would change on the story as it is now."""
    return changes(current_contents([revision.article_id])[revision.article_id], revision.content)


def _apply(article_id, content, *, user, source, message, upstream=None, keep_decisions=False) -> Revision:
    story = from_content(content)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        if story.url_key != article.url_key and Article.objects.filter(url_key=story.url_key).exists():
            raise ValidationError(
                f"Another story now has the address {story.url_key}; change that story first.", code="url_taken"
            )
        if story.url_key != article.url_key:
            # The upsert finds a story by its address: move the row to the revision's first.
            Article.objects.filter(pk=article.pk).update(url_key=story.url_key)
        item = PlannedStory(story, article, FileResult(story.filename or "revision", UPDATED, article_id=article.pk))
        # A restored publish flag passes the quality gate again, as an import's does; the state
        # it gives is this editor's decision, not an import's.
        item.state = state_after_import(article, story, overwrite=not keep_decisions)
        if item.state.pop("editor_kept", False):
            # The editor's "no" stands, in the row and in the revision's content.
            content = {**content, "published": False}
        decided = "status" in item.state and user is not None
        if decided:
            item.state["status_by"] = Article.StatusBy.EDITOR
        providers, topics = story_references(story)
        watch = watch_publication([article.pk])
        upsert_stories([item], providers=providers)
        # What the import's upsert does not write: who decided, and an end of publication already
        # passed, which would take a story live again down at the schedule's next run.
        after = {"reviewed_by": user, "reviewed_at": item.state["status_changed_at"]} if decided else {}
        if item.state.get("published") and article.unpublish_at and article.unpublish_at <= timezone.now():
            after["unpublish_at"] = None
        if after:
            Article.objects.filter(pk=article.pk).update(**after)
        replace_children([item], providers=providers, topics=topics)
        stories_changed([article.pk])
        watch.changed()
        return Revision.objects.create(
            article_id=article.pk,
            user=user,
            source=source,
            version=article.version + 1,
            content=content,
            upstream=upstream,
            message=message,
        )


def story_references(story):
    """The providers and topics `story` names, made where they do not exist: what writing it one at a time needs."""
    providers = ensure_providers(
        [story.provider] * bool(story.provider) + [related.provider for related in story.related if related.provider]
    )
    return providers, ensure_topics(story.topics)
