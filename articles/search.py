"""
Full-text search on PostgreSQL: a stored, weighted search vector per story.

The vector covers the title (weight A), the excerpt (B), the provider's name
and the topics (C). It lives in Article.search_vector behind a GIN index
(migration 0004, PostgreSQL only) and is refreshed by
articles.services.stories_changed(), which every writer calls. The query side
is ArticleQuerySet.search(); on SQLite the column stays empty and search()
falls back to a LIKE search.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from providers.models import Provider

from .models import Article, TaggedArticle
from .querysets import SEARCH_CONFIG, uses_full_text


def refresh_search_vectors(article_ids, *, using="default"):
    """Recompute the search vector of these stories in one UPDATE (PostgreSQL only)."""
    if not article_ids or not uses_full_text(using):
        return
    topics = (
        TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(names=StringAgg("tag__name", " "))
        .values("names")
    )
    provider = Provider.objects.filter(pk=OuterRef("provider_id")).values("name")
    Article.objects.using(using).filter(pk__in=list(article_ids)).update(
        search_vector=(
            _weighted("title", "A")
            + _weighted("excerpt", "B")
            + _weighted(Coalesce(Subquery(provider), Value(""), output_field=TextField()), "C")
            + _weighted(Coalesce(Subquery(topics), Value(""), output_field=TextField()), "C")
        )
    )


def _weighted(expression, weight):
    return SearchVector(expression, weight=weight, config=SEARCH_CONFIG)
