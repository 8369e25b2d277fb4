from django.urls import path

from . import (
    converters,  # noqa: F401 (registers <segment:...>)
    feeds,
    views,
)
from .pagecache import public_page
from .ranking import ranking_moment
from .views_top import TopStoriesView

app_name = "articles"

urlpatterns = [
    path("", public_page(views.ArticleListView.as_view(), listed=views.follows_listings), name="index"),
    path("top/", public_page(TopStoriesView.as_view(), moment=ranking_moment), name="top"),
    path("topics/", public_page(views.TopicIndexView.as_view(), listed=views.follows_listings), name="topics"),
    path("providers/", public_page(views.ProviderIndexView.as_view(), listed=views.follows_listings), name="providers"),
    path(
        "stories/<segment:slug>/",
        public_page(views.ArticleDetailView.as_view(), own_content=views.story_page_content),
        name="detail",
    ),
    # Not a public page: each visit is logged, nothing is cached.
    path("preview/<segment:token>/", views.PreviewLinkView.as_view(), name="preview"),
    path(
        "topics/<segment:slug>/",
        public_page(views.TopicArticleListView.as_view(), listed=views.follows_listings),
        name="topic",
    ),
    path(
        "providers/<segment:slug>/",
        public_page(views.ProviderArticleListView.as_view(), listed=views.follows_listings),
        name="provider",
    ),
    path("feeds/rss/", public_page(feeds.LatestStoriesFeed()), name="feed-rss"),
    path("feeds/atom/", public_page(feeds.LatestStoriesAtomFeed()), name="feed-atom"),
    path("topics/<segment:slug>/rss/", public_page(feeds.TopicFeed()), name="topic-feed-rss"),
    path("topics/<segment:slug>/atom/", public_page(feeds.TopicAtomFeed()), name="topic-feed-atom"),
    path("providers/<segment:slug>/rss/", public_page(feeds.ProviderFeed()), name="provider-feed-rss"),
    path("providers/<segment:slug>/atom/", public_page(feeds.ProviderAtomFeed()), name="provider-feed-atom"),
]
