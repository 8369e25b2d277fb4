"""Top stories on the reader site (/top/): the front page's listing, in rank order (articles.ranking)."""

from django.db.models import Case, IntegerField, When
from django.urls import reverse

from .models import Article
from .pagecache import CountCachingPaginator
from .ranking import ranked
from .seo import SITE_NAME, feed_links
from .views import ArticleListView


class TopStoriesView(ArticleListView):
    """The ranked stories, with the readers' filters; the order is the rank, not the date."""

    def get_queryset(self):
        order = [item.article_id for item in ranked()]
        if not order:
            return Article.objects.none()
        rank = Case(*(When(pk=pk, then=place) for place, pk in enumerate(order)), output_field=IntegerField())
        return Article.objects.for_cards().filter(pk__in=order).order_by(rank)

    def get_paginator(self, queryset, per_page, **kwargs):
        # At most RANKING["SIZE"] stories, which heat, clusters, pins and time move as well as
        # what lists select by: counted each time, never kept under the listing version.
        return CountCachingPaginator(queryset, per_page, count_key=None, **kwargs)

    def heading(self):
        return "Top stories"

    def feeds(self):
        return feed_links(f"{SITE_NAME}: latest stories", reverse("articles:feed-rss"), reverse("articles:feed-atom"))
