"""
Editors' decisions on coverage: merging a duplicate into another story, and splitting a wrong cluster.

Both are editorial writes like those of articles.editorial: they bump the
stories' version, keep derived state in step (services.stories_changed) and
record a revision of every story they change. Permissions are the caller's.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from .editorial import write_decision
from .models import Article, RelatedLink, Revision
from .revisions.snapshots import record_revisions
from .services import stories_changed


class MergeError(ValueError):
    """A merge that cannot be made; the message says why."""


def merge_story(*, duplicate: Article, into: Article, user) -> RelatedLink:
    """Make `duplicate` a related item of `into` and take it off the site.

    The duplicate stays stored, rejected: a re-import of its file finds it and
    keeps the editor's decision, instead of bringing the story back.
    """
    if duplicate.pk == into.pk:
        raise MergeError("A story cannot be merged into itself.")
    with transaction.atomic():
        # In id order, as the import and the editors' saves lock them: two lockers never wait on each other both ways.
        locked = Article.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
        rows = {row.pk: row for row in locked}
        if len(rows) != 2:
            raise MergeError("One of the stories no longer exists.")
        duplicate, into = rows[duplicate.pk], rows[into.pk]
        url = duplicate.read_url
        if into.related_links.filter(canonical_url=duplicate.canonical_url).exists():
            raise MergeError(f"“{into.title}” already lists {url} as related coverage.")
        last = into.related_links.aggregate(last=Max("position"))["last"]
        link = RelatedLink.objects.create(
            article=into,
            position=0 if last is None else last + 1,
            title=duplicate.title,
            excerpt=duplicate.excerpt,
            published_at=duplicate.published_at,
            web_url=url,
            type=duplicate.type,
            provider=duplicate.provider,
            quality=duplicate.quality,
        )
        now = timezone.now()
        Article.objects.filter(pk=into.pk).update(version=F("version") + 1, updated_at=now)
        # Turned down as an editor's decision: a re-import of its file keeps it off the site.
        write_decision(
            [duplicate.pk], user=user, now=now, values={"published": False, "status": Article.Status.REJECTED}
        )
        stories_changed([into.pk, duplicate.pk])
        record_revisions(
            [into.pk],
            user=user,
            source=Revision.Source.ACTION,
            source_name=f"Merged story {duplicate.pk}",
            message=f"Merged the duplicate story {duplicate.pk} “{duplicate.title}”: its URL is now related coverage.",
        )
        record_revisions(
            [duplicate.pk],
            user=user,
            source=Revision.Source.ACTION,
            source_name=f"Merged into story {into.pk}",
            message=f"Merged into story {into.pk} “{into.title}” as related coverage, and unpublished.",
        )
        _log(user, [into.pk, duplicate.pk], f"Merged story {duplicate.pk} into story {into.pk}.")
    return link


def split_stories(*, queryset, user) -> int:
    """Take the stories of `queryset` out of their clusters, together: they cluster only among themselves now.

    Returns how many stories were split off.
    """
    with transaction.atomic():
        ids = list(queryset.order_by().values_list("pk", flat=True).distinct())
        if not ids:
            return 0
        split = (Article.objects.aggregate(last=Max("cluster_split"))["last"] or 0) + 1
        Article.objects.filter(pk__in=ids).update(
            cluster_split=split, version=F("version") + 1, updated_at=timezone.now()
        )
        stories_changed(ids)
        message = f"Split off its cluster (split {split})."
        record_revisions(ids, user=user, source=Revision.Source.ACTION, source_name=message, message=message)
        _log(user, ids, message)
    return len(ids)


def _log(user, ids, message):
    if user is None:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=Article.objects.filter(pk__in=ids).only("pk", "title").order_by("pk"),
        action_flag=CHANGE,
        change_message=message,
    )
