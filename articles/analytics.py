"""
Provider analytics: what each outlet brings, over a date range of publication (aggregate queries only).

Stories, the share live, a quality histogram, the average heat (of stories
whose heat is computed), the share of images the newsroom holds a copy of,
the share of checked source links that are broken, and stories per week.
Each figure is one aggregate query over the range, whatever the number of
stories or providers; the admin page draws them (articles/admin/analytics.py).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from providers.models import Provider

from .models import Article, Image

# The quality histogram's bins: 0-9, 10-19, ... and everything from the last one up.
QUALITY_BIN = 10
QUALITY_BINS = 11


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
    stories = _in_range(Article.objects.all(), since, until)
    images = Image.objects.filter(article__in=stories.values("pk"))
    if provider is not None:
        stories = stories.filter(provider=provider)
        images = images.filter(article__provider=provider)
    rows = (
        stories.order_by()
        .values("provider", "provider__name")
        .annotate(
            stories=Count("pk"),
            live=Count("pk", filter=Q(published=True)),
            average_heat=Avg("heat", filter=Q(heat__gte=0)),
            heated=Count("pk", filter=Q(heat__gte=0)),
            checked=Count("pk", filter=Q(source_checked_at__isnull=False)),
            broken=Count("pk", filter=Q(source_broken_at__isnull=False)),
        )
    )
    figures = {}
    for row in rows:
        item = ProviderFigures(row["provider"], row["provider__name"] or "(no provider)")
        item.stories, item.live, item.heated = row["stories"], row["live"], row["heated"]
        item.checked, item.broken = row["checked"], row["broken"]
        item.average_heat = row["average_heat"]
        figures[row["provider"]] = item
    cached = (
        images.order_by()
        .values("article__provider")
        .annotate(total=Count("pk"), cached=Count("pk", filter=~Q(file="")))
    )
    for row in cached:
        item = figures.get(row["article__provider"])
        if item is not None:
            item.images, item.images_cached = row["total"], row["cached"]
    ordered = sorted(figures.values(), key=lambda item: (-item.stories, item.name.casefold()))
    return Analytics(since, until, ordered, _quality(stories), _weekly(stories, since, until))


def _in_range(stories, since, until):
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return stories.filter(published_at__gte=start, published_at__lt=end)


def _quality(stories):
    bins = {}
    for index in range(QUALITY_BINS):
        low = index * QUALITY_BIN
        last = index == QUALITY_BINS - 1
        condition = Q(quality__gte=low) if last else Q(quality__gte=low, quality__lt=low + QUALITY_BIN)
        bins[f"q{index}"] = Count("pk", filter=condition)
    counts = stories.order_by().aggregate(**bins)
    labels = [
        f"{index * QUALITY_BIN}+" if index == QUALITY_BINS - 1 else f"{index * QUALITY_BIN}–{index * QUALITY_BIN + 9}"
        for index in range(QUALITY_BINS)
    ]
    return [(label, counts[f"q{index}"]) for index, label in enumerate(labels)]


def _weekly(stories, since, until):
    counts = {
        row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]: row["count"]
        for row in stories.order_by()
        .annotate(week=TruncWeek("published_at"))
        .values("week")
        .annotate(count=Count("pk"))
    }
    monday = since - dt.timedelta(days=since.weekday())
    weeks = []
    while monday <= until:
        weeks.append((monday, counts.get(monday, 0)))
        monday += dt.timedelta(days=7)
    return weeks
