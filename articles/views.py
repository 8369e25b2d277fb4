"""The public reader site: story listings, story pages, robots.txt.

Every public page is the same for every reader, so it goes through
public_page(): answered with 304 when the reader has it already, and cached
under a key that changes with the content (Article.objects.freshness()).
Staff see unpublished stories as previews; their pages are never cached.
"""

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_cache_control
from django.utils.functional import cached_property
from django.utils.http import http_date, urlencode
from django.utils.text import Truncator
from django.views.generic import DetailView
from django_filters.views import FilterView

from providers.models import Provider

from .caching import remembered_freshness
from .embeds import youtube_embed_url, youtube_video_id
from .filters import ArticleFilter, filter_choices
from .models import Article
from .templatetags.newsroom import as_text, http_url

SITE_NAME = "Newsroom"
SITE_DESCRIPTION = "Curated news from many outlets, picked and checked by our editors."
# Old entries need no deleting: a change of content changes every key.
CACHE_SECONDS = 60 * 10
DESCRIPTION_LENGTH = 160
# Set per response, by the middleware, or by public_page() itself.
UNCACHED_HEADERS = {"set-cookie", "vary", "etag", "last-modified", "cache-control", "expires"}


def is_staff_reader(request):
    """Staff who may see unpublished stories (and whose pages are never cached)."""
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_staff and user.has_perm("articles.view_article"))


@dataclass(frozen=True)
class Freshness:
    updated: datetime | None
    published: int
    generation: str = ""

    @cached_property
    def version(self):
        stamp = f"{self.updated.isoformat() if self.updated else '-'}|{self.published}|{self.generation}"
        return hashlib.sha256(stamp.encode()).hexdigest()[:24]

    @property
    def last_modified(self):
        return int(self.updated.timestamp()) if self.updated else None


def freshness(request):
    """The content's Freshness, read once per request."""
    if not hasattr(request, "_newsroom_freshness"):
        stamp, generation = remembered_freshness(Article.objects.freshness)
        request._newsroom_freshness = Freshness(**stamp, generation=generation)
    return request._newsroom_freshness


def cache_key(request, kind, *parts):
    digest = hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"newsroom:{kind}:{freshness(request).version}:{digest}"


def public_choices(request):
    """filter_choices(), cached until the content changes."""
    return cache.get_or_set(cache_key(request, "choices"), filter_choices, CACHE_SECONDS)


def public_page(view):
    """Conditional GET and a shared cache for a page every reader sees alike.

    The ETag and the cache key come from freshness(): a publish, an edit, a
    deletion, a provider's or a topic's rename shows at once. Staff bypass both: they may
    see previews, which no cache may keep.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or is_staff_reader(request):
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response
        fresh = freshness(request)
        # Pages hold absolute URLs (canonical, og:url, JSON-LD, the sitemap):
        # one cached per host and scheme, never another site's.
        path = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        etag = '"{}"'.format(hashlib.sha256(f"{fresh.version}|{path}".encode()).hexdigest()[:32])
        response = get_conditional_response(request, etag=etag, last_modified=fresh.last_modified)
        if response is None:
            key = cache_key(request, "page", request.method == "HEAD", path)
            cached = cache.get(key) if settings.NEWSROOM_PAGE_CACHE else None
            if cached is not None:
                response = HttpResponse(cached["content"])
                for header, value in cached["headers"]:
                    response.headers[header] = value
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                if response.status_code == 200 and not response.streaming and settings.NEWSROOM_PAGE_CACHE:
                    headers = [(h, v) for h, v in response.headers.items() if h.lower() not in UNCACHED_HEADERS]
                    cache.set(key, {"content": response.content, "headers": headers}, CACHE_SECONDS)
        if response.status_code in (200, 304):
            response.headers["ETag"] = etag
            if fresh.last_modified is not None:
                response.headers["Last-Modified"] = http_date(fresh.last_modified)
            # Browsers may keep a copy but must ask first: a 304 is cheap.
            patch_cache_control(response, public=True, no_cache=True)
        return response

    return wrapped


class CountCachingPaginator(Paginator):
    """A Paginator that remembers its count until the content changes.

    Page 2, 3... of a listing then cost no COUNT over the table.
    """

    def __init__(self, *args, count_key=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    # From this offset on, a page first picks its ids, then loads those rows.
    DEFERRED_JOIN_OFFSET = 200

    @cached_property
    def count(self):
        if self.count_key is None:
            return super().count
        return cache.get_or_set(self.count_key, lambda: Paginator.count.func(self), CACHE_SECONDS)

    def page(self, number):
        """A page; deep pages skip their offset on the index alone (a "deferred join").

        OFFSET makes the database build and throw away every row before the
        page, with its subqueries; picking the ids first walks the listing's
        index only, so page 2,000 costs about what page 1 does.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.DEFERRED_JOIN_OFFSET or not hasattr(self.object_list, "values_list"):
            return super().page(number)
        top = min(bottom + self.per_page, self.count) if self.count else bottom + self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


def absolute_url(request, path):
    return request.build_absolute_uri(path)


def feed_links(title, rss_url, atom_url):
    return [
        {"title": f"{title} (RSS)", "url": rss_url, "type": "application/rss+xml"},
        {"title": f"{title} (Atom)", "url": atom_url, "type": "application/atom+xml"},
    ]


class ArticleListView(FilterView):
    """Published stories, newest first, filtered by the query string."""

    filterset_class = ArticleFilter
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 20
    # Filters a page applies itself (the topic on a topic page) and does not offer.
    fixed_filters = ()

    def get_queryset(self):
        return Article.objects.for_listing()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(choices=public_choices(self.request), exclude=self.fixed_filters)
        return kwargs

    def get_paginator(self, queryset, per_page, **kwargs):
        key = None
        if not queryset.query.is_empty():
            key = cache_key(self.request, "count", self.request.path, self.filter_query())
        return CountCachingPaginator(queryset, per_page, count_key=key, **kwargs)

    def filter_query(self):
        """The filters in use as a query string, without empty fields or the page."""
        return urlencode(self.filterset.active)

    def canonical_path(self):
        return self.request.path

    def heading(self):
        return "Latest stories"

    def description(self):
        return SITE_DESCRIPTION

    def feeds(self):
        return feed_links(f"{SITE_NAME}: latest stories", reverse("articles:feed-rss"), reverse("articles:feed-atom"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        query = self.filter_query()
        canonical = {**self.filterset.active}
        if page and page.number > 1:
            canonical["page"] = page.number
        heading = self.heading()
        title = f"{heading} (filtered)" if query else heading
        if page and page.number > 1:
            title = f"{title} (page {page.number})"
        context.update(
            heading=heading,
            page_title=title,
            meta_description=self.description(),
            canonical_url=absolute_url(
                self.request, self.canonical_path() + (f"?{urlencode(canonical)}" if canonical else "")
            ),
            # Filtered results are endless variations of the same stories: keep them out of indexes.
            noindex=bool(query),
            filter_query=query,
            filters_open=bool(self.filterset.form.errors or set(self.filterset.active) - {"q"}),
            feeds=self.feeds(),
            clear_url=self.request.path,
        )
        return context


class TopicArticleListView(ArticleListView):
    fixed_filters = ("topic",)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        topics = dict(public_choices(request)["topic"])
        if kwargs["slug"] not in topics:
            raise Http404("No published stories on this topic")
        self.topic_slug = kwargs["slug"]
        self.topic_name = topics[self.topic_slug]

    def get_queryset(self):
        return Article.objects.for_listing().for_topic(self.topic_slug)

    def heading(self):
        return f"Topic: {self.topic_name}"

    def description(self):
        return f"The latest curated stories about {self.topic_name}."

    def feeds(self):
        slug = {"slug": self.topic_slug}
        return feed_links(
            f"{SITE_NAME}: {self.topic_name}",
            reverse("articles:topic-feed-rss", kwargs=slug),
            reverse("articles:topic-feed-atom", kwargs=slug),
        )


class ProviderArticleListView(ArticleListView):
    fixed_filters = ("provider",)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        providers = dict(public_choices(request)["provider"])
        self.slug = kwargs["slug"]
        self.provider_name = providers.get(self.slug)

    def get(self, request, *args, **kwargs):
        if self.provider_name is None:
            outlet = self.outlet_of_old_address(request)
            if outlet is None:
                raise Http404("No published stories from this provider")
            return HttpResponsePermanentRedirect(outlet.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def outlet_of_old_address(self, request):
        """Provider pages used to be addressed by domain (/providers/theverge.com/): its first outlet."""
        if "." not in self.slug:
            return None
        public = dict(public_choices(request)["provider"])
        outlets = Provider.objects.filter(domain=self.slug.lower()).order_by("pk")
        return next((outlet for outlet in outlets if outlet.slug in public), None)

    def get_queryset(self):
        return Article.objects.for_listing().for_provider(self.slug)

    def canonical_path(self):
        return reverse("articles:provider", kwargs={"slug": self.slug})

    def heading(self):
        return f"Stories from {self.provider_name}"

    def description(self):
        return f"The latest curated stories from {self.provider_name}."

    def feeds(self):
        slug = {"slug": self.slug}
        return feed_links(
            f"{SITE_NAME}: {self.provider_name}",
            reverse("articles:provider-feed-rss", kwargs=slug),
            reverse("articles:provider-feed-atom", kwargs=slug),
        )


def news_article_data(article, url):
    """schema.org NewsArticle for a story page, as plain data for json_ld."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": Truncator(as_text(article.title)).chars(110),
        "url": url,
        "mainEntityOfPage": url,
        "dateModified": article.updated_at.isoformat(),
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    if article.excerpt:
        data["description"] = Truncator(as_text(article.excerpt)).chars(300)
    images = [image.url for image in article.images.all() if http_url(image.url)]
    if images:
        data["image"] = images
    if article.provider:
        publisher = {"@type": "Organization", "name": article.provider.name}
        logo = article.provider.logo
        if logo and http_url(logo.get("url")):
            publisher["logo"] = {"@type": "ImageObject", "url": logo["url"]}
        data["publisher"] = publisher
    if http_url(article.read_url):
        data["isBasedOn"] = article.read_url
    return data


class ArticleDetailView(DetailView):
    """One story; staff also see unpublished ones, marked as a preview."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"
    slug_url_kwarg = "slug"

    def get_queryset(self):
        if is_staff_reader(self.request):
            return Article.objects.for_detail()
        return Article.objects.published().for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        url = absolute_url(self.request, article.get_absolute_url())
        video_id = youtube_video_id(article.featured_content, article.original_url)
        context.update(
            preview=not article.is_public,
            page_title=as_text(article.title),
            meta_description=Truncator(as_text(article.excerpt)).chars(DESCRIPTION_LENGTH),
            canonical_url=url,
            noindex=not article.is_public,
            images=article.images.all(),
            lead_image=article.lead_image,
            topics=article.topic_list,
            related_links=article.related_links.all(),
            video_url=youtube_embed_url(video_id) if video_id else "",
            json_ld=news_article_data(article, url),
            feeds=feed_links(
                f"{SITE_NAME}: latest stories", reverse("articles:feed-rss"), reverse("articles:feed-atom")
            ),
        )
        return context


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
