"""
Provider analytics: what each outlet brings, over a date range of publication (aggregate queries only).

Stories, the share live, a quality histogram, the average heat (of stories
whose heat is computed), the share of images the newsroom holds a copy of,
the share of checked source links that are broken, and stories per week.
The figures of every provider and the quality histogram are one aggregate query
grouped by provider (and one for the stories without a provider), the weekly
counts another, whatever the number of stories or providers, read from indexes
alone (article_provider_figures, article_by_date, article_by_provider); the
stories' image counts are kept on them (articles.images.counts). The admin page
draws them (articles/admin/analytics.py).
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.db.models import Avg, Count, FilteredRelation, Q, Sum
from django.utils import timezone

from providers.models import Provider

from .counting import count_ranges
from .models import Article

# The quality histogram's bins: 0-9, 10-19, ... and everything from the last one up.
QUALITY_BIN = 10
QUALITY_BINS = 11
QUALITY_LABELS = [
    f"{index * QUALITY_BIN}+" if index == QUALITY_BINS - 1 else f"{index * QUALITY_BIN}–{index * QUALITY_BIN + 9}"
    for index in range(QUALITY_BINS)
]


@dataclass
class ProviderFigures:
    provider_id: int | None
    name: str
    stories: int = 0
    live: int = 0
    average_heat: float | None = None
    heated: int = 0  # stories whose heat is computed: the weight of their average
    images: int = 0
    images_cached: int = 0
    # Source links checked (articles.jobs.links) and, of those, broken (two failures in a row).
    checked: int = 0
    broken: int = 0

    @property
    def live_share(self):
        return self.live / self.stories if self.stories else None

    @property
    def image_cache_rate(self):
        return self.images_cached / self.images if self.images else None

    @property
    def broken_source_rate(self):
        """Of the stories whose source link was checked, the share broken; None when none was checked."""
        return self.broken / self.checked if self.checked else None


@dataclass
class Analytics:
    since: dt.date
    until: dt.date
    providers: list = field(default_factory=list)  # ProviderFigures, most stories first
    quality: list = field(default_factory=list)  # [(label, count)]
    weekly: list = field(default_factory=list)  # [(week's Monday, count)]

    @property
    def total(self):
        totals = ProviderFigures(None, "All providers")
        for figures in self.providers:
            totals.stories += figures.stories
            totals.live += figures.live
            totals.images += figures.images
            totals.images_cached += figures.images_cached
            totals.checked += figures.checked
            totals.broken += figures.broken
        heated = [(f.average_heat, f.heated) for f in self.providers if f.average_heat is not None]
        weight = sum(count for _, count in heated)
        totals.average_heat = sum(avg * count for avg, count in heated) / weight if weight else None
        return totals


def provider_analytics(*, since: dt.date, until: dt.date, provider: Provider | None = None) -> Analytics:
    """The figures of every provider, or of `provider`, for the stories published from `since` to `until` (days)."""
    start, end = _bounds(since, until)
    # Grouped from the providers, each joined to its stories of the range: the LEFT JOIN keeps
    # the providers the outer loop on every database, and on SQLite each provider's stories are
    # then one range of article_provider_figures, read in the GROUP BY's order. Grouped from
    # the stories, SQLite walks the range in date order and sorts 100,000 entries by provider.
    ranged = FilteredRelation(
        "articles", condition=Q(articles__published_at__gte=start, articles__published_at__lt=end)
    )
    providers = Provider.objects.all() if provider is None else Provider.objects.filter(pk=provider.pk)
    rows = list(providers.order_by().annotate(story=ranged).values("pk", "name").annotate(**_aggregates("story__")))
    if provider is None:
        # The stories without a provider: one range of the same index (its NULLs).
        unattributed = Article.objects.filter(provider__isnull=True, published_at__gte=start, published_at__lt=end)
        rows.append({"pk": None, "name": None, **unattributed.order_by().aggregate(**_aggregates(""))})
    figures, quality = [], [0] * QUALITY_BINS
    for row in rows:
        if not row["stories"]:
            continue
        item = ProviderFigures(row["pk"], row["name"] or "(no provider)")
        item.stories, item.live, item.heated = row["stories"], row["live"], row["heated"]
        item.checked, item.broken = row["checked"], row["broken"]
        item.images, item.images_cached = row["images"] or 0, row["images_cached"] or 0
        item.average_heat = row["average_heat"]
        figures.append(item)
        for index in range(QUALITY_BINS):
            quality[index] += row[f"q{index}"]
    figures.sort(key=lambda item: (-item.stories, item.name.casefold()))
    every = Article.objects.all() if provider is None else Article.objects.filter(provider=provider)
    return Analytics(
        since, until, figures, list(zip(QUALITY_LABELS, quality, strict=True)), _weekly(every, since, until)
    )


def _aggregates(prefix):
    """Each figure of a group of stories, `prefix` naming the relation to the stories from the grouped rows."""

    def counted(**condition):
        return Count(f"{prefix}id", filter=Q(**{f"{prefix}{name}": value for name, value in condition.items()}))

    figures = {
        "stories": Count(f"{prefix}id"),
        "live": counted(published=True),
        "average_heat": Avg(f"{prefix}heat", filter=Q(**{f"{prefix}heat__gte": 0})),
        "heated": counted(heat__gte=0),
        "checked": counted(source_checked_at__isnull=False),
        "broken": counted(source_broken_at__isnull=False),
        # Kept on each story (articles.images.counts): no probe of the images per story.
        "images": Sum(f"{prefix}image_count"),
        "images_cached": Sum(f"{prefix}cached_image_count"),
    }
    for index in range(QUALITY_BINS):
        low = index * QUALITY_BIN
        last = index == QUALITY_BINS - 1
        figures[f"q{index}"] = (
            counted(quality__gte=low) if last else counted(quality__gte=low, quality__lt=low + QUALITY_BIN)
        )
    return figures


def _bounds(since, until):
    """The first instant of `since` and the first after `until`, in the current time zone."""
    return _midnight(since), _midnight(until + dt.timedelta(days=1))


def _midnight(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _weekly(every, since, until):
    """[(Monday, stories published that week from `since` to `until`)] of the stories of `every`."""
    # A range count a week on the date index, all in one query (articles.counting): grouping
    # by TruncWeek calls a Python function for every story on SQLite (5 s at 100,000).
    mondays = []
    monday = since - dt.timedelta(days=since.weekday())
    while monday <= until:
        mondays.append(monday)
        monday += dt.timedelta(days=7)
    # Each week cut to the range, so that each count has one range for the index to take.
    days = [since, *mondays[1:], until + dt.timedelta(days=1)]
    bounds = [(_midnight(start), _midnight(end)) for start, end in itertools.pairwise(days)]
    return list(zip(mondays, count_ranges(every, "published_at", bounds), strict=True))
