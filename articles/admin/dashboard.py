"""
The admin home's "needs attention" counts: each links to the story list, filtered.

An entry is one line of ENTRIES: a label, the stories it counts (a named
queryset read, given the start of today) and the story list's filter that
shows the same stories. Each count is a COUNT over an index (see
Article.Meta.indexes), all of them in one query (articles.counting), so the
page stays fast at 100,000 stories: one aggregate of conditional counts
would read every story's row instead.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from ..counting import count_each
from ..models import Article, Revision
from .filters import start_of_today


@dataclass(frozen=True)
class Entry:
    label: str
    stories: Callable[[datetime.datetime], QuerySet]  # given the start of today
    filters: dict  # the story list's query string for the same stories
    # Counted once per story (a relation may hold several rows per story).
    distinct: bool = False


ENTRIES = [
    Entry("Waiting for a decision", lambda today: Article.objects.waiting(), {"state": "waiting"}),
    Entry(
        "Waiting, below the quality gate",
        lambda today: Article.objects.waiting().below_gate(),
        {"state": "waiting", "gate": "below"},
    ),
    Entry("Imported today", lambda today: Article.objects.arrived_since(today), {"imported": "today"}),
    Entry(
        "Taken down by an import",
        lambda today: Article.objects.taken_down_by_import(),
        {"state": "taken_down_by_import"},
    ),
    Entry(
        "Scheduled for today",
        lambda today: Article.objects.scheduled_between(today, today + datetime.timedelta(days=1)),
        {"scheduled": "today"},
    ),
    Entry(
        "Importers' changes waiting",
        lambda today: Revision.objects.filter(status=Revision.Status.PENDING).values("article_id"),
        {"review": "pending"},
        distinct=True,
    ),
    Entry("Source link broken", lambda today: Article.objects.broken_sources(), {"source": "broken"}),
]


@dataclass(frozen=True)
class Count:
    label: str
    count: int
    url: str


def attention_counts() -> list[Count]:
    """The dashboard's counts, in ENTRIES order."""
    today = start_of_today()
    changelist = reverse("admin:articles_article_changelist")
    sets = [entry.stories(today).distinct() if entry.distinct else entry.stories(today) for entry in ENTRIES]
    return [
        Count(entry.label, count, f"{changelist}?{urlencode(entry.filters)}")
        for entry, count in zip(ENTRIES, count_each(sets), strict=True)
    ]
