"""
Deleting a story keeps the decision, its trace and a way back (articles.revisions.models.Deletion).

- record_deletions(): before stories are deleted, in the same transaction,
  who deleted each one, when, and its last content; its revisions are kept,
  detached, and its importers' changes still waiting are turned down.
- The import leaves a deleted story's file out, with a warning naming who
  deleted it (articles.stories.plan), whatever it is asked to overwrite: a
  deletion is ended only by a restore, by someone who may delete stories.
- restore_deletion(): the story back from its last content, at its address
  and its slug, with its revisions, held for an editor (whether it is shown
  again is a decision of its own), as a revision of the user who restored it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from ..models import Article, Deletion, Revision
from ..services import stories_changed
from ..stories.children import replace_children
from ..stories.plan import PlannedStory
from ..stories.report import CREATED, FileResult
from ..stories.write import lock_stories, upsert_stories
from .content import from_content, pack
from .restore import story_references
from .snapshots import current_contents

# What a Deletion keeps of the story's row.
ROW = ("pk", "url_key", "slug", "title", "published", "content_hash", "imported_published", "imported_quality")


def record_deletions(article_ids, *, user):
    """A Deletion of each of these stories, about to be deleted: call it in the deletion's transaction."""
    # Locked first, in id order as imports lock them: the content kept is the content deleted.
    rows = list(Article.objects.select_for_update().filter(pk__in=list(article_ids)).order_by("pk").values_list(*ROW))
    contents = current_contents([row[0] for row in rows])
    now = timezone.now()
    deletions = Deletion.objects.bulk_create(
        Deletion(
            url_key=url_key,
            slug=slug,
            title=title,
            story_id=pk,
            was_published=published,
            content_data=pack(contents[pk]),
            content_hash=content_hash,
            imported_published=imported_published,
            imported_quality=imported_quality,
            deleted_by=user,
            deleted_at=now,
        )
        for pk, url_key, slug, title, published, content_hash, imported_published, imported_quality in rows
    )
    revisions = Revision.objects.filter(article_id__in=[row[0] for row in rows])
    # An importer's change to a story that is gone has nothing left to apply to.
    revisions.filter(status=Revision.Status.PENDING).update(
        status=Revision.Status.REJECTED, decided_by=user, decided_at=now, message="Rejected: the story was deleted."
    )
    # Each story's revisions stay with its deletion: two statements for any number of stories.
    deletion_of = Deletion.objects.filter(story_id=OuterRef("article_id"), deleted_at=now).order_by("-id")
    revisions.update(deletion=Subquery(deletion_of.values("pk")[:1]))
    return deletions


def restore_deletion(deletion: Deletion, *, user) -> Article:
    """The deleted story again, with its revisions, held for an editor; the Deletion says who restored it."""
    content = {**deletion.content, "published": False}
    story = from_content(content)
    story.content_hash = deletion.content_hash
    with transaction.atomic():
        lock_stories([story])
        deletion = Deletion.objects.select_for_update().filter(pk=deletion.pk, restored_at__isnull=True).first()
        if deletion is None:
            raise ValidationError("This story was already restored.", code="restored")
        if Article.objects.filter(url_key=story.url_key).exists():
            raise ValidationError(
                f"Another story now has the address {story.url_key}; delete or change that story first.",
                code="url_taken",
            )
        now = timezone.now()
        item = PlannedStory(story, None, FileResult(story.filename or "deleted story", CREATED))
        item.kept = {
            "published": False,
            "imported_published": deletion.imported_published,
            "imported_quality": deletion.imported_quality,
        }
        providers, topics = story_references(story)
        upsert_stories([item], providers=providers)
        if not Article.objects.filter(pk=deletion.story_id).exists():
            # Its old id too, before any row refers to the new one: the admin's links and log name it.
            Article.objects.filter(pk=item.article_id).update(id=deletion.story_id)
            item.result.article_id = deletion.story_id
        replace_children([item], providers=providers, topics=topics)
        kept = Revision.objects.filter(deletion=deletion)
        version = (kept.aggregate(last=Max("version"))["last"] or 0) + 1
        # Held by the restoring editor: a hold is a decision the next import keeps (stories.states).
        back = {"version": version, "held_at": now, "reviewed_by": user, "reviewed_at": now}
        if deletion.slug and not Article.objects.filter(slug=deletion.slug).exists():
            back["slug"] = deletion.slug  # its old links work again
        Article.objects.filter(pk=item.article_id).update(status_by=Article.StatusBy.EDITOR, **back)
        kept.update(article_id=item.article_id)
        stories_changed([item.article_id])
        when = timezone.localtime(deletion.deleted_at)
        Revision.objects.create(
            article_id=item.article_id,
            deletion=deletion,
            user=user,
            source=Revision.Source.RESTORE,
            version=version,
            content=content,
            message=(
                f"Restored after its deletion by {deletion.deleted_by_name} on {when:%Y-%m-%d %H:%M};"
                " held for an editor's decision."
            ),
        )
        deletion.restored_by, deletion.restored_at = user, now
        deletion.save(update_fields=["restored_by", "restored_at"])
    return Article.objects.get(pk=item.article_id)
