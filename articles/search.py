"""
Full-text search on PostgreSQL: a stored, weighted search vector per story.

The vector covers the title (weight A), the excerpt (B), the provider's name
and the topics (C). It lives in Article.search_vector behind a GIN index
(migration 0004, PostgreSQL only) and is refreshed by
articles.services.stories_changed(), which every writer calls. On SQLite the column stays empty and
ArticleQuerySet.search() falls back to a LIKE search.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

CONFIG = "english"


def uses_full_text(using):
    return connections[using].vendor == "postgresql"


def refresh_search_vectors(article_ids, *, using="default"):
    """Recompute the search vector of these stories in one UPDATE (PostgreSQL only)."""
    if not article_ids or not uses_full_text(using):
        return
    from providers.models import Provider

    from .models import Article, TaggedArticle

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
            SearchVector("title", weight="A", config=CONFIG)
            + SearchVector("excerpt", weight="B", config=CONFIG)
            + SearchVector(Coalesce(Subquery(provider), Value(""), output_field=TextField()), weight="C", config=CONFIG)
            + SearchVector(Coalesce(Subquery(topics), Value(""), output_field=TextField()), weight="C", config=CONFIG)
        )
    )


def full_text_search(queryset, q):
    """Stories matching `q` (web search syntax: words, "phrases", -exclusions), best first."""
    query = SearchQuery(q, search_type="websearch", config=CONFIG)
    return (
        queryset.filter(search_vector=query)
        .annotate(search_rank=SearchRank(F("search_vector"), query))
        .order_by("-search_rank", "-published_at", "-id")
    )
