"""RSS 2.0 and Atom feeds of the latest published stories, per topic and per provider."""

import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .models import Article
from .pagecache import public_choices
from .seo import SITE_DESCRIPTION, SITE_NAME
from .templatetags.newsroom import as_text

FEED_LENGTH = 30
# Characters XML 1.0 cannot carry. Imports refuse them, but one stored before
# that (or typed in the admin) must not make the feed fail for every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, (list, tuple)):
        return [xml_safe(item) for item in value]
    return value


class LatestStoriesFeed(Feed):
    title = f"{SITE_NAME}: latest stories"
    description = SITE_DESCRIPTION
    description_template = None

    def link(self):
        return reverse("articles:index")

    def feed_url(self):
        return reverse("articles:feed-rss")

    def stories(self, obj):
        return Article.objects.for_listing()

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed = {key: xml_safe(value) for key, value in feed.feed.items()}
        feed.items = [{key: xml_safe(value) for key, value in item.items()} for item in feed.items]
        return feed

    def items(self, obj):
        return self.stories(obj)[:FEED_LENGTH]

    def item_title(self, article):
        # Titles are plain text in both formats; the generator escapes them for XML.
        return as_text(article.title)

    def item_description(self, article):
        # Readers take a description as HTML: escape the text so that it stays text.
        return escape(as_text(article.excerpt))

    def item_link(self, article):
        return article.get_absolute_url()

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.public_updated_at

    def item_author_name(self, article):
        return article.provider.name if article.provider else None

    def item_categories(self, article):
        return [topic.name for topic in article.topic_list]


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    subtitle = LatestStoriesFeed.description

    def feed_url(self):
        return reverse("articles:feed-atom")


class TopicFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        topics = dict(public_choices(request)["topic"])
        if slug not in topics:
            raise Http404("No published stories on this topic")
        return {"slug": slug, "name": topics[slug]}

    def title(self, topic):
        return f"{SITE_NAME}: {topic['name']}"

    def description(self, topic):
        return f"The latest curated stories about {topic['name']}."

    def link(self, topic):
        return reverse("articles:topic", kwargs={"slug": topic["slug"]})

    def feed_url(self, topic):
        return reverse("articles:topic-feed-rss", kwargs={"slug": topic["slug"]})

    def stories(self, topic):
        return Article.objects.for_listing().for_topic(topic["slug"])


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed

    def subtitle(self, topic):
        return self.description(topic)

    def feed_url(self, topic):
        return reverse("articles:topic-feed-atom", kwargs={"slug": topic["slug"]})


class ProviderFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        providers = dict(public_choices(request)["provider"])
        if slug not in providers:
            raise Http404("No published stories from this provider")
        return {"slug": slug, "name": providers[slug]}

    def title(self, provider):
        return f"{SITE_NAME}: {provider['name']}"

    def description(self, provider):
        return f"The latest curated stories from {provider['name']}."

    def link(self, provider):
        return reverse("articles:provider", kwargs={"slug": provider["slug"]})

    def feed_url(self, provider):
        return reverse("articles:provider-feed-rss", kwargs={"slug": provider["slug"]})

    def stories(self, provider):
        return Article.objects.for_listing().for_provider(provider["slug"])


class ProviderAtomFeed(ProviderFeed):
    feed_type = Atom1Feed

    def subtitle(self, provider):
        return self.description(provider)

    def feed_url(self, provider):
        return reverse("articles:provider-feed-atom", kwargs={"slug": provider["slug"]})
