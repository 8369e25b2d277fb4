"""RSS 2.0 and Atom feeds of the latest published stories, per topic and per provider.

With WebSub hubs configured (PINGS["WEBSUB_HUBS"]) the unfiltered feeds name them
(rel="hub") and their own address on the public URL (rel="self"), the topic the
hubs are told of on every publish (articles.jobs.pings). A filtered feed is never
announced, so it names no hub: its readers keep polling it.
"""

import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.http import urlencode

from .filters import ArticleFilter
from .jobs.pings import public_url, websub_hubs
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


def listing_filters(request, *, exclude=()):
    """The listing filters of the feed's address, as the listing page reads them: {"data", "query", "choices"}.

    A filtered or searched listing links to the feed of the same address's
    query string, so the feed holds the stories that page lists (newest first).
    """
    choices = public_choices(request)
    filterset = ArticleFilter(request.GET, queryset=Article.objects.none(), choices=choices, exclude=exclude)
    return {
        "data": request.GET.copy(),
        "query": urlencode(filterset.active),
        "valid": filterset.is_valid(),
        "choices": choices,
        "exclude": exclude,
        "described": describe_filters(filterset),
    }


def describe_filters(filterset):
    """The filters in use in words, for a feed's title: 'search "vaccine", videos, top-rated'."""
    if not filterset.is_valid():
        return "filtered"
    data = filterset.form.cleaned_data
    words = []
    for name in filterset.active:
        value = data.get(name)
        if name == "q":
            words.append(f"search “{value}”")
        elif name == "top" and value:
            words.append("top-rated")
        elif name in ("since", "until"):
            words.append(f"{'from' if name == 'since' else 'until'} {value:%Y-%m-%d}")
        elif name in ("type", "topic", "provider", "category"):
            words.append(str(dict(filterset.form.fields[name].choices).get(value, value)).lower())
    return ", ".join(words)


def _with_query(url, filters):
    return f"{url}?{filters['query']}" if filters["query"] else url


class HubRssFeed(Rss201rev2Feed):
    """RSS 2.0 with WebSub's <atom:link rel="hub"> for each hub (the atom namespace is declared already)."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for hub in self.feed.get("hubs", ()):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": hub})


class HubAtomFeed(Atom1Feed):
    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for hub in self.feed.get("hubs", ()):
            handler.addQuickElement("link", None, {"rel": "hub", "href": hub})


class LatestStoriesFeed(Feed):
    feed_type = HubRssFeed
    description = SITE_DESCRIPTION
    description_template = None
    # Filters the address applies itself (the topic of a topic's feed).
    fixed_filters = ()

    def get_object(self, request, *args, **kwargs):
        return {"filters": listing_filters(request, exclude=self.fixed_filters)}

    def _titled(self, title, obj):
        described = obj["filters"]["described"]
        return f"{title} ({described})" if described else title

    def title(self, obj):
        return self._titled(f"{SITE_NAME}: latest stories", obj)

    def link(self, obj):
        return _with_query(reverse("articles:index"), obj["filters"])

    def feed_url(self, obj):
        return _with_query(reverse("articles:feed-rss"), obj["filters"])

    def stories(self, obj):
        return Article.objects.for_feeds()

    def hubs(self, obj):
        return [] if obj["filters"]["query"] else websub_hubs()

    def feed_extra_kwargs(self, obj):
        return {"hubs": self.hubs(obj)}

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        if feed.feed["hubs"]:
            # The topic URL subscribers give the hub must be the one we ping it with, whatever host they came by.
            feed.feed["feed_url"] = public_url(self._get_dynamic_attr("feed_url", obj))
        feed.feed = {key: xml_safe(value) for key, value in feed.feed.items()}
        feed.items = [{key: xml_safe(value) for key, value in item.items()} for item in feed.items]
        return feed

    def items(self, obj):
        filters = obj["filters"]
        if not filters["valid"]:
            return []
        filterset = ArticleFilter(
            filters["data"], queryset=self.stories(obj), choices=filters["choices"], exclude=filters["exclude"]
        )
        # Newest first, a search's results too: a feed reader shows what is new.
        return filterset.qs.order_by("-published_at", "-id")[:FEED_LENGTH]

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
    feed_type = HubAtomFeed
    subtitle = LatestStoriesFeed.description

    def feed_url(self, obj):
        return _with_query(reverse("articles:feed-atom"), obj["filters"])


class TopicFeed(LatestStoriesFeed):
    fixed_filters = ("topic",)

    def get_object(self, request, slug):
        topics = dict(public_choices(request)["topic"])
        if slug not in topics:
            raise Http404("No published stories on this topic")
        return {"slug": slug, "name": topics[slug], **super().get_object(request)}

    def title(self, topic):
        return self._titled(f"{SITE_NAME}: {topic['name']}", topic)

    def description(self, topic):
        return f"The latest curated stories about {topic['name']}."

    def link(self, topic):
        return _with_query(reverse("articles:topic", kwargs={"slug": topic["slug"]}), topic["filters"])

    def feed_url(self, topic):
        return _with_query(reverse("articles:topic-feed-rss", kwargs={"slug": topic["slug"]}), topic["filters"])

    def stories(self, topic):
        return Article.objects.for_feeds().for_topic(topic["slug"])


class TopicAtomFeed(TopicFeed):
    feed_type = HubAtomFeed

    def subtitle(self, topic):
        return self.description(topic)

    def feed_url(self, topic):
        return _with_query(reverse("articles:topic-feed-atom", kwargs={"slug": topic["slug"]}), topic["filters"])


class ProviderFeed(LatestStoriesFeed):
    fixed_filters = ("provider",)

    def get_object(self, request, slug):
        providers = dict(public_choices(request)["provider"])
        if slug not in providers:
            raise Http404("No published stories from this provider")
        return {"slug": slug, "name": providers[slug], **super().get_object(request)}

    def title(self, provider):
        return self._titled(f"{SITE_NAME}: {provider['name']}", provider)

    def description(self, provider):
        return f"The latest curated stories from {provider['name']}."

    def link(self, provider):
        return _with_query(reverse("articles:provider", kwargs={"slug": provider["slug"]}), provider["filters"])

    def feed_url(self, provider):
        return _with_query(
            reverse("articles:provider-feed-rss", kwargs={"slug": provider["slug"]}), provider["filters"]
        )

    def stories(self, provider):
        return Article.objects.for_feeds().for_provider(provider["slug"])


class ProviderAtomFeed(ProviderFeed):
    feed_type = HubAtomFeed

    def subtitle(self, provider):
        return self.description(provider)

    def feed_url(self, provider):
        return _with_query(
            reverse("articles:provider-feed-atom", kwargs={"slug": provider["slug"]}), provider["filters"]
        )
