"""
Deleting a story keeps the decision and a way back (articles.revisions.models.Deletion).

- record_deletions(): before stories are deleted, in the same transaction,
  who deleted each one, when, and its last content.
- The import leaves a deleted story's file out, with a warning naming who
  deleted it (articles.stories.plan); `--overwrite-editorial` imports it again.
- restore_deletion(): the story back from its last content, as a revision of
  the user who restored it. It waits for an editor: whether it is shown again
  is a decision of its own, and the state it had went with its row.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Article, Deletion, Revision
from ..services import stories_changed
from ..stories.children import replace_children
from ..stories.plan import PlannedStory
from ..stories.references import ensure_providers, ensure_topics
from ..stories.report import CREATED, FileResult
from ..stories.write import upsert_stories
from .content import from_content, pack
from .snapshots import current_contents, import_bases


def record_deletions(article_ids, *, user):
    """A Deletion of each of these stories, about to be deleted: call it in the deletion's transaction."""
    article_ids = list(article_ids)
    contents, bases = current_contents(article_ids), import_bases(article_ids)
    now = timezone.now()
    rows = [
        Deletion(
            url_key=url_key,
            title=title,
            story_id=pk,
            was_published=published,
            content_data=pack(contents[pk]),
            base_data=pack(bases[pk]) if pk in bases else None,
            content_hash=content_hash,
            deleted_by=user,
            deleted_at=now,
        )
        for pk, url_key, title, published, content_hash in Article.objects.filter(pk__in=article_ids).values_list(
            "pk", "url_key", "title", "published", "content_hash"
        )
    ]
    # A story made again at a deleted one's address (in the admin) and deleted in its turn: the latest counts.
    Deletion.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["url_key"],
        update_fields=[
            *("title", "story_id", "was_published", "content_data", "base_data", "content_hash"),
            *("deleted_by", "deleted_at"),
        ],
    )
    return rows


def restore_deletion(deletion: Deletion, *, user) -> Article:
    """The deleted story again, from its last content, waiting for an editor; the Deletion goes."""
    content = deletion.content
    story = from_content(content)
    story.content_hash = deletion.content_hash
    with transaction.atomic():
        if not Deletion.objects.select_for_update().filter(pk=deletion.pk).exists():
            raise ValidationError("This story was already restored, or imported again.", code="restored")
        if Article.objects.filter(url_key=story.url_key).exists():
            raise ValidationError(
                f"Another story now has the address {story.url_key}; delete or change that story first.",
                code="url_taken",
            )
        item = PlannedStory(story, None, FileResult(story.filename or "deleted story", CREATED))
        item.kept = {"published": False}
        providers = ensure_providers(
            [story.provider] * bool(story.provider)
            + [related.provider for related in story.related if related.provider]
        )
        topics = ensure_topics(story.topics)
        upsert_stories([item], providers=providers)
        replace_children([item], providers=providers, topics=topics)
        stories_changed([item.article_id])
        when = timezone.localtime(deletion.deleted_at)
        Revision.objects.create(
            article_id=item.article_id,
            user=user,
            source=Revision.Source.RESTORE,
            version=1,
            content=content,
            upstream=deletion.base,
            message=(
                f"Restored after its deletion by {deletion.deleted_by_name} on {when:%Y-%m-%d %H:%M};"
                " it waits for an editor's decision."
            ),
        )
        deletion.delete()
    return Article.objects.get(pk=item.article_id)
