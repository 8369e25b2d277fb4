"""How many times the public content changed: the part of the pages' freshness that follows commits."""

from django.db import connections, models
from django.utils import timezone


class ContentChanges(models.Model):
    """One row: a count that every writer of public content adds one to, inside its transaction.

    The content's freshness (ArticleQuerySet.freshness) also follows the
    latest updated_at, but a story's updated_at is taken before its
    transaction commits: an import stamped before an editor's save that
    committed first leaves the latest updated_at where the save put it, and a
    page built between the two commits stayed keyed as fresh. Every writer
    adds to this one row, so the database orders the counts as it orders the
    commits: any commit moves the freshness.

    `listed` counts only the changes that may move a story into, out of or
    within a list of stories, or change a list's counts and choices: every
    change but those a writer showed to touch only what a story's card and
    page show (its text, its images: articles.editorial.save_story). The
    listings are keyed by it (Freshness.listing_version) and check their
    cards on each visit, so an edited headline does not start every list
    afresh.
    """

    count = models.BigIntegerField(default=0)
    listed = models.BigIntegerField(default=0)
    # When the last change was made: pages' Last-Modified, which a story taken down, rejected
    # or deleted must move although no public story's updated_at does.
    changed_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "articles"

    def __str__(self):
        return f"{self.count} changes"


def count_content_change(using="default", *, listed=True):
    """One more change, in the caller's transaction (articles.services, for every writer).

    `listed` False: the change cannot move any list of stories (ContentChanges.listed).
    The row is written by the first change (a new or a flushed database has none).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    table, count, lists = quote(ContentChanges._meta.db_table), quote("count"), quote("listed")
    changed_at = quote("changed_at")
    step = 1 if listed else 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, {count}, {lists}, {changed_at}) VALUES (1, 1, %s, %s) "
            f"ON CONFLICT (id) DO UPDATE SET {count} = {table}.{count} + 1, {lists} = {table}.{lists} + %s,"
            f" {changed_at} = %s",
            [step, now, step, now],
        )
