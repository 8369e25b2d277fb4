"""
The stories' reads: every public read is a named method of ArticleQuerySet
(Article.objects), and search() is the query side of articles.search.

models.py imports this module, so the models a read needs besides Article
are found through Article's relations.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections, models
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject, Replace
from django.utils import timezone

from providers.models import Provider

from .dates import FastDatesMixin
from .gate import below_gate_query
from .search_index import Bm25, HighlightedExcerpt

# PostgreSQL's text search configuration of Article.search_vector (articles.search).
SEARCH_CONFIG = "english"
# Around the matching words in `search_excerpt`: private-use characters, which
# the index never holds (articles.search strips them), so only a match makes them.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\ue000", "\ue001"
# A term of the reader's query: -"a phrase", "a phrase", -word or word.
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_WORD = re.compile(r"\w+")
# Anything longer is cut: nobody types more, and each term costs the index a lookup.
SEARCH_MAX_CHARS = 500
# What a card shows (templates/jinja2/articles/_card.html) and keys it by (articles.cards).
CARD_FIELDS = (
    *("title", "slug", "excerpt", "published_at", "type", "updated_at", "provider"),
    *("provider__name", "provider__slug", "provider__updated_at"),
)
# Columns of a story no reader page shows: the file's body and the export's bookkeeping.
PAGE_UNSHOWN_FIELDS = ("body", "extra", "layout", "secured", "search_vector")
# What lists of stories (listed() and the readers' filters but the search and the one story per event)
# select, order and count by, their topics aside: a change to none of them moves no list.
LISTED_FIELDS = ("published", "publish_at", "unpublish_at", "published_at", "provider", "category", "type", "quality")


def uses_full_text(using):
    """Whether search() uses PostgreSQL's full-text search (the search vector) on this database."""
    return connections[using].vendor == "postgresql"


def uses_fts5(using):
    """Whether search() uses SQLite's FTS5 index (articles.search_index) on this database."""
    return connections[using].vendor == "sqlite"


def search_terms(q, max_terms):
    """The reader's query as ([terms to find], [terms to exclude]); a term is one word or a phrase.

    Only the words count (letters and digits, in any script): quotes make a
    phrase and a leading "-" an exclusion, and nothing else of the input
    reaches the database's query syntax, whatever it holds (operators,
    brackets, unbalanced quotes, NUL).
    """
    found, excluded = [], []
    for minus_phrase, phrase, minus_word, word in _TERM.findall(str(q)[:SEARCH_MAX_CHARS]):
        term = " ".join(_WORD.findall(phrase or word)).replace("_", " ").strip()
        if term and len(found) + len(excluded) < max_terms:
            (excluded if (minus_phrase or minus_word) else found).append(term)
    return found, excluded


class ArticleQuerySet(models.QuerySet):
    # Longer searches are cut: each term costs an index lookup (two LIKE scans without one).
    search_max_words = 8

    def _related(self, relation):
        """The rows at the other end of `relation`, found through it: models.py imports this module."""
        return self.model._meta.get_field(relation).related_model.objects.all()

    def published(self, *, now=None):
        """Stories a reader may see now (or at `now`): published, and between publish_at and unpublish_at.

        The times are part of the query, so a scheduled story appears, and an
        expired one goes, on time whether or not the scheduler has run.
        """
        return self.filter(published=True).filter(self.public_window(now or timezone.now()))

    @staticmethod
    def public_window(now):
        """A Q of the stories whose schedule lets them be public at `now`."""
        return (Q(publish_at__isnull=True) | Q(publish_at__lte=now)) & (
            Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now)
        )

    def with_topics(self):
        return self.prefetch_related(self.topics_prefetch())

    def topics_prefetch(self):
        """with_topics()'s Prefetch, for stories loaded without it (prefetch_related_objects())."""
        return Prefetch(
            "tagged_topics", queryset=self._related("tagged_topics").select_related("tag").order_by("position", "id")
        )

    def with_card_image(self):
        """Annotate `card_image`: the lead image as {url, width, height}, or None.

        A card shows one picture; fetching it in the story's own row keeps a
        listing to one query for the stories, where a prefetch would load every
        image of every story in a second one.
        """
        lead = self._related("images").filter(article=OuterRef("pk")).order_by("position", "id")
        return self.annotate(
            card_image=Subquery(
                lead.values(
                    data=JSONObject(url="url", width="width", height="height", file="file", pictures="picture_files")
                )[:1],
                output_field=models.JSONField(),
            )
        )

    def for_listing(self):
        """Published stories, newest first, with what a story card shows.

        The lead image is in `card_image` (see with_card_image()); other images
        are not loaded: for_detail() has them.
        """
        return (
            self.published().select_related("provider").with_topics().with_card_image().order_by("-published_at", "-id")
        )

    def for_feeds(self):
        """for_listing() less the lead image, which a feed's item does not show (a subquery per item)."""
        return self.published().select_related("provider").with_topics().order_by("-published_at", "-id")

    def listed(self):
        """Published stories, newest first: a reader's listing, before articles.cards reads their cards."""
        return self.published().order_by("-published_at", "-id")

    def for_cards(self):
        """for_listing() for the reader site's cards (articles.cards): only the columns a card shows.

        The text after the front matter (~10 KB a story) and the export's
        bookkeeping are most of a row, and each column selected costs the
        query's compilation; a card reads a dozen.
        """
        return self.for_listing().only(*CARD_FIELDS)

    def for_topic(self, slug):
        """Stories filed under the topic with this slug."""
        return self.filter(tagged_topics__tag__slug=slug)

    def for_provider(self, slug):
        """Stories credited to the outlet with this slug."""
        return self.filter(provider__slug=slug)

    def search(self, q):
        """Stories matching the words and "phrases" of `q` (and none of its -exclusions), best first.

        A full-text search over title, excerpt, provider and topics, with
        stemming (PostgreSQL's search vector, SQLite's FTS5 index; see
        articles.search). Each story gets `search_rank` (higher is better)
        and `search_excerpt`, its excerpt with the matches between
        HIGHLIGHT_START and HIGHLIGHT_STOP. Elsewhere, a LIKE search of title
        and excerpt with the same annotations, unranked.
        """
        found, excluded = search_terms(q, self.search_max_words)
        if not found:
            return self.none()
        if uses_full_text(self.db):
            websearch = " ".join([f'"{t}"' for t in found] + [f'-"{t}"' for t in excluded])
            query = SearchQuery(websearch, search_type="websearch", config=SEARCH_CONFIG)
            return (
                self.filter(search_vector=query)
                .annotate(
                    search_rank=SearchRank(F("search_vector"), query),
                    search_excerpt=SearchHeadline(
                        # The markers can only come from a match, never from the story.
                        Replace(Replace("excerpt", models.Value(HIGHLIGHT_START)), models.Value(HIGHLIGHT_STOP)),
                        query,
                        config=SEARCH_CONFIG,
                        start_sel=HIGHLIGHT_START,
                        stop_sel=HIGHLIGHT_STOP,
                        highlight_all=True,
                    ),
                )
                .order_by("-search_rank", "-published_at", "-id")
            )
        if uses_fts5(self.db):
            match = " ".join(f'"{t}"' for t in found)
            match = "".join([f"({match})", *(f' NOT "{t}"' for t in excluded)])
            column = F("search_entry__title")
            return (
                self.filter(search_entry__title__match=match)
                .annotate(search_rank=Bm25(column), search_excerpt=HighlightedExcerpt(column))
                .order_by("-search_rank", "-published_at", "-id")
            )
        query = Q()
        for term in found:
            query &= Q(title__icontains=term) | Q(excerpt__icontains=term)
        for term in excluded:
            query &= ~Q(title__icontains=term) & ~Q(excerpt__icontains=term)
        return self.filter(query).annotate(search_rank=models.Value(0.0), search_excerpt=F("excerpt"))

    def freshness(self):
        """A cheap summary that changes whenever a public page may change.

        Returns {"updated": latest edit of a public story or of a provider,
        "providers": latest edit of a provider, "published": number of
        public stories, "boundary": the latest publish_at or unpublish_at
        already passed, "changes": how many changes writers have committed,
        "listed": how many of those could move a list of stories
        (articles.pagecache_models)}. The
        count catches what leaves the public stories' updated_at alone: a
        story unpublished or deleted; the boundary, a scheduled story going
        public or expiring (no write happens then), so a page cached before
        that moment is not served after it; "changes", a change stamped
        before another that committed first. Used for ETag/Last-Modified and
        to key the page cache. Reads one small index (article_published_updated),
        not the stories table, and one row.
        """
        now = timezone.now()
        public = self.public_window(now)
        latest_provider = Provider.objects.order_by("-updated_at").values("updated_at")[:1]
        counts = self.model._meta.apps.get_model("articles", "ContentChanges").objects
        changes, listed = counts.values("count")[:1], counts.values("listed")[:1]
        changed = counts.values("changed_at")[:1]
        stamp = (
            self.filter(published=True)
            .order_by()
            .aggregate(
                stories=Max("updated_at", filter=public),
                # Max() over a constant subquery: the providers' latest edit, read in the same query.
                providers=Max(Subquery(latest_provider, output_field=models.DateTimeField())),
                changes=Max(Subquery(changes, output_field=models.BigIntegerField())),
                listed=Max(Subquery(listed, output_field=models.BigIntegerField())),
                changed=Max(Subquery(changed, output_field=models.DateTimeField())),
                published=Count("pk", filter=public),
                went_public=Max("publish_at", filter=Q(publish_at__lte=now)),
                expired=Max("unpublish_at", filter=Q(unpublish_at__lte=now)),
            )
        )
        edits = [stamp["stories"], stamp["providers"]]
        boundaries = [stamp["went_public"], stamp["expired"]]
        return {
            "updated": max((e for e in edits if e), default=None),
            "published": stamp["published"],
            "boundary": max((b for b in boundaries if b), default=None),
            "changes": stamp["changes"] or 0,
            "providers": stamp["providers"],
            "listed": stamp["listed"] or 0,
            "changed": stamp["changed"],
        }

    def for_detail(self):
        """One story with every image (renditions ride on its row) and its related coverage: the API, triage."""
        return (
            self.select_related("provider")
            .defer(*PAGE_UNSHOWN_FIELDS)
            .with_topics()
            .prefetch_related(
                Prefetch("images", queryset=self._related("images").order_by("position")),
                Prefetch(
                    "related_links",
                    queryset=self._related("related_links").select_related("provider").order_by("position"),
                ),
            )
        )

    def for_story_page(self):
        """A story page's row through the ORM (a preview link's); articles.story_page reads the public page's.

        Its images, topics and related coverage come from story_parts(), one
        plain query each: as prefetches they cost the page twice as much
        (bench/profile_pages.py: 3.1 ms against 1.4 ms on a story with nine
        related items).
        """
        return self.select_related("provider").defer(*PAGE_UNSHOWN_FIELDS)

    def for_export(self):
        """Everything a fixture file holds, related items' images included."""
        images = self._related("images").order_by("position")
        related = (
            self._related("related_links")
            .select_related("provider")
            .prefetch_related(Prefetch("images", queryset=images))
        )
        return (
            self.select_related("provider")
            .with_topics()
            .prefetch_related(
                Prefetch("images", queryset=images),
                Prefetch("related_links", queryset=related.order_by("position")),
            )
            .order_by("id")
        )

    def cluster_of(self, article):
        """The other stories of `article`'s coverage cluster (articles.clusters); none for a story alone."""
        if article.cluster is None:
            return self.none()
        return self.filter(cluster=article.cluster).exclude(pk=article.pk)

    def one_per_cluster(self, *, among=None):
        """These stories, less those whose cluster has a newer story `among` (live stories): one card per cluster.

        Each keeps `cluster_others`, how many more stories of `among` its cluster
        has. A filtered listing passes itself as `among`: a search keeps the
        newest story of each cluster that matches, not one that may not.
        """
        among = (self.model.objects.published() if among is None else among).order_by()
        cluster = among.filter(cluster=OuterRef("cluster"))
        later = Q(published_at__gt=OuterRef("published_at"))
        newer = cluster.filter(later | Q(published_at=OuterRef("published_at"), pk__gt=OuterRef("pk")))
        others = cluster.exclude(pk=OuterRef("pk")).values("cluster").annotate(count=Count("pk")).values("count")
        return self.exclude(Q(cluster__isnull=False) & Exists(newer)).annotate(
            cluster_others=Coalesce(Subquery(others), 0)
        )

    def with_pending_changes(self):
        """Stories with an importer's change waiting for an editor (articles.models.Revision)."""
        revisions = self.model._meta.get_field("revisions").related_model.objects
        pending = revisions.filter(article=OuterRef("pk"), status="pending")
        return self.filter(Exists(pending))

    def sources_due(self, *, checked_before):
        """Live stories whose originalUrl was never checked or last checked before `checked_before`, oldest first."""
        return (
            self.published()
            .exclude(original_url="")
            .filter(Q(source_checked_at__isnull=True) | Q(source_checked_at__lt=checked_before))
            .order_by(F("source_checked_at").asc(nulls_first=True), "pk")
        )

    def broken_sources(self):
        """Stories whose originalUrl failed its last checks, two or more in a row (articles.jobs.links)."""
        return self.filter(source_broken_at__isnull=False)

    def needs_review(self):
        """The editors' queue: waiting stories, best first, those an editor held at the back."""
        return self.waiting().in_review_order()

    def in_review_order(self):
        """The queue's order: those an editor held last, then best first, then newest."""
        return self.order_by(F("held_at").asc(nulls_first=True), "-quality", "-published_at", "-id")

    def waiting(self):
        """Imported stories no editor has decided on yet (held ones included)."""
        return self.filter(status="waiting")

    def in_state(self, status):
        """Stories in this state (Article.Status)."""
        return self.filter(status=status)

    def below_gate(self):
        """Stories whose quality is below the publishing gate (articles.gate)."""
        return self.filter(below_gate_query())

    def arrived_since(self, when):
        """Stories first imported (or made) at `when` or later."""
        return self.filter(created_at__gte=when)

    def taken_down_by_import(self):
        """Live stories an import took off the site (the file said published: false)."""
        return self.filter(status="taken_down", status_by="import")

    def scheduled_between(self, start, end):
        """Stories scheduled to go public from `start` (inclusive) to `end` (exclusive)."""
        return self.filter(status="scheduled", publish_at__gte=start, publish_at__lt=end)

    def in_quality_range(self, low=None, high=None):
        """Stories whose quality is at least `low` and below `high`; None leaves that end open.

        A quality band (articles.quality) is such a range, and so is a reader's minimum quality.
        """
        stories = self
        if low is not None:
            stories = stories.filter(quality__gte=low)
        if high is not None:
            stories = stories.filter(quality__lt=high)
        return stories

    def category_names(self):
        """Every category of the stories, in order, each found with one seek on article_by_category.

        SELECT DISTINCT reads the whole index, an entry per story (30-50 ms at
        100,000); a site has a few categories, and this jumps from each to the next.
        """
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        sql = f"""
            WITH RECURSIVE names(name) AS (
                SELECT MIN(category) FROM {table}
                UNION ALL
                SELECT (SELECT MIN(category) FROM {table} WHERE category > name) FROM names WHERE name IS NOT NULL
            )
            SELECT name FROM names WHERE name IS NOT NULL"""
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql)
            return [name for (name,) in cursor.fetchall()]

    def with_fast_year_dates(self):
        """These stories, whose date hierarchy (first and last date, years, months, days) reads the date index.

        For the admin's date hierarchy (FastYearsQuerySet); everyone else gets Django's own.
        """
        clone = self.all()
        # Clones keep their class: the changelist's filters and pages keep the fast years.
        clone.__class__ = FastYearsQuerySet
        return clone


class FastYearsQuerySet(FastDatesMixin, ArticleQuerySet):
    """Stories whose date hierarchy reads the date index (articles.dates)."""
