"""
Full-text search, on PostgreSQL and on SQLite alike: same argument, same result shape.

Both index a story's title, excerpt, provider name and topics, and both are
kept in step by refresh_search_vectors(), which articles.services.stories_changed()
calls for every writer (the admin, the import, jobs):

- PostgreSQL: a stored, weighted tsvector in Article.search_vector behind a
  GIN index (migration 0004); the title weighs most (A), then the excerpt (B),
  then the provider and the topics (C).
- SQLite: an FTS5 table, articles_article_fts, one row per story under the
  story's id (migration 0009_reader_search_fts, SQLite only; model
  SearchEntry), with the same weights in its bm25() ranking.

The query side is ArticleQuerySet.search(): the reader's words, "phrases"
and -exclusions, best match first, each story annotated with `search_rank`
(higher is better) and `search_excerpt`, the excerpt with the matching words
between HIGHLIGHT_START and HIGHLIGHT_STOP (the `highlighted` template
filter turns them into <mark>, escaping everything else).
"""

import json

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db import connections
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from providers.models import Provider

from .models import Article, TaggedArticle
from .querysets import HIGHLIGHT_START, HIGHLIGHT_STOP, SEARCH_CONFIG, uses_fts5, uses_full_text

FTS_TABLE = "articles_article_fts"
# Stories indexed per statement on SQLite.
FTS_BATCH = 500


def refresh_search_vectors(article_ids, *, using="default"):
    """Re-index these stories (created, changed or deleted) for search(), on either database."""
    article_ids = list(article_ids)
    if not article_ids:
        return
    if uses_full_text(using):
        _refresh_postgresql(article_ids, using)
    elif uses_fts5(using):
        for start in range(0, len(article_ids), FTS_BATCH):
            _refresh_fts5(article_ids[start : start + FTS_BATCH], using)


def _refresh_postgresql(article_ids, using):
    topics = (
        TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(names=StringAgg("tag__name", " "))
        .values("names")
    )
    provider = Provider.objects.filter(pk=OuterRef("provider_id")).values("name")
    Article.objects.using(using).filter(pk__any_of=article_ids).update(
        search_vector=(
            _weighted("title", "A")
            + _weighted("excerpt", "B")
            + _weighted(Coalesce(Subquery(provider), Value(""), output_field=TextField()), "C")
            + _weighted(Coalesce(Subquery(topics), Value(""), output_field=TextField()), "C")
        )
    )


def _weighted(expression, weight):
    return SearchVector(expression, weight=weight, config=SEARCH_CONFIG)


def _clean(column):
    # The highlight markers cannot come from a story: only search() puts them in.
    return f"replace(replace({column}, char({ord(HIGHLIGHT_START)}), ''), char({ord(HIGHLIGHT_STOP)}), '')"


# One statement for any number of stories: the title, the excerpt, and the
# provider's name followed by the topics' in the story's order.
_TOPIC_NAMES = """(
    SELECT group_concat(name, ' ') FROM (
        SELECT t.name AS name FROM articles_taggedarticle ta JOIN articles_topic t ON t.id = ta.tag_id
        WHERE ta.content_object_id = a.id ORDER BY ta.position, ta.id
    )
)"""
_NAMES = f"trim(coalesce(p.name, '') || ' ' || coalesce({_TOPIC_NAMES}, ''))"
_FTS_FILL = f"""
INSERT INTO {FTS_TABLE} (rowid, title, excerpt, names)
SELECT a.id, {_clean("a.title")}, {_clean("a.excerpt")}, {_clean(_NAMES)}
FROM articles_article a LEFT JOIN providers_provider p ON p.id = a.provider_id
WHERE a.id IN (SELECT value FROM json_each(%s))
"""


def _refresh_fts5(article_ids, using):
    # The ids as one JSON parameter, as core.lookups does: the same two statements for any number of stories.
    ids = json.dumps(article_ids)
    with connections[using].cursor() as cursor:
        # A deleted story has no row left to index: its entry just goes.
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT value FROM json_each(%s))", [ids])
        cursor.execute(_FTS_FILL, [ids])


def rebuild_search_index(*, using="default"):
    """Index every story again (after a restore, or to repair the index): refresh_search_vectors() for all."""
    ids = list(Article.objects.using(using).order_by("pk").values_list("pk", flat=True))
    if uses_fts5(using):
        with connections[using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    refresh_search_vectors(ids, using=using)
    return len(ids)
