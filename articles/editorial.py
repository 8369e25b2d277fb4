"""
Editorial writes: what editors do to stories, called by the admin, commands and tests alike.

Every function is a bulk UPDATE over the stories that actually change, bumps
their `version` (so that a form opened before the change refuses to overwrite
it) and leaves one admin history entry per story saying who did what.
Permissions are the caller's business: the admin checks them before calling.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from .gate import passes_gate, quality_bar
from .models import Article, Revision, TaggedArticle, Topic
from .querysets import LISTED_FIELDS
from .revisions.snapshots import record_revisions
from .services import stories_changed, watch_publication
from .stories.references import ensure_topics

# SQLite refuses statements with more than 32,766 parameters; a "select all"
# action over a large newsroom must stay well below that.
BATCH_SIZE = 1000
# The fields whose change in a form is an editor's decision (save_story).
DECISION_FIELDS = ("published", "publish_at", "unpublish_at")


# Stories a decision's result names among those the gate held back.
BELOW_GATE_SHOWN = 50


class StaleStoryError(Exception):
    """The story changed since the editor's form was opened."""


class BelowGateError(ValidationError):
    """Publishing a story below the quality gate without an override reason."""


@dataclass
class Decided:
    """What a decision on several stories did: the ids it changed, and the stories the gate held back."""

    changed: list = field(default_factory=list)
    # The stories the gate held back, best first: how many, and the first BELOW_GATE_SHOWN of them.
    below_gate_count: int = 0
    below_gate: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.changed)


def approve_stories(
    *, queryset: QuerySet, user, publish_at=None, unpublish_at=None, override_reason: str = ""
) -> Decided:
    """Publish the stories of `queryset` now, or from `publish_at` (scheduled), until `unpublish_at` if given.

    Stories below the quality gate (articles.gate) are left as they are and
    listed in the result, unless `override_reason` is given: then they are
    published too and the reason is recorded in their revision. A story
    already public with the same schedule is not changed.
    """
    now = timezone.now()
    override_reason = override_reason.strip()
    status = Article.Status.SCHEDULED if publish_at and publish_at > now else Article.Status.LIVE
    with transaction.atomic():
        candidates = queryset.exclude(published=True, status=status, publish_at=publish_at, unpublish_at=unpublish_at)
        # Ids compared in Python: a "select all" may hold more stories than a query may name.
        low = set(story_ids(candidates.below_gate()))
        ids = [pk for pk in story_ids(candidates) if pk not in low]
        overridden = sorted(low) if override_reason else []
        decided = Decided(changed=ids + overridden, below_gate_count=0 if override_reason else len(low))
        if low and not override_reason:
            shown = candidates.below_gate().select_related("provider").order_by("-quality", "pk")
            decided.below_gate = list(shown[:BELOW_GATE_SHOWN])
        values = {"published": True, "status": status, "publish_at": publish_at, "unpublish_at": unpublish_at}
        write_decision(decided.changed, user=user, now=now, values=values)
        message = (
            f"Scheduled for {timezone.localtime(publish_at):%Y-%m-%d %H:%M}." if status == "scheduled" else "Published."
        )
        _done(user=user, ids=ids, message=message)
        if overridden:
            _done(user=user, ids=overridden, message=f"{message} Below the quality gate; override: {override_reason}")
    return decided


def publish_stories(*, queryset: QuerySet, user, override_reason: str = "") -> Decided:
    """Publish the stories of `queryset` now (approve_stories() without a schedule)."""
    return approve_stories(queryset=queryset, user=user, override_reason=override_reason)


def reject_stories(*, queryset: QuerySet, user, reason: str = "") -> int:
    """Turn the stories of `queryset` down: kept, never public. Returns how many changed."""
    reason = reason.strip()
    now = timezone.now()
    with transaction.atomic():
        ids = story_ids(queryset.exclude(status=Article.Status.REJECTED))
        write_decision(ids, user=user, now=now, values={"published": False, "status": Article.Status.REJECTED})
        _done(user=user, ids=ids, message=f"Rejected: {reason}" if reason else "Rejected.")
    return len(ids)


def unpublish_stories(*, queryset: QuerySet, user, reason: str = "") -> int:
    """Take the published (or scheduled) stories of `queryset` off the site. Returns how many changed."""
    reason = reason.strip()
    now = timezone.now()
    with transaction.atomic():
        ids = story_ids(queryset.filter(published=True))
        write_decision(ids, user=user, now=now, values={"published": False, "status": Article.Status.TAKEN_DOWN})
        _done(user=user, ids=ids, message=f"Taken down: {reason}" if reason else "Unpublished.")
    return len(ids)


def hold_stories(*, queryset: QuerySet, user, reason: str = "") -> int:
    """Keep waiting stories for later: they stay in the queue, behind the others. Returns how many changed."""
    reason = reason.strip()
    now = timezone.now()
    with transaction.atomic():
        ids = story_ids(queryset.waiting().filter(held_at__isnull=True))
        for batch in batches(ids):
            Article.objects.filter(pk__in=batch).update(held_at=now, version=F("version") + 1, updated_at=now)
        stories_changed(ids, text=False)
        _done(user=user, ids=ids, message=f"Held: {reason}" if reason else "Held.")
    return len(ids)


def write_decision(ids, *, user, now, values, by=Article.StatusBy.EDITOR):
    """An editor's decision written on these stories: the values, who decided and when.

    `by` says whose decision it is (an intake rule an editor applied is the
    rule's). The caller records the revisions (and checks the gate where it publishes).
    """
    watch = watch_publication(ids)
    for batch in batches(ids):
        Article.objects.filter(pk__in=batch).update(
            **values,
            status_by=by,
            status_changed_at=now,
            held_at=None,
            reviewed_at=now,
            reviewed_by=user,
            version=F("version") + 1,
            updated_at=now,
        )
    stories_changed(ids, text=False)
    watch.changed()


def check_gate(article: Article, *, override_reason: str = "") -> None:
    """Raise BelowGateError when publishing `article` needs an override it does not have."""
    domain = article.provider.domain if article.provider_id else None
    if not override_reason.strip() and not passes_gate(article.quality, domain):
        raise BelowGateError(
            f"Quality {article.quality} is below the publishing gate ({quality_bar(domain)}): "
            "give a reason to publish it anyway.",
            code="below_gate",
        )


def add_topic(*, queryset: QuerySet, user, topic: str | Topic) -> int:
    """Add `topic` (a Topic, or a name matched whatever its case, created when new) after each story's
    own topics. Returns how many stories gained it."""
    name = topic.name if isinstance(topic, Topic) else topic.strip()
    if not name:
        raise ValueError("a topic needs a name")
    now = timezone.now()
    with transaction.atomic():
        topic = ensure_topics([name])[name.lower()]
        ids = story_ids(queryset.exclude(tagged_topics__tag=topic))
        for batch in batches(ids):
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
        ids = story_ids(queryset.exclude(category=category))
        for batch in batches(ids):
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
        # The story's cards and page are kept under its updated_at, which every writer moves (articles.cards).
        Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
        stories_changed([article.pk])
    return True


def save_story(
    *, article: Article, expected_version: int, user, override_reason: str = "", correction_note: str = ""
) -> Article:
    """Save an edited story unless someone else saved it since `expected_version` was read.

    The UPDATE ... WHERE version = expected both checks and claims the row, so
    of two editors saving at once exactly one wins; the other gets
    StaleStoryError and nothing of theirs is written. Saving is not a review:
    only a change of `published` or of the schedule is a decision, and
    publishing passes the quality gate (BelowGateError without
    `override_reason`) whatever form or forged request asked for it. A
    `correction_note` marks the change as a correction readers are told of.
    """
    with transaction.atomic():
        before = Article.objects.filter(pk=article.pk).values(*DECISION_FIELDS).first()
        if before is None:
            raise StaleStoryError(f"story {article.pk} was deleted")
        watch = watch_publication([article.pk])
        publishing = article.published and not before["published"]
        if publishing:
            check_gate(article, override_reason=override_reason)
        claimed = Article.objects.filter(pk=article.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            raise StaleStoryError(f"story {article.pk} is no longer at version {expected_version}")
        article.version = expected_version + 1
        # Read once the row is ours: no other writer's change can come between this and the save.
        listed = Article.objects.filter(pk=article.pk).values(*LISTED_FIELDS)
        listed_before = listed.first()
        if any(getattr(article, name) != before[name] for name in DECISION_FIELDS):
            _decided_in_form(article, user=user, was_published=before["published"])
        if correction_note.strip():
            article.correction_note, article.corrected_at = correction_note.strip()[:300], timezone.now()
        article.save()
        # A new headline or excerpt moves no list of stories: the lists that show the story check its card.
        stories_changed([article.pk], listed=listed.first() != listed_before)
        watch.changed(corrected=[article.pk] if correction_note.strip() else ())
    return article


def _decided_in_form(article, *, user, was_published):
    now = timezone.now()
    if article.published and not was_published and article.unpublish_at and article.unpublish_at <= now:
        # Published again after its end: an end already passed would take it down at once
        # (the schedule's next run) while the list said "Live". approve_stories() clears it too.
        article.unpublish_at = None
    if article.published:
        scheduled = article.publish_at is not None and article.publish_at > now
        article.status = Article.Status.SCHEDULED if scheduled else Article.Status.LIVE
    elif was_published:
        article.status = Article.Status.TAKEN_DOWN
    else:
        return  # a schedule set on an unpublished story waits for its approval
    article.status_by, article.status_changed_at, article.held_at = Article.StatusBy.EDITOR, now, None
    article.reviewed_at, article.reviewed_by = now, user


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


def story_ids(queryset):
    return list(queryset.order_by().values_list("pk", flat=True).distinct())


def batches(ids):
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _done(*, user, ids, message):
    """An editor's bulk action: the admin history entry and each story's revision."""
    _log(user=user, ids=ids, message=message)
    record_revisions(ids, user=user, source=Revision.Source.ACTION, source_name=message)


def _log(*, user, ids, message, action_flag=CHANGE):
    if user is None or not ids:
        return
    for batch in batches(ids):
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=Article.objects.filter(pk__in=batch).only("pk", "title").order_by("pk"),
            action_flag=action_flag,
            change_message=message,
        )
