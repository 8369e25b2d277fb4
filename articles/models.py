from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import ItemBase, TagBase

from core.cached_reverse import cached_reverse
from core.fields import OrderedJSONField
from providers.models import Provider

from .canonical import canonical_url

# The pictures' models live beside their code; this module is still where the app's models are found.
from .images.models import Image, Rendition  # noqa: F401
from .outlets import outlet_name, shown_domain
from .quality import QualityBand, quality_band
from .querysets import ArticleQuerySet


class Topic(TagBase):
    """A topic (django-taggit tag); names are unique whatever their case."""

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="topic_name_unique_any_case")]

    def get_absolute_url(self):
        return cached_reverse("articles:topic", kwargs={"slug": self.slug})


class TaggedArticle(ItemBase):
    """A story's topic, in the order the fixture lists it."""

    tag = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tagged_articles")
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_topics")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "story topic"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_article_unique_topic"),
        ]
        indexes = [models.Index(fields=["tag", "content_object"], name="tagged_article_by_topic")]


# Kept by articles.images.counts (stories_changed), never by Article.save().
IMAGE_COUNT_FIELDS = ("image_count", "cached_image_count")

# Columns of Article.Meta.indexes.
TRIAGE_COLUMNS = ["status", "held_at", "quality", "published_at", "id"]
# Provider analytics: led by the provider, so that each provider's stories of a date range are
# one range of entries (the figures are grouped by provider without sorting 100,000 entries).
ANALYTICS_COLUMNS = [
    "provider",
    "published_at",
    "published",
    "quality",
    "heat",
    "source_checked_at",
    "source_broken_at",
    "image_count",
    "cached_image_count",
]


class Article(models.Model):
    """One story, as imported from a fixture file and curated by editors."""

    class Type(models.TextChoices):
        ARTICLE = "article"
        VIDEO = "video"
        DOWNLOAD = "download"

    class Status(models.TextChoices):
        """Where the story stands (articles.editorial moves it; published says whether it may be public)."""

        WAITING = "waiting", "Waiting"  # imported, not decided yet
        LIVE = "live", "Live"
        SCHEDULED = "scheduled", "Scheduled"  # approved, public from publish_at
        REJECTED = "rejected", "Rejected"  # kept, never public
        TAKEN_DOWN = "taken_down", "Taken down"  # was live

    class StatusBy(models.TextChoices):
        EDITOR = "editor", "an editor"
        IMPORT = "import", "an import"
        SCHEDULE = "schedule", "its schedule"
        RULE = "rule", "an intake rule"

    # Story
    title = models.CharField(max_length=500)
    # In the headline's own script when ASCII would lose its letters (stories.references.readable_slug).
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=True)
    category = models.CharField(max_length=100, blank=True, default="news")
    excerpt = models.TextField(blank=True)
    published_at = models.DateTimeField("published", null=True, blank=True)
    type = models.CharField(max_length=50, blank=True, default=Type.ARTICLE)

    # Links. The natural key is web_url, or original_url when there is none;
    # url_key keeps it in one indexed, unique column.
    original_url = models.URLField("original URL", max_length=2000, blank=True)
    web_url = models.URLField("web URL", max_length=2000, blank=True)
    amp_url = models.URLField("AMP URL", max_length=2000, blank=True)
    cdn_amp_url = models.URLField("AMP cache URL", max_length=2000, blank=True)
    url_key = models.CharField(max_length=2000, unique=True, editable=False)
    # The identifying URL in the form stories are compared in (articles.canonical).
    canonical_url = models.CharField("canonical URL", max_length=2000, blank=True, editable=False, db_index=True)

    # Editorial
    quality = models.IntegerField(default=0, help_text="Upstream quality score; 0 or more, no upper bound.")
    heat = models.IntegerField(default=-1, help_text="Trending score; -1 means not computed.")
    published = models.BooleanField(default=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="articles", null=True, blank=True)
    topics = TaggableManager(through=TaggedArticle, blank=True)
    featured_content = models.TextField(
        blank=True, help_text="Upstream embed markup, kept verbatim for export and never rendered as-is."
    )
    # Public exactly while `published` and between these (ArticleQuerySet.published()).
    publish_at = models.DateTimeField("publish at", null=True, blank=True)
    unpublish_at = models.DateTimeField("unpublish at", null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING, editable=False)
    status_by = models.CharField(max_length=20, choices=StatusBy.choices, default=StatusBy.IMPORT, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Held by an editor: still waiting, at the back of the queue.
    held_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The latest correction of a live story's title or excerpt, shown to readers as "Updated <date>: <note>".
    correction_note = models.CharField(max_length=300, blank=True, editable=False)
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The editor's decision (approve, reject, take down); never implied by saving.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Source: what the last import read, so that an export writes the file again.
    secured = models.TextField(blank=True, help_text="Opaque upstream token; never shown publicly.")
    source_name = models.CharField("file name", max_length=255, blank=True)
    source_id = models.CharField("fixture identifier", max_length=255, blank=True, db_index=True)
    body = models.TextField(blank=True, help_text="Text after the front matter.")
    extra = OrderedJSONField(default=dict, blank=True, help_text="Keys this version does not know, kept for export.")
    layout = OrderedJSONField(default=dict, blank=True, help_text="Key order and line endings of the source file.")
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # Filled on PostgreSQL only (articles.search).
    search_vector = SearchVectorField(null=True, editable=False)
    imported_quality = models.IntegerField(null=True, blank=True, editable=False)
    imported_published = models.BooleanField(null=True, blank=True, editable=False)

    # Coverage cluster (articles.clusters): the id of its first story, kept by stories_changed().
    cluster = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    # An editor's split: stories join a cluster only with stories of the same split (None with None).
    cluster_split = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The story's images, and those with a local copy, for provider analytics: kept by
    # stories_changed() (articles.images.counts), since counting them per story at read time
    # is a probe of the images' index per story (140 ms at 100,000 stories).
    image_count = models.PositiveIntegerField(default=0, editable=False)
    cached_image_count = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Source-link health (articles.jobs.links): when original_url was last checked, the
    # failures in a row since it last answered, and since when it counts as broken (two in a row).
    source_checked_at = models.DateTimeField("source checked", null=True, blank=True, editable=False)
    source_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    source_broken_at = models.DateTimeField("source broken since", null=True, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "story"
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        permissions = [
            ("publish_article", "Can publish and unpublish stories"),
            ("import_stories", "Can import story fixture files"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quality__gte=0), name="article_quality_not_negative"),
            models.CheckConstraint(condition=~Q(url_key=""), name="article_has_identifying_url"),
        ]
        indexes = [
            # The listings' order, and the schedule's columns, which every reader query tests
            # (published()): a deep page's OFFSET and the count then read the index alone.
            models.Index(
                fields=["-published_at", "-id", "publish_at", "unpublish_at"],
                condition=Q(published=True),
                name="article_published_listing",
            ),
            models.Index(fields=["provider", "-published_at"], name="article_by_provider"),
            # Held stories, at the back of triage's queue.
            models.Index(fields=["status", "held_at"], condition=Q(held_at__isnull=False), name="article_held"),
            # The review queue's date hierarchy: MIN/MAX(published_at) of waiting stories.
            models.Index(fields=["published_at"], condition=Q(status="waiting"), name="article_review_queue_dates"),
            # The state filter, the dashboard's counts by state ("below the gate" read from the index
            # alone) and the review queue in its order, best first (read backwards).
            models.Index(fields=["status", "quality", "published_at", "id"], name="article_by_status"),
            # "Imported today": stories by when they came in.
            models.Index(fields=["created_at"], name="article_by_arrival"),
            # The state filter in the list's order, newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="article_by_status_date"),
            # Triage's queue, not held, best first (status and held_at lead: SQLite prefers it).
            models.Index(fields=TRIAGE_COLUMNS, condition=Q(status="waiting"), name="article_triage_queue"),
            # The scheduler (articles.schedule) and "scheduled for today" (status leads, as above).
            models.Index(fields=["status", "publish_at"], condition=Q(status="scheduled"), name="article_scheduled"),
            # The home's "taken down by an import".
            models.Index(fields=["status", "status_by"], condition=Q(status="taken_down"), name="article_taken_down"),
            models.Index(
                fields=["unpublish_at"],
                condition=Q(published=True, unpublish_at__isnull=False),
                name="article_expiring",
            ),
            # The admin list, newest first, and its category filter.
            models.Index(fields=["-published_at", "-id"], name="article_by_date"),
            models.Index(fields=["category", "-published_at", "-id"], name="article_by_category"),
            # Provider analytics' figures over a date range, from this index alone (rows are ~6 KB).
            models.Index(fields=ANALYTICS_COLUMNS, name="article_provider_figures"),
            # Article.objects.freshness(), once a second in each process: the schedule's times ride
            # along, so it is read from the index alone. SQLite (3.40) counts an index as covering
            # only if it holds every column the query names, `published` of its WHERE included:
            # without it, the planner read each row from the table, three times the time.
            models.Index(
                fields=["published", "updated_at", "publish_at", "unpublish_at"],
                condition=Q(published=True),
                name="article_published_freshness",
            ),
            # The admin's broken-sources filter and count: few stories, so a small index.
            models.Index(
                fields=["source_broken_at"], condition=Q(source_broken_at__isnull=False), name="article_source_broken"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self._state.adding and self.published and self.status == self.Status.WAITING:
            # A story made public from the start (the tests', a shell's) is live, not waiting.
            self.status = self.Status.LIVE
        self.url_key = self.identifying_url
        self.canonical_url = canonical_url(self.read_url)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"web_url", "original_url"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "url_key", "canonical_url"}
        elif (
            update_fields is None
            and not args
            and not self._state.adding
            and self.pk is not None
            and not kwargs.get("force_insert")
            and kwargs.get("using", self._state.db) == self._state.db
        ):
            # The image counts are written by stories_changed() alone: a story loaded before
            # its images changed (an editor's form while a copy was stored) would write its
            # old counts back.
            # Deferred fields are left out too, as Django's own save() does. A story deleted
            # meanwhile is not written back: the UPDATE finds no row and Django says so.
            skipped = {*IMAGE_COUNT_FIELDS, *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in skipped and field.attname not in skipped
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return cached_reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def identifying_url(self):
        return self.web_url or self.original_url

    @property
    def is_public(self):
        """Whether a reader may see the story now: ArticleQuerySet.published() for one story."""
        return self.is_public_at(timezone.now())

    def is_public_at(self, when):
        return (
            self.published
            and (self.publish_at is None or self.publish_at <= when)
            and (self.unpublish_at is None or self.unpublish_at > when)
        )

    @property
    def public_updated_at(self):
        """When readers were last told the story changed: its correction, else its last edit."""
        return self.corrected_at or self.updated_at

    @property
    def file_published(self):
        """The `published` of the story's file: the upstream's recommendation while no one has decided.

        A waiting story exports (and is merged) as its file said, so the gate
        and the queue never rewrite a file; once decided, the decision is the value.
        """
        if self.status == self.Status.WAITING and self.imported_published is not None:
            return self.imported_published
        return self.published

    @property
    def read_url(self):
        """The reading link: the outlet's own page (originalUrl); webUrl is often an aggregator's copy."""
        return self.original_url or self.web_url

    @property
    def read_outlet(self):
        """Who the reading link goes to: the provider on its own domain, else that domain."""
        return outlet_name(self.read_url, self.provider)

    @property
    def other_copies(self):
        """Where else the story can be read, as [(label, url)]: the web copy when it is not the reading link, AMP."""
        copies = []
        if self.web_url and self.web_url != self.read_url:
            copies.append((shown_domain(self.web_url), self.web_url))
        if self.amp_url:
            copies.append(("AMP version", self.amp_url))
        return copies

    @property
    def topic_list(self):
        """Topics in fixture order; uses the prefetch of for_listing()/for_detail()."""
        return [tagged.tag for tagged in self.tagged_topics.all()]

    @property
    def quality_band(self) -> QualityBand:
        """The band of the story's quality score: the admin's badge and filter (articles.quality)."""
        return quality_band(self.quality)

    @property
    def lead_image(self):
        images = self.images.all()
        return images[0] if images else None


class RelatedLink(models.Model):
    """Another outlet's coverage of the same story."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=500)
    excerpt = models.TextField(blank=True)
    published_at = models.DateTimeField("published", null=True, blank=True)
    web_url = models.URLField("web URL", max_length=2000, blank=True)
    amp_url = models.URLField("AMP URL", max_length=2000, blank=True)
    cdn_amp_url = models.URLField("AMP cache URL", max_length=2000, blank=True)
    canonical_url = models.CharField("canonical URL", max_length=2000, blank=True, editable=False, db_index=True)
    type = models.CharField(max_length=50, blank=True, default="article")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    quality = models.IntegerField(null=True, blank=True)
    extra = OrderedJSONField(default=dict, blank=True)
    layout = OrderedJSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "related coverage"
        verbose_name_plural = "related coverage"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="related_link_unique_position"),
            models.CheckConstraint(condition=Q(quality__gte=0), name="related_link_quality_not_negative"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.canonical_url = canonical_url(self.web_url)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "web_url" in update_fields:
            kwargs["update_fields"] = {*update_fields, "canonical_url"}
        super().save(*args, **kwargs)

    @property
    def outlet(self):
        """Who a reader reaches through the link, as the story's reading link names it (outlets.outlet_name).

        Other feeds put an aggregator's page in webUrl: the item's provider is
        named only when the link is on its domain.
        """
        if not self.web_url:
            return self.provider.name if self.provider else ""
        return outlet_name(self.web_url, self.provider)


# Models of their own modules (clusters, intake rules, jobs, the count of changes, webhooks, preview links,
# ranking, revisions), registered with the app's.
from .clusters_models import TitleBand  # noqa: E402, F401
from .intake_models import IntakeRule  # noqa: E402, F401
from .jobs.models import PeriodicJob, UploadJob  # noqa: E402, F401
from .pagecache_models import ContentChanges  # noqa: E402, F401
from .pings_models import WebhookDelivery, WebhookSubscription  # noqa: E402, F401
from .previews_models import PreviewLink, PreviewVisit  # noqa: E402, F401
from .ranking_models import RankOverride  # noqa: E402, F401
from .revisions.models import Deletion, Revision  # noqa: E402, F401

# SQLite's full-text index (articles.search_index), registered with the app's other models.
from .search_index import SearchEntry  # noqa: E402, F401
