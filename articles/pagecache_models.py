"""How many times the public content changed: the part of the pages' freshness that follows commits."""

from django.db import connections, models


class ContentChanges(models.Model):
    """One row: a count that every writer of public content adds one to, inside its transaction.

    The content's freshness (ArticleQuerySet.freshness) also follows the
    latest updated_at, but a story's updated_at is taken before its
    transaction commits: an import stamped before an editor's save that
    committed first leaves the latest updated_at where the save put it, and a
    page built between the two commits stayed keyed as fresh. Every writer
    adds to this one row, so the database orders the counts as it orders the
    commits: any commit moves the freshness.
    """

    count = models.BigIntegerField(default=0)

    class Meta:
        app_label = "articles"

    def __str__(self):
        return f"{self.count} changes"


def count_content_change(using="default"):
    """One more change, in the caller's transaction (articles.services, for every writer).

    The row is written by the first change (a new or a flushed database has none).
    """
    connection = connections[using]
    table = connection.ops.quote_name(ContentChanges._meta.db_table)
    count = connection.ops.quote_name("count")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, {count}) VALUES (1, 1) "
            f"ON CONFLICT (id) DO UPDATE SET {count} = {table}.{count} + 1"
        )
