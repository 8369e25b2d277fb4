"""The public reader site: story listings and story pages.

Every view here is wrapped in articles.pagecache.public_page() (articles.urls):
readers share cached pages, staff see unpublished stories as previews.
"""

from django.core.cache import cache
from django.db import router
from django.http import Http404, HttpResponsePermanentRedirect
from django.template import engines
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from markupsafe import Markup

from core.cached_reverse import cached_reverse
from providers.models import Provider

from .cards import story_cards
from .embeds import story_video_id, youtube_embed_url
from .filters import ArticleFilter
from .models import Article
from .pagecache import (
    CACHE_SECONDS,
    CountCachingPaginator,
    cache_key,
    is_staff_reader,
    listing_cache_key,
    public_choices,
    public_options,
)
from .previews import link_from_token, log_visit
from .seo import SITE_DESCRIPTION, SITE_NAME, absolute_url, feed_links, news_article_data
from .story_page import story_by_slug, story_coverage, story_page_versions, story_parts
from .templatetags.newsroom import as_text, truncated_chars

DESCRIPTION_LENGTH = 160
# The most-covered topics, in the header of every page.
NAV_TOPICS = 8
FILTER_FORM_TEMPLATE = "includes/_filter_form.html"
# ?view=compact: one line per story, for readers who scan headlines.
COMPACT = "compact"


# Filters whose results follow more than what moves lists: a search, the stories' text; one story
# per event, their clusters. A list with one of them is keyed by every change (pagecache.cache_key).
FOLLOW_EVERY_CHANGE = ("q", "grouped")


def follows_listings(request):
    """Whether this list's page changes only with what moves lists and with its cards (public_page's `listed`)."""
    return not any(value.strip() for name in FOLLOW_EVERY_CHANGE for value in request.GET.getlist(name))


# The header's topics of the choices they were ranked from: sorting every topic is once per change.
_nav_topics = {}


def navigation(request):
    """What the header of every reader page shows: the most-covered topics, from the cached choices."""
    choices = public_choices(request)
    remembered = _nav_topics.get("top")
    if remembered is None or remembered[0] is not choices:
        counts = choices["stories"]["topic"]
        top = sorted(choices["topic"], key=lambda topic: (-counts.get(topic[0], 0), topic[1].casefold()))
        links = [(cached_reverse("articles:topic", kwargs={"slug": slug}), name) for slug, name in top[:NAV_TOPICS]]
        remembered = _nav_topics["top"] = (choices, links)
    return {"nav_topics": [{"url": url, "name": name, "current": request.path == url} for url, name in remembered[1]]}


def latest_feeds():
    """The feeds of the latest stories, as a page links to them."""
    return feed_links(
        f"{SITE_NAME}: latest stories", cached_reverse("articles:feed-rss"), cached_reverse("articles:feed-atom")
    )


class ReaderPageMixin:
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **navigation(self.request)}


class ArticleListView(ReaderPageMixin, FilterView):
    """Published stories, newest first, filtered by the query string."""

    filterset_class = ArticleFilter
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 20
    # Filters a page applies itself (the topic on a topic page) and does not offer.
    fixed_filters = ()

    def get_queryset(self):
        return Article.objects.listed()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(
            choices=public_choices(self.request), options=public_options(self.request), exclude=self.fixed_filters
        )
        return kwargs

    def get_paginator(self, queryset, per_page, **kwargs):
        key = None
        if not queryset.query.is_empty():
            make_key = listing_cache_key if follows_listings(self.request) else cache_key
            key = make_key(self.request, "count", self.request.path, self.filter_query())
        return CountCachingPaginator(queryset, per_page, count_key=key, **kwargs)

    def filter_query(self):
        """The filters in use as a query string, without empty fields or the page."""
        return urlencode(self.filterset.active)

    @property
    def compact(self):
        return self.request.GET.get("view") == COMPACT

    def canonical_path(self):
        return self.request.path

    def heading(self):
        return "Latest stories"

    def description(self):
        return SITE_DESCRIPTION

    def feeds(self):
        return latest_feeds()

    def filter_form(self):
        """The filter form's markup, rendered once per content freshness, page and query.

        Its options (hundreds of outlets) and fields are the same for every
        reader of this page with these filters; errors follow from the same
        two. About a sixth of a listing's CPU when rendered every time.
        """
        # The key from the filters, not the form: an unfiltered page (page 1, a topic's) then
        # never builds one, which costs a deep copy of every field.
        filters = self.filterset.filters
        data = [(name, self.request.GET.getlist(name)) for name in filters] if self.filterset.is_bound else None
        # The form shows the query and the choices, which the listing version follows.
        key = listing_cache_key(self.request, "filter-form", self.request.path, data, self.fixed_filters)
        markup = cache.get(key)
        if markup is None:
            form = self.filterset.form
            context = {
                "form": form,
                "filters_open": bool(form.errors or set(self.filterset.active) - {"q"}),
                "clear_url": self.request.path,
            }
            markup = engines["jinja2"].get_template(FILTER_FORM_TEMPLATE).render(context, self.request)
            cache.set(key, markup, CACHE_SECONDS)
        return Markup(markup)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        query = self.filter_query()
        canonical = {**self.filterset.active}
        if page is not None and page.number > 1:
            canonical["page"] = page.number
        heading = self.heading()
        title = f"{heading} (filtered)" if query else heading
        if page is not None and page.number > 1:
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
            # A form exists only for a filtered page (it validated the filters).
            filter_errors=self.filterset.is_bound and bool(self.filterset.form.errors),
            filter_form=self.filter_form(),
            # The subscribe links follow this very list: its filters, its search.
            feeds=[{**feed, "url": _address(feed["url"], query)} for feed in self.feeds()],
            clear_url=self.request.path,
            compact=self.compact,
            # The page's stories as cards, most of them from the cache (articles.cards).
            cards=story_cards(self.request, page.object_list, compact=self.compact) if page is not None else [],
            # The pages of this list keep its view; the filters alone make another list.
            page_query=_joined(query, f"view={COMPACT}" if self.compact else ""),
            view_urls={
                "cards": _address(self.request.path, query),
                "compact": _address(self.request.path, _joined(query, f"view={COMPACT}")),
            },
        )
        return context


def _joined(*queries):
    return "&".join(query for query in queries if query)


def _address(path, query):
    return f"{path}?{query}" if query else path


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
        return Article.objects.listed().for_topic(self.topic_slug)

    def heading(self):
        return f"Topic: {self.topic_name}"

    def description(self):
        return f"The latest curated stories about {self.topic_name}."

    def feeds(self):
        slug = {"slug": self.topic_slug}
        return feed_links(
            f"{SITE_NAME}: {self.topic_name}",
            cached_reverse("articles:topic-feed-rss", kwargs=slug),
            cached_reverse("articles:topic-feed-atom", kwargs=slug),
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
        return Article.objects.listed().for_provider(self.slug)

    def canonical_path(self):
        return cached_reverse("articles:provider", kwargs={"slug": self.slug})

    def heading(self):
        return f"Stories from {self.provider_name}"

    def description(self):
        return f"The latest curated stories from {self.provider_name}."

    def feeds(self):
        slug = {"slug": self.slug}
        return feed_links(
            f"{SITE_NAME}: {self.provider_name}",
            cached_reverse("articles:provider-feed-rss", kwargs=slug),
            cached_reverse("articles:provider-feed-atom", kwargs=slug),
        )


class TopicIndexView(ReaderPageMixin, TemplateView):
    """Every topic with published stories, and how many."""

    template_name = "articles/directory.html"

    def get_context_data(self, **kwargs):
        choices = public_choices(self.request)
        counts = choices["stories"]["topic"]
        return super().get_context_data(
            page_title="Topics",
            heading="Topics",
            meta_description="Every topic our editors follow, with its latest stories.",
            canonical_url=absolute_url(self.request, self.request.path),
            entries=[
                {
                    "name": name,
                    "url": cached_reverse("articles:topic", kwargs={"slug": slug}),
                    "stories": counts.get(slug, 0),
                }
                for slug, name in choices["topic"]
            ],
            **kwargs,
        )


class ProviderIndexView(ReaderPageMixin, TemplateView):
    """Every outlet with published stories, and how many."""

    template_name = "articles/directory.html"

    def get_context_data(self, **kwargs):
        choices = public_choices(self.request)
        counts = choices["stories"]["provider"]
        return super().get_context_data(
            page_title="Providers",
            heading="Providers",
            meta_description="Every outlet whose stories our editors picked.",
            canonical_url=absolute_url(self.request, self.request.path),
            entries=[
                {
                    "name": name,
                    "url": cached_reverse("articles:provider", kwargs={"slug": slug}),
                    "stories": counts.get(slug, 0),
                }
                for slug, name in choices["provider"]
            ],
            **kwargs,
        )


class ArticleDetailView(ReaderPageMixin, DetailView):
    """One story; staff also see unpublished ones, marked as a preview."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"
    slug_url_kwarg = "slug"

    def get_object(self, queryset=None):
        """The story at this address: for readers only while it is public (Article.is_public, as published())."""
        article = story_by_slug(self.kwargs[self.slug_url_kwarg], using=router.db_for_read(Article))
        if article is None or not (article.is_public or is_staff_reader(self.request)):
            raise Http404("No story at this address.")
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        url = absolute_url(self.request, article.get_absolute_url())
        video_id = story_video_id(article.featured_content, article.original_url, article.web_url)
        images, topics, related_links = story_parts(article, using=article._state.db)
        # Only our own copies are shown: an image not cached yet is left out, not a box waiting for it.
        pictured = [image for image in images if image.picture()]
        context.update(
            preview=not article.is_public,
            page_title=as_text(article.title),
            meta_description=truncated_chars(as_text(article.excerpt), DESCRIPTION_LENGTH),
            canonical_url=url,
            noindex=not article.is_public,
            images=images,
            lead_image=images[0] if images else None,
            shown_lead=pictured[0] if pictured and not video_id else None,
            gallery=pictured if video_id else pictured[1:],
            topics=topics,
            related_links=related_links,
            video_url=youtube_embed_url(video_id) if video_id else "",
            json_ld_data=news_article_data(article, url, images),
            coverage=story_coverage(article, related_links, using=article._state.db),
            feeds=latest_feeds(),
        )
        return context


def story_page_content(request, slug):
    """The story page's stamp for articles.pagecache: its stories' versions and the header's topics.

    The story page shows the story, its provider, topics, images and related
    coverage, and its cluster's live stories with their providers: all of it
    in story_page_versions() (topics' names: the generation
    token, in the key). The header's topics come from every story's counts,
    so they are in the stamp as shown. None when the story is not public.
    """
    versions = story_page_versions(slug, using=router.db_for_read(Article))
    if not versions:
        return None
    return repr((versions, navigation(request)["nav_topics"]))


# Story fields a pending revision's preview shows from the revision; images and related coverage stay the story's.
REVISION_PREVIEW_FIELDS = ("title", "excerpt", "category", "type")


class PreviewLinkView(ArticleDetailView):
    """A story's page (or a pending revision's) through a signed preview link, for someone without an account.

    Never cached, never indexed, and every visit logged (articles.previews).
    """

    def get_object(self, queryset=None):
        self.link = link_from_token(self.kwargs["token"])
        if self.link is None:
            raise Http404("This preview link does not work (any more).")
        article = Article.objects.for_story_page().get(pk=self.link.article_id)
        if self.link.revision is not None:
            content = self.link.revision.content
            for name in REVISION_PREVIEW_FIELDS:
                setattr(article, name, content.get(name, getattr(article, name)))
        log_visit(self.link, self.request)
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(preview=True, noindex=True, canonical_url="")
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response
