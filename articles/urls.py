from django.urls import path

from . import feeds, views
from .views import public_page

app_name = "articles"

urlpatterns = [
    path("", public_page(views.ArticleListView.as_view()), name="index"),
    path("stories/<str:slug>/", public_page(views.ArticleDetailView.as_view()), name="detail"),
    path("topics/<str:slug>/", public_page(views.TopicArticleListView.as_view()), name="topic"),
    path("providers/<str:slug>/", public_page(views.ProviderArticleListView.as_view()), name="provider"),
    path("feeds/rss/", public_page(feeds.LatestStoriesFeed()), name="feed-rss"),
    path("feeds/atom/", public_page(feeds.LatestStoriesAtomFeed()), name="feed-atom"),
    path("topics/<str:slug>/rss/", public_page(feeds.TopicFeed()), name="topic-feed-rss"),
    path("topics/<str:slug>/atom/", public_page(feeds.TopicAtomFeed()), name="topic-feed-atom"),
    path("providers/<str:slug>/rss/", public_page(feeds.ProviderFeed()), name="provider-feed-rss"),
    path("providers/<str:slug>/atom/", public_page(feeds.ProviderAtomFeed()), name="provider-feed-atom"),
]
