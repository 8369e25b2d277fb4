"""RSS 2.0 and Atom feeds of the latest published stories, per topic and per provider."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .models import Article
from .templatetags.newsroom import as_text
from .views import SITE_DESCRIPTION, SITE_NAME, public_choices

FEED_LENGTH = 30


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
        return article.updated_at

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
    def get_object(self, request, domain):
        providers = dict(public_choices(request)["provider"])
        domain = domain.lower()
        if domain not in providers:
            raise Http404("No published stories from this provider")
        return {"domain": domain, "name": providers[domain]}

    def title(self, provider):
        return f"{SITE_NAME}: {provider['name']}"

    def description(self, provider):
        return f"The latest curated stories from {provider['name']}."

    def link(self, provider):
        return reverse("articles:provider", kwargs={"domain": provider["domain"]})

    def feed_url(self, provider):
        return reverse("articles:provider-feed-rss", kwargs={"domain": provider["domain"]})

    def stories(self, provider):
        return Article.objects.for_listing().for_provider(provider["domain"])


class ProviderAtomFeed(ProviderFeed):
    feed_type = Atom1Feed

    def subtitle(self, provider):
        return self.description(provider)

    def feed_url(self, provider):
        return reverse("articles:provider-feed-atom", kwargs={"domain": provider["domain"]})
