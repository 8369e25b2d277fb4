"""
The scheduler's write: stories whose publish_at or unpublish_at has passed get the state they are in.

The public queries already respect the times (ArticleQuerySet.published()),
so readers see a scheduled story on time whether or not this has run. This
makes the stored state agree (the admin, the dashboard, feeds' and sitemaps'
dates), records a revision and keeps derived state in step. Idempotent: a
second run at the same moment changes nothing. The periodic job calls it.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .editorial import batches
from .models import Article, Revision
from .revisions.snapshots import record_revisions
from .services import stories_changed, watch_publication


def apply_due_schedules(*, now=None) -> int:
    """Flip the scheduled stories whose publish_at passed to live, and take down those whose unpublish_at passed.

    Returns how many stories changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Expiry first: a story whose whole window passed ends taken down, not live.
        expired = _locked_ids(Article.objects.filter(published=True, unpublish_at__lte=now))
        _flip(expired, now=now, published=False, status=Article.Status.TAKEN_DOWN, message="Unpublished on schedule.")
        due = _locked_ids(Article.objects.filter(status=Article.Status.SCHEDULED, publish_at__lte=now))
        _flip(due, now=now, published=True, status=Article.Status.LIVE, message="Published on schedule.")
    return len(expired) + len(due)


def _locked_ids(stories):
    # Locked (on PostgreSQL), so that an editor's decision cannot slip in between; PostgreSQL
    # refuses FOR UPDATE with DISTINCT, and a filter on the story's own columns needs none.
    return list(stories.select_for_update().order_by("pk").values_list("pk", flat=True))


def _flip(ids, *, now, published, status, message):
    watch = watch_publication(ids)
    for batch in batches(ids):
        Article.objects.filter(pk__in=batch).update(
            published=published,
            status=status,
            status_by=Article.StatusBy.SCHEDULE,
            status_changed_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
    stories_changed(ids, text=False)
    watch.changed()
    record_revisions(ids, source=Revision.Source.SCHEDULE, source_name=message, message=message)
