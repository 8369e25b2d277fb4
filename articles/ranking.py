"""
Top stories: a documented score, editors' pins and burials, and the explanation of any story's rank.

    score = (HEAT x heat + QUALITY x quality + CLUSTER x other live stories of its cluster)
            x 0.5 ** (hours since publication / HALF_LIFE_HOURS)

Heat counts only where it is known (-1 is "not computed": the term is 0).
Weights are NEWSROOM_RANKING (articles.conf); docs/ranking.md explains them.
The candidates are the newest MAX_CANDIDATES live stories (the decay sees to
old ones, and a quiet week still has Top stories) and any live story pinned
now; an active pin puts its story in its slot, a burial keeps it out; an
expired pin lets the story fall back to its ranked place. Scores are
computed in Python over the candidates: the decay is the same on every
database, and three queries read what it needs (four with a pin older than
the candidates). The page follows the clock in DECAY_STEPs, and the end of
a pin at once (ranking_moment()).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .conf import newsroom_settings
from .models import Article, RankOverride, Revision
from .revisions.snapshots import record_revisions
from .services import ranking_changed


@dataclass
class Term:
    name: str
    value: float
    weight: float
    note: str = ""

    @property
    def contribution(self):
        return self.value * self.weight


@dataclass
class Explanation:
    article_id: int
    terms: list = field(default_factory=list)
    age_hours: float = 0.0
    decay: float = 1.0
    rank: int | None = None  # 1-based place in Top stories, None when out of them
    ranked_place: int | None = None  # the place its score alone gives
    override: str = ""  # what a pin or a burial did

    @property
    def base(self):
        return sum(term.contribution for term in self.terms)

    @property
    def score(self):
        return self.base * self.decay


def explain(article: Article, *, cluster_size: int = 1, now=None) -> Explanation:
    """The terms of `article`'s score, each with its weight and contribution."""
    config = newsroom_settings.RANKING
    now = now or timezone.now()
    heat_known = article.heat >= 0
    terms = [
        Term("heat", article.heat if heat_known else 0, config["HEAT"], "" if heat_known else "not computed"),
        Term("quality", article.quality, config["QUALITY"]),
        Term("cluster", max(cluster_size - 1, 0), config["CLUSTER"], "other live stories of its cluster"),
    ]
    published = article.published_at or now
    age = max((now - published).total_seconds() / 3600, 0.0)
    return Explanation(article.pk, terms, round(age, 2), 0.5 ** (age / config["HALF_LIFE_HOURS"]))


# Top stories follow the clock (the decay) in steps of this length: the page and its ETag are
# the same within a step unless a story, a pin or a burial changes.
DECAY_STEP = dt.timedelta(minutes=5)


def ranking_moment(request=None, *, now=None) -> str:
    """Top stories' stamp of the present (articles.pagecache's `moment`).

    The decay's step, the next end of a pin or burial (when it passes, the
    story goes back to its ranked place at once), and how many there are and
    the latest set, so that every worker sees a new pin, burial or lift.
    """
    now = now or timezone.now()
    step = int(now.timestamp() // DECAY_STEP.total_seconds())
    overrides = RankOverride.objects.aggregate(
        ending=Min("expires_at", filter=Q(expires_at__gt=now)), count=Count("pk"), latest=Max("created_at")
    )
    # The pins and burials themselves too: the token a new one draws (services.ranking_changed)
    # is in this process's local cache only, where another worker's pages would not see it.
    return "|".join(str(part) for part in (step, overrides["ending"], overrides["count"], overrides["latest"]))


def ranked(*, now=None) -> list[Explanation]:
    """Top stories, in order, each with its explanation: the score's order, then the pins and burials."""
    now = now or timezone.now()
    overrides = _active_overrides(now)
    return _apply_overrides(_scored(now, overrides), overrides, size=newsroom_settings.RANKING["SIZE"])


def _active_overrides(now):
    """{story id: its RankOverride} of the pins and burials in force at `now`."""
    active = RankOverride.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return {override.article_id: override for override in active}


def _scored(now, overrides):
    """Every candidate's explanation, best score first, each with its ranked place."""
    config = newsroom_settings.RANKING
    fields = ("pk", "heat", "quality", "published_at", "cluster")
    live = Article.objects.published(now=now).filter(published_at__lte=now)
    candidates = list(live.order_by("-published_at", "-id").only(*fields)[: config["MAX_CANDIDATES"]])
    # A live story pinned by an editor is a candidate however old: the pin holds its slot.
    pinned = {pk for pk, override in overrides.items() if override.kind == RankOverride.Kind.PIN}
    pinned -= {story.pk for story in candidates}
    if pinned:
        candidates += list(live.filter(pk__in=pinned).only(*fields))
    sizes = dict(
        Article.objects.published()
        .filter(cluster__in={story.cluster for story in candidates if story.cluster is not None})
        .order_by()
        .values("cluster")
        .annotate(size=Count("pk"))
        .values_list("cluster", "size")
    )
    explained = sorted(
        (explain(story, cluster_size=sizes.get(story.cluster, 1), now=now) for story in candidates),
        key=lambda item: (-item.score, -item.article_id),
    )
    for place, item in enumerate(explained, start=1):
        item.ranked_place = place
    return explained


def _apply_overrides(explained, overrides, *, size):
    by_id = {item.article_id: item for item in explained}
    listed = []
    for item in explained:
        override = overrides.get(item.article_id)
        if override and override.kind == RankOverride.Kind.BURY:
            item.override = "buried: kept out of Top stories"
        elif override is None:
            listed.append(item)
    pins = sorted(
        (o for o in overrides.values() if o.kind == RankOverride.Kind.PIN and o.article_id in by_id),
        key=lambda o: (o.slot, o.created_at),
    )
    for pin in pins:
        item = by_id[pin.article_id]
        item.override = f"pinned to slot {pin.slot} until {timezone.localtime(pin.expires_at):%Y-%m-%d %H:%M}"
        listed.insert(min(pin.slot - 1, len(listed)), item)
    top = listed[:size]
    for place, item in enumerate(top, start=1):
        item.rank = place
    return top


def explain_rank(article: Article, *, now=None) -> Explanation:
    """Why `article` is where it is in Top stories (or not in them)."""
    now = now or timezone.now()
    overrides = _active_overrides(now)
    scored = _scored(now, overrides)
    for item in _apply_overrides(scored, overrides, size=newsroom_settings.RANKING["SIZE"]):
        if item.article_id == article.pk:
            return item
    for item in scored:
        if item.article_id == article.pk:
            if not item.override:
                item.override = (
                    f"its score gives place {item.ranked_place}, below the top {newsroom_settings.RANKING['SIZE']}"
                )
            return item
    size = 1
    if article.cluster is not None:
        size = Article.objects.published().filter(cluster=article.cluster).count() or 1
    item = explain(article, cluster_size=size, now=now)
    override = RankOverride.objects.filter(article=article).first()
    if override and override.kind == RankOverride.Kind.BURY:
        item.override = "buried: kept out of Top stories"
    elif not article.published:
        item.override = "not published"
    elif item.ranked_place is None:
        count = newsroom_settings.RANKING["MAX_CANDIDATES"]
        item.override = f"not among the newest {count} live stories: not a candidate"
    return item


def top_stories(*, now=None):
    """The Top stories' rows for a listing (for_listing(): cards), in rank order."""
    order = [item.article_id for item in ranked(now=now)]
    rows = {story.pk: story for story in Article.objects.for_listing().filter(pk__in=order)}
    return [rows[pk] for pk in order if pk in rows]


def pin_story(*, article: Article, slot: int, hours: int, user) -> RankOverride:
    """Pin `article` to `slot` (1 is the top) for `hours`; a revision records it."""
    expires = timezone.now() + dt.timedelta(hours=hours)
    return _override(
        article,
        user,
        {"kind": RankOverride.Kind.PIN, "slot": slot, "expires_at": expires},
        f"Pinned to slot {slot} of Top stories until {timezone.localtime(expires):%Y-%m-%d %H:%M}.",
    )


def bury_story(*, article: Article, user) -> RankOverride:
    """Keep `article` out of Top stories until the burial is lifted; a revision records it."""
    return _override(
        article, user, {"kind": RankOverride.Kind.BURY, "slot": None, "expires_at": None}, "Buried: out of Top stories."
    )


def lift_override(*, article: Article, user) -> bool:
    """Remove a pin or a burial: the story takes its ranked place again."""
    with transaction.atomic():
        deleted, _ = RankOverride.objects.filter(article=article).delete()
        if deleted:
            _recorded(article, user, "Pin or burial lifted: back to its ranked place in Top stories.")
    return bool(deleted)


def _override(article, user, values, message):
    with transaction.atomic():
        override, _ = RankOverride.objects.update_or_create(
            article=article, defaults={**values, "created_by": user, "created_at": timezone.now()}
        )
        _recorded(article, user, message)
    return override


def _recorded(article, user, message):
    ranking_changed()
    record_revisions([article.pk], user=user, source=Revision.Source.ACTION, source_name=message, message=message)
