"""
Editorial writes: what editors do to stories, called by the admin, commands and tests alike.

Every function is a bulk UPDATE over the stories that actually change, bumps
their `version` (so that a form opened before the change refuses to overwrite
it) and leaves one admin history entry per story saying who did what.
Permissions are the caller's business: the admin checks them before calling.
"""

from collections.abc import Iterable

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from .models import Article, Revision, TaggedArticle, Topic
from .revisions.snapshots import record_revisions
from .services import stories_changed
from .stories.references import ensure_topics

# SQLite refuses statements with more than 32,766 parameters; a "select all"
# action over a large newsroom must stay well below that.
BATCH_SIZE = 1000


class StaleStoryError(Exception):
    """The story changed since the editor's form was opened."""


def publish_stories(*, queryset: QuerySet, user) -> int:
    """Publish the unpublished stories of `queryset`; publishing is a review. Returns how many changed."""
    return _set_published(queryset=queryset, user=user, published=True)


def unpublish_stories(*, queryset: QuerySet, user) -> int:
    """Take the published stories of `queryset` off the site; a review too. Returns how many changed."""
    return _set_published(queryset=queryset, user=user, published=False)


def _set_published(*, queryset, user, published):
    now = timezone.now()
    with transaction.atomic():
        ids = _ids(queryset.filter(published=not published))
        for batch in _batches(ids):
            stories = Article.objects.filter(pk__in=batch)
            # A story someone already reviewed keeps its first reviewer.
            stories.filter(reviewed_at__isnull=True).update(reviewed_at=now, reviewed_by=user)
            stories.update(published=published, version=F("version") + 1, updated_at=now)
        stories_changed(ids, text=False)
        _done(user=user, ids=ids, message="Published." if published else "Unpublished.")
    return len(ids)


def mark_reviewed(*, queryset: QuerySet, user) -> int:
    """Take the unreviewed stories of `queryset` out of the review queue. Returns how many changed."""
    now = timezone.now()
    with transaction.atomic():
        ids = _ids(queryset.filter(reviewed_at__isnull=True))
        for batch in _batches(ids):
            Article.objects.filter(pk__in=batch).update(
                reviewed_at=now, reviewed_by=user, version=F("version") + 1, updated_at=now
            )
        stories_changed(ids, text=False)
        _done(user=user, ids=ids, message="Marked as reviewed.")
    return len(ids)


def add_topic(*, queryset: QuerySet, user, topic: str | Topic) -> int:
    """Add `topic` (a Topic, or a name matched whatever its case, created when new) after each story's
    own topics. Returns how many stories gained it."""
    name = topic.name if isinstance(topic, Topic) else topic.strip()
    if not name:
        raise ValueError("a topic needs a name")
    now = timezone.now()
    with transaction.atomic():
        topic = ensure_topics([name])[name.lower()]
        ids = _ids(queryset.exclude(tagged_topics__tag=topic))
        for batch in _batches(ids):
            last = dict(
                TaggedArticle.objects.filter(content_object_id__in=batch)
                .values("content_object_id")
                .annotate(last=Max("position"))
                .values_list("content_object_id", "last")
            )
            TaggedArticle.objects.bulk_create(
                TaggedArticle(content_object_id=pk, tag=topic, position=last.get(pk, -1) + 1) for pk in batch
            )
            Article.objects.filter(pk__in=batch).update(version=F("version") + 1, updated_at=now)
        stories_changed(ids)
        _done(user=user, ids=ids, message=f"Added the topic “{topic.name}”.")
    return len(ids)


def set_category(*, queryset: QuerySet, user, category: str) -> int:
    """Move the stories of `queryset` to `category`. Returns how many changed."""
    category = category.strip()
    now = timezone.now()
    with transaction.atomic():
        ids = _ids(queryset.exclude(category=category))
        for batch in _batches(ids):
            Article.objects.filter(pk__in=batch).update(category=category, version=F("version") + 1, updated_at=now)
        stories_changed(ids, text=False)
        _done(user=user, ids=ids, message=f"Set the category to “{category}”.")
    return len(ids)


def set_topics(*, article: Article, names: list[str]) -> bool:
    """Give the story exactly the topics `names`, in that order; returns whether anything changed.

    A name matches an existing topic whatever its case; a new name creates the topic.
    """
    current = TaggedArticle.objects.filter(content_object=article).order_by("position", "id")
    if [tagged.tag.name.lower() for tagged in current.select_related("tag")] == [name.lower() for name in names]:
        return False
    topics = ensure_topics(names)
    with transaction.atomic():
        current.delete()
        TaggedArticle.objects.bulk_create(
            TaggedArticle(content_object=article, tag=topics[name.lower()], position=index)
            for index, name in enumerate(names)
        )
        stories_changed([article.pk])
    return True


def save_story(*, article: Article, expected_version: int, user, reviewed: bool | None = None) -> Article:
    """Save an edited story unless someone else saved it since `expected_version` was read.

    The UPDATE ... WHERE version = expected both checks and claims the row, so
    of two editors saving at once exactly one wins; the other gets
    StaleStoryError and nothing of theirs is written. `reviewed` True records
    the user as reviewer (unless the story already has one), False puts the
    story back in the review queue, None leaves the review alone.
    """
    with transaction.atomic():
        claimed = Article.objects.filter(pk=article.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            raise StaleStoryError(f"story {article.pk} is no longer at version {expected_version}")
        article.version = expected_version + 1
        if reviewed and article.reviewed_at is None:
            article.reviewed_at, article.reviewed_by = timezone.now(), user
        elif reviewed is False:
            article.reviewed_at, article.reviewed_by = None, None
        article.save()
        stories_changed([article.pk])
    return article


def is_stale(article: Article, expected_version: int, *, lock: bool = False) -> bool:
    """True when the story is no longer at `expected_version` (or was deleted).

    `lock` holds the row until the caller's transaction ends, so that the save
    that follows cannot lose a race the check just won.
    """
    stories = Article.objects.filter(pk=article.pk, version=expected_version)
    if lock:
        stories = stories.select_for_update()
    return not stories.exists()


def set_positions(*, queryset: QuerySet, positions: dict[int, int]) -> None:
    """Give the rows of `queryset` the positions {pk: position}; any permutation is allowed.

    Positions are unique per story and the database checks each row as it is
    written, so moving rows first go far out of the way and then to their place.
    """
    rows = {row.pk: row for row in queryset.filter(pk__in=positions)}
    moving = [row for pk, row in rows.items() if row.position != positions[pk]]
    if not moving:
        return
    out_of_the_way = 1_000_000
    for row in moving:
        row.position = out_of_the_way + positions[row.pk]
    with transaction.atomic():
        queryset.model.objects.bulk_update(moving, ["position"])
        for row in moving:
            row.position = positions[row.pk]
        queryset.model.objects.bulk_update(moving, ["position"])


def log_import(*, user, created: Iterable[int], updated: Iterable[int], source: str) -> None:
    """History entries for stories an upload created or changed."""
    _log(user=user, ids=list(created), message=f"Imported from {source}.", action_flag=ADDITION)
    _log(user=user, ids=list(updated), message=f"Updated by an import from {source}.")


def _ids(queryset):
    return list(queryset.order_by().values_list("pk", flat=True).distinct())


def _batches(ids):
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _done(*, user, ids, message):
    """An editor's bulk action: the admin history entry and each story's revision."""
    _log(user=user, ids=ids, message=message)
    record_revisions(ids, user=user, source=Revision.Source.ACTION, source_name=message)


def _log(*, user, ids, message, action_flag=CHANGE):
    if user is None or not ids:
        return
    for batch in _batches(ids):
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=Article.objects.filter(pk__in=batch).only("pk", "title").order_by("pk"),
            action_flag=action_flag,
            change_message=message,
        )
