"""SQLite's full-text index of the stories (FTS5), as the ORM sees it: the table, MATCH, bm25() and highlight().

The table is created by migration 0009_reader_search_fts on SQLite only and
written by articles.search; ArticleQuerySet.search() reads it through
Article.search_entry. Nothing here runs on PostgreSQL, which has its own
search vector.
"""

from django.db import models
from django.db.models import Expression, Lookup


class FullTextField(models.TextField):
    """A column of the FTS5 table; `entry__title__match=...` matches the whole row."""


@FullTextField.register_lookup
class Match(Lookup):
    """`<fts table> MATCH <query>`: the left side names the table, so every column is searched."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        rhs, params = self.process_rhs(compiler, connection)
        return f"{_hidden_column(compiler, self.lhs)} MATCH {rhs}", params


def _hidden_column(compiler, column):
    """The FTS5 table's hidden column named after the table, qualified by the table's alias.

    A bare table name (`articles_searchentry MATCH ...`) would not do inside a
    subquery, where Django calls the table U1 or V1: SQLite knows no column V1.
    """
    table = compiler.quote_name_unless_alias(column.target.model._meta.db_table)
    return f"{compiler.quote_name_unless_alias(column.alias)}.{table}"


class _TableFunction(Expression):
    """An FTS5 auxiliary function of the table a column belongs to."""

    template = ""
    output_field = models.FloatField()

    def __init__(self, column, output_field=None):
        super().__init__(output_field=output_field)
        self.column = column

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        return self.template.format(table=_hidden_column(compiler, self.column)), []


class Bm25(_TableFunction):
    """How well the row matches, higher is better, with PostgreSQL's weights (title 1, excerpt 0.4, names 0.2)."""

    # bm25() is lower-is-better: negated to read as search_rank does on PostgreSQL.
    template = "(-bm25({table}, 10.0, 4.0, 2.0))"


class HighlightedExcerpt(_TableFunction):
    template = "highlight({table}, 1, char(57344), char(57345))"
    output_field = models.TextField()


class SearchEntry(models.Model):
    """One story's row in the FTS5 table, under the story's id (its rowid)."""

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        related_name="search_entry",
    )
    title = FullTextField()
    excerpt = FullTextField()
    names = FullTextField()

    class Meta:
        managed = False
        db_table = "articles_article_fts"

    def __str__(self):
        return self.title
