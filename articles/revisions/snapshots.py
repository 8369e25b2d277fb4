"""
Revisions written and read in bulk: the stories' contents as they are now, the
bases of an import's merge, and a revision for every story a change touched.
"""

from django.db.models import F, Max, Window
from django.db.models.functions import RowNumber

from ..models import Article, Revision
from ..stories.export import story_from_article
from .content import to_content

# Stories read at once: their related items and images come along (for_export()).
BATCH_SIZE = 500
# The sources whose revision is the base of the next import's merge: a file's content.
IMPORTS = (Revision.Source.IMPORT, Revision.Source.UPLOAD, Revision.Source.API, Revision.Source.MODERATION)


def batched(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stories_now(article_ids):
    """(story row, content) of each of these stories as they are now, read in batches."""
    for batch in batched(article_ids, BATCH_SIZE):
        for article in Article.objects.filter(pk__any_of=batch).for_export():
            yield article, to_content(story_from_article(article))


def current_contents(article_ids) -> dict:
    """{story id: content} of these stories as they are now."""
    return {article.pk: content for article, content in _stories_now(article_ids)}


def import_bases(article_ids) -> dict:
    """{story id: content} of what each story's last applied import wrote, where there is one."""
    bases = {}
    for batch in batched(article_ids, BATCH_SIZE):
        latest = (
            Revision.objects.filter(article_id__any_of=batch, source__in=IMPORTS, status=Revision.Status.LIVE)
            .order_by("article_id", "-id")
            .only("article_id", "source_name", "content_data", "file_data", "upstream_data")
        )
        for revision in latest:
            if revision.article_id not in bases:
                bases[revision.article_id] = revision.base_content
    return bases


def record_revisions(article_ids, *, user=None, source, source_name="", message="") -> list[Revision]:
    """A revision of each of these stories as they are now: call it after the change, in its transaction."""
    rows = [
        Revision(
            article_id=article.pk,
            user=user,
            source=source,
            source_name=source_name,
            version=article.version,
            content=content,
            message=message,
        )
        for article, content in _stories_now(article_ids)
    ]
    return Revision.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def prune_revisions(*, older_than, keep: int, dry_run=False) -> int:
    """Delete applied and rejected revisions older than `older_than` (a datetime), keeping each story's newest `keep`.

    Pending revisions wait for an editor and are never pruned; neither is the
    revision an import's next merge starts from (the newest import of a story).
    """
    # The window ranks every revision of a story; only the outer query filters,
    # so "the newest `keep`" counts them all.
    # A deleted story's revisions wait for its restore, whole (articles.revisions.deletions).
    beyond = (
        Revision.objects.filter(article__isnull=False)
        .annotate(rank=Window(RowNumber(), partition_by=[F("article_id")], order_by=F("id").desc()))
        .filter(rank__gt=keep)
        .values_list("pk", "created_at", "status")
    )
    protected = set(
        Revision.objects.filter(source__in=IMPORTS, status=Revision.Status.LIVE)
        .values("article_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    doomed = [
        pk
        for pk, created_at, status in beyond.iterator()
        if created_at < older_than and status != Revision.Status.PENDING and pk not in protected
    ]
    if not dry_run:
        for batch in batched(doomed, BATCH_SIZE):
            Revision.objects.filter(pk__in=batch).delete()
    return len(doomed)
