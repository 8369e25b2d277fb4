"""The story page's rows: the story with its provider, its images, topics and related coverage.

Four prepared queries (articles.prepared), each written by the ORM once per
process: the same queries built and compiled per request were half of the
page's time (py-spy on a gunicorn worker under wrk). They give model
instances as the ORM would, with the columns the page shows.
"""

from django.db.models import Max, Q, Subquery
from django.utils import timezone

from providers.models import Provider

from .clusters import COVERAGE_LISTED
from .images.models import Image
from .models import Article, RelatedLink, Topic
from .prepared import PreparedQuery, instance, instance_from_row, shown_fields
from .querysets import PAGE_UNSHOWN_FIELDS

# What the page never shows (the editors' and the import's bookkeeping, the file's layout): each column read is a
# conversion on every visit (a dozen of them dates), 4% of the page's CPU in all.
STORY_UNSHOWN = (
    *("status", "status_by", "status_changed_at", "held_at", "reviewed_at", "reviewed_by", "version"),
    *("source_name", "source_id", "content_hash", "imported_quality", "imported_published", "imported_at"),
    *("url_key", "quality", "heat", "cluster_split", "image_count", "cached_image_count", "created_at"),
    *("source_checked_at", "source_failures"),
)
IMAGE_UNSHOWN = (
    *("extra", "layout", "related_link", "is_cached", "stored_format", "stored_bytes", "cached_at", "attempts"),
    *("fetch_error", "fetch_failed_at"),
)
STORY_FIELDS = shown_fields(Article, leaving_out=(*PAGE_UNSHOWN_FIELDS, *STORY_UNSHOWN))
LINK_FIELDS = shown_fields(RelatedLink, leaving_out=("extra", "layout"))
IMAGE_FIELDS = shown_fields(Image, leaving_out=IMAGE_UNSHOWN)
PROVIDER_FIELDS = shown_fields(Provider)
# A row's provider, after the row's own columns: the story's whole (its logo is the JSON-LD's
# publisher's); of its related coverage and its cluster's stories, what the page names them by.
WITH_PROVIDER = tuple(f"provider__{name}" for name in PROVIDER_FIELDS)
WITH_PROVIDER_NAME = tuple(f"provider__{name}" for name in ("id", "name", "slug", "domain"))
TAGGED = Article._meta.get_field("tagged_topics").related_model
# What Article.is_public_at() reads: the prepared queries bind no time, so the schedule is tested in Python.
SCHEDULE = ("published", "publish_at", "unpublish_at")

STORY = PreparedQuery(lambda slug: Article.objects.filter(slug=slug).values_list(*STORY_FIELDS, *WITH_PROVIDER))
IMAGES = PreparedQuery(
    lambda story: Image.objects.filter(article=story).order_by("position").values_list(*IMAGE_FIELDS)
)
TOPICS = PreparedQuery(
    lambda story: (
        TAGGED.objects.filter(content_object=story)
        .order_by("position", "id")
        .values_list("tag__id", "tag__name", "tag__slug")
    )
)
LINKS = PreparedQuery(
    lambda story: (
        RelatedLink.objects.filter(article=story).order_by("position").values_list(*LINK_FIELDS, *WITH_PROVIDER_NAME)
    )
)


VERSIONS = PreparedQuery(
    lambda slug: (
        Article.objects.filter(
            Q(slug=slug) | Q(cluster=Subquery(Article.objects.filter(slug=slug).values("cluster")[:1]))
        )
        .order_by("pk")
        .values_list("pk", "slug", "updated_at", "provider__updated_at", *SCHEDULE)
        .annotate(linked=Max("related_links__provider__updated_at"))
    )
)


# The cluster's stories as the coverage list shows them, and the schedule that says which are live.
COVERAGE_FIELDS = ("id", "slug", "title", "published_at", "provider_id", *SCHEDULE)
CLUSTER = PreparedQuery(
    lambda cluster: (
        Article.objects.filter(cluster=cluster)
        .order_by("-published_at", "-id")
        .values_list(*COVERAGE_FIELDS, *WITH_PROVIDER_NAME)
    )
)
LINK_OUTLETS = PreparedQuery(
    lambda stories: RelatedLink.objects.filter(article__in=stories).order_by().values_list("provider_id").distinct()
)


def story_coverage(article, related_links, *, using="default"):
    """The story page's "Coverage from N outlets": {"outlets": N, "stories": [the cluster's other live stories]}.

    Outlets are counted once each, over the story, its related coverage, the
    cluster's live stories and theirs. Two queries for a story in a cluster,
    none for a story alone; `related_links` are the story's own.
    """
    if article.cluster is None:
        return {"outlets": 0, "stories": []}
    now = timezone.now()
    # A cluster is a few stories (a refresh follows at most NEWSROOM_CLUSTERS["MAX_STORIES"]).
    rows = CLUSTER.rows(article.cluster, using=using)
    stories = [_with_provider(Article, COVERAGE_FIELDS, row, using, WITH_PROVIDER_NAME) for row in rows]
    stories = [story for story in stories if story.pk != article.pk and story.is_public_at(now)]
    outlets = {article.provider_id, *(link.provider_id for link in related_links), *(s.provider_id for s in stories)}
    if stories:
        outlets |= {provider_id for (provider_id,) in LINK_OUTLETS.rows([s.pk for s in stories], using=using)}
    outlets.discard(None)
    return {"outlets": len(outlets), "stories": stories[:COVERAGE_LISTED]}


def story_page_versions(slug, *, using="default"):
    """What the story page of `slug` shows, as versions: [(pk, slug, updated_at, provider's, related providers')].

    One row for the story and one for each live story of its cluster (its
    coverage), none when the story is not public: every edit of those
    stories, of their providers and of the providers of their related
    coverage moves one of these stamps. For articles.pagecache's per-page
    keys, asked for on every visit to a story page the cache holds.
    """
    now = timezone.now()
    versions = [
        (pk, row_slug, updated_at, provider_updated_at, linked)
        for pk, row_slug, updated_at, provider_updated_at, *schedule, linked in VERSIONS.rows(slug, using=using)
        if instance(Article, dict(zip(SCHEDULE, schedule, strict=True))).is_public_at(now)
    ]
    return versions if any(row[1] == slug for row in versions) else []


def story_by_slug(slug, *, using="default"):
    """The story at this address, published or not (the caller decides who may see it), or None."""
    rows = STORY.rows(slug, using=using)
    return _with_provider(Article, STORY_FIELDS, rows[0], using) if rows else None


def story_parts(article, *, using="default"):
    """The story page's (images, topics, related coverage), each in the file's order: one query each."""
    images = [
        instance(Image, dict(zip(IMAGE_FIELDS, row, strict=True)), using=using)
        for row in IMAGES.rows(article.pk, using=using)
    ]
    topics = [
        instance(Topic, dict(zip(("id", "name", "slug"), row, strict=True)), using=using)
        for row in TOPICS.rows(article.pk, using=using)
    ]
    links = [
        _with_provider(RelatedLink, LINK_FIELDS, row, using, WITH_PROVIDER_NAME)
        for row in LINKS.rows(article.pk, using=using)
    ]
    return images, topics, links


def _with_provider(model, fields, row, using, provider_fields=WITH_PROVIDER):
    """An instance of `model` from a row of its `fields` and then its provider's (`provider_fields`)."""
    return instance_from_row(model, (*fields, *provider_fields), row, using=using)
