"""
Provider analytics: what each outlet brings, over a date range of publication (aggregate queries only).

Stories, the share live, a quality histogram, the average heat (of stories
whose heat is computed), the share of images the newsroom holds a copy of,
the share of checked source links that are broken, and stories per week.
Each figure is one aggregate query over the range, whatever the number of
stories or providers, read from indexes alone (article_analytics, image_cached);
the admin page draws them (articles/admin/analytics.py).
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.db.models import Avg, Count, FilteredRelation, Q
from django.utils import timezone

from providers.models import Provider

from .counting import count_each
from .models import Article

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
    every = Article.objects.all() if provider is None else Article.objects.filter(provider=provider)
    stories = _in_range(every, since, until)
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
    # The stories' images, all of them and those with a copy: joined from the stories (a LEFT
    # JOIN keeps them the outer side, read from article_analytics or article_by_provider) to
    # an index of the images (image_cached for the copies), never to the images' rows.
    copies = FilteredRelation("images", condition=Q(images__file__gt=""))
    for attribute, counted in (
        ("images", stories.order_by().values("provider").annotate(count=Count("images"))),
        (
            "images_cached",
            stories.order_by().annotate(copies=copies).values("provider").annotate(count=Count("copies")),
        ),
    ):
        for row in counted:
            item = figures.get(row["provider"])
            if item is not None:
                setattr(item, attribute, row["count"])
    ordered = sorted(figures.values(), key=lambda item: (-item.stories, item.name.casefold()))
    return Analytics(since, until, ordered, _quality(stories), _weekly(every, since, until))


def _in_range(rows, since, until, *, field="published_at"):
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return rows.filter(**{f"{field}__gte": start, f"{field}__lt": end})


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
    weeks = [_in_range(every, start, end - dt.timedelta(days=1)) for start, end in itertools.pairwise(days)]
    return list(zip(mondays, count_each(weeks), strict=True))
