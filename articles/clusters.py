"""
Coverage clusters: stories about the same event, grouped.

Two stories are linked when
- they have the same canonical URL (one page under two addresses),
- a related item of one is the other (by canonical URL),
- they share a related item (the same page of other coverage), or
- their titles are near-duplicates (articles.similarity) and they were
  published within NEWSROOM_CLUSTERS["TITLE_WINDOW_HOURS"] of each other;
and a cluster is a connected group of linked stories, named by its smallest
story id (Article.cluster). An editor's split (Article.cluster_split) cuts the
links between stories of different splits.

refresh_clusters() is called by articles.services.stories_changed() for the
stories a writer changed: it follows the links from them (and from the other
stories of their old clusters) and writes the clusters that changed, so the
columns stay in step on every write path. An import writes only the title
bands batch by batch and calls refresh_many_clusters() once at its end: a
refresh per batch re-read the bands of every earlier batch.
`manage.py refresh_clusters` computes them all (after the migration, or a
change of settings).
"""

import datetime as dt
import itertools
import json
import math
from array import array
from collections import defaultdict

from django.db import connections, transaction
from django.db.models import Q

from .clusters_forest import Forest
from .clusters_models import TitleBand
from .conf import newsroom_settings
from .models import Article, RelatedLink
from .similarity import band_keys, near_duplicate_titles
from .stories.bulk import insert_rows

BATCH_SIZE = 500
# A band key shared by more stories than this within the window is not evidence (band_candidates).
MAX_BAND_STORIES = 50


def refresh_clusters(article_ids, *, using="default", bands=True) -> int:
    """Recompute the clusters around these stories; returns how many stories changed cluster.

    `bands` False: their title bands are already up to date (write_title_bands).
    """
    # A story deleted through the ORM keeps None for its id: nothing of it is left to cluster.
    ids = set(article_ids) - {None}
    if not ids:
        return 0
    if bands:
        write_title_bands(ids, using=using)
    config = newsroom_settings.CLUSTERS
    seen = ids | _cluster_mates(ids, using)
    frontier, edges, followed = set(seen), set(), set()
    while frontier and len(followed) < config["MAX_STORIES"]:
        found = _links(frontier, using, config)
        followed |= frontier
        edges |= found
        new = {story for edge in found for story in edge} - seen
        new |= _cluster_mates(new, using) - seen
        seen |= new
        frontier = new
    # Past the limit, stories whose links were not followed keep their cluster.
    return _write_clusters(followed, _kept_links(edges, using), using)


def refresh_many_clusters(article_ids, *, using="default") -> int:
    """refresh_clusters() for many stories whose title bands are written; returns how many stories changed cluster.

    Each story's links are worked out once, MANY_AT_A_TIME stories at a time
    in order of publication (so that each group's title bands are looked up
    within a few days: band_candidates), and joined in one forest; the
    clusters are written once, at the end. Links out of the stories lead to
    stored stories, whose links are followed as refresh_clusters() follows
    them. A refresh per group followed each story's links two or three times
    over (its own group's and its neighbours') and wrote clusters it was about
    to change again.

    The clusters are written after all links are known, a transaction per
    chunk of stories: a split an editor saves meanwhile is refreshed by its
    own save, and may be written over with what this refresh found before it;
    `manage.py refresh_clusters` puts it right.
    """
    article_ids = [story for story in article_ids if story is not None]
    if len(article_ids) <= MANY_AT_A_TIME:
        return refresh_clusters(article_ids, using=using, bands=False)
    config = newsroom_settings.CLUSTERS
    forest = Forest(sorted(set(article_ids)))
    for group in _in_publication_order(article_ids, using):
        frontier = {story for story in set(group) | _cluster_mates(group, using) if not forest.followed(story)}
        count = 0
        while frontier and count < config["MAX_STORIES"]:
            edges = _links(frontier, using, config)
            forest.follow(frontier)
            count += len(frontier)
            forest.join(_kept_links(edges, using))
            # The run's own stories are followed in their own group.
            new = forest.stored({story for edge in edges for story in edge})
            frontier = new | forest.stored(_cluster_mates(new, using))
    return _write_forest(forest, using)


# Well below MAX_STORIES, so that a group's refresh also follows the links out of it.
MANY_AT_A_TIME = 200
# refresh_many_clusters' sort keys: a UTC day (an ordinal below 2**20) above a story id.
_ID_BITS = 42
_NO_DAY = (1 << 20) - 1


def _in_publication_order(article_ids, using):
    """The stories in groups of MANY_AT_A_TIME, in order of publication (the undated last)."""
    ordered = array("q")
    for start in range(0, len(article_ids), BATCH_SIZE):
        rows = Article.objects.using(using).filter(pk__any_of=article_ids[start : start + BATCH_SIZE])
        for pk, published_at in rows.values_list("pk", "published_at"):
            # One integer a story, day then id, so that 100,000 of them stay small.
            ordered.append((day_of(published_at) if published_at else _NO_DAY) << _ID_BITS | pk)
    ordered = array("q", sorted(ordered))
    mask = (1 << _ID_BITS) - 1
    for start in range(0, len(ordered), MANY_AT_A_TIME):
        yield [key & mask for key in ordered[start : start + MANY_AT_A_TIME]]


def write_title_bands(article_ids, *, using="default"):
    """Replace the MinHash band keys of these stories' titles."""
    ids = list(article_ids)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        TitleBand.objects.using(using).filter(article_id__any_of=batch).delete()
        # Title links need a date: a story without one has no bands.
        titles = (
            Article.objects.using(using)
            .filter(pk__any_of=batch, published_at__isnull=False)
            .values_list("pk", "title", "published_at")
        )
        # Ten rows a story: plain rows, not model instances (stories.bulk).
        insert_rows(
            TitleBand,
            [
                {"article_id": pk, "key": key, "day": day_of(published_at)}
                for pk, title, published_at in titles
                for key in set(band_keys(title))
            ],
            using=using,
        )


def day_of(moment) -> int:
    """The UTC day of a datetime, as TitleBand.day keeps it."""
    return moment.astimezone(dt.UTC).toordinal()


def band_candidates(keys_by_day, *, days_around, using="default"):
    """{(key, day): {story ids}}: the stories whose title bands have the key within `days_around` of the day.

    `keys_by_day` is {day: {keys}}, each day's keys looked up in that day's
    window. A key many stories share within the window (a headline formula, a
    product name) tells nothing: such a window gives no candidates
    (MAX_BAND_STORIES). Each window is judged alone, so a story's candidates
    do not depend on the other stories looked up with it; two stories a day
    apart have different windows, so in a crowded week one may find the other
    as a candidate and not the other way round (a link needs one of them).
    """
    if not keys_by_day:
        return {}
    wanted = defaultdict(set)  # key: {the days its windows cover}
    for day, keys in keys_by_day.items():
        window = range(day - days_around, day + days_around + 1)
        for key in keys:
            wanted[key].update(window)
    found = defaultdict(set)  # (key, day): {story ids}
    full = set()  # (key, day) of more stories than any window may hold: not kept, for memory's sake
    # The query reads only the rows within each key's windows: no day to check here.
    for key, day, article_id in _bands_in_windows(_windows(wanted), using):
        if (key, day) not in full:
            stories = found[key, day]
            stories.add(article_id)
            if len(stories) > MAX_BAND_STORIES:
                full.add((key, day))
                del found[key, day]
    groups = {}
    for day, keys in keys_by_day.items():
        window = [day + shift for shift in range(-days_around, days_around + 1)]
        for key in keys:
            if any((key, near) in full for near in window):
                continue
            group = set().union(*(found.get((key, near), ()) for near in window))
            if group and len(group) <= MAX_BAND_STORIES:
                groups[key, day] = group
    return groups


def _windows(wanted):
    """[[key, first day, last day]]: each key's days as ranges, the days next to each other as one."""
    windows = []
    for key, days in wanted.items():
        for day in sorted(days):
            if windows and windows[-1][0] == key and windows[-1][2] + 1 == day:
                windows[-1][2] = day
            else:
                windows.append([key, day, day])
    return windows


def _bands_in_windows(windows, using):
    """(key, day, story id) of the title bands of each window's key within its days, in one query.

    The windows go as one parameter (a JSON array for SQLite, arrays for
    PostgreSQL), each looked up on the (key, day) index. One range over the
    whole span of a batch read every row of its keys between its earliest and
    latest story: an import's files come in name order, so a batch spans the
    year, and the rows read grew with the stories stored, to more than half
    of a 100,000-file import (274 stories a day).
    """
    connection = connections[using]
    table = connection.ops.quote_name(TitleBand._meta.db_table)
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT b.key, b.day, b.article_id FROM {table} b"
            " JOIN unnest(%s::bigint[], %s::integer[], %s::integer[]) AS w(key, first, last)"
            " ON b.key = w.key AND b.day BETWEEN w.first AND w.last"
        )
        params = [list(column) for column in zip(*windows, strict=True)] if windows else [[], [], []]
    else:
        sql = (
            f"SELECT b.key, b.day, b.article_id FROM json_each(%s) w JOIN {table} b"
            " ON b.key = json_extract(w.value, '$[0]')"
            " AND b.day BETWEEN json_extract(w.value, '$[1]') AND json_extract(w.value, '$[2]')"
        )
        params = [json.dumps(windows)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def refresh_all_clusters(*, using="default") -> int:
    """Every story's title bands and cluster, from scratch; returns how many stories changed cluster."""
    ids = list(Article.objects.using(using).order_by("pk").values_list("pk", flat=True))
    write_title_bands(ids, using=using)
    config = newsroom_settings.CLUSTERS
    edges = set()
    for start in range(0, len(ids), BATCH_SIZE):
        edges |= _links(set(ids[start : start + BATCH_SIZE]), using, config)
    return _write_clusters(set(ids), _kept_links(edges, using), using)


def _cluster_mates(ids, using):
    """The other stories of these stories' clusters, and of clusters a deleted story of `ids` led."""
    if not ids:
        return set()
    clusters = Article.objects.using(using).filter(pk__any_of=ids, cluster__isnull=False).values("cluster")
    return set(
        Article.objects.using(using)
        .filter(Q(cluster__in=clusters) | Q(cluster__any_of=ids))
        .values_list("pk", flat=True)
    )


def _links(frontier, using, config):
    """Links {(a, b)} (a < b) between the stories of `frontier` and any story."""
    stories = Article.objects.using(using)
    links = RelatedLink.objects.using(using).exclude(canonical_url="")
    own = dict(stories.filter(pk__any_of=frontier).exclude(canonical_url="").values_list("pk", "canonical_url"))
    edges = set()
    # The same page under two addresses, and a related item that is the story itself.
    by_url = defaultdict(set)
    for pk, url in stories.filter(canonical_url__any_of=own.values()).values_list("pk", "canonical_url"):
        by_url[url].add(pk)
    for article_id, url in links.filter(canonical_url__any_of=own.values()).values_list("article_id", "canonical_url"):
        by_url[url].add(article_id)
    for pk, url in own.items():
        edges |= {_pair(pk, other) for other in by_url[url] if other != pk}
    # A related item of a frontier story that is one of our stories, or another story's related item.
    their = defaultdict(set)
    for article_id, url in links.filter(article_id__any_of=frontier).values_list("article_id", "canonical_url"):
        their[url].add(article_id)
    if their:
        for pk, url in stories.filter(canonical_url__any_of=their).values_list("pk", "canonical_url"):
            edges |= {_pair(pk, article_id) for article_id in their[url] if article_id != pk}
        for other, url in links.filter(canonical_url__any_of=their).values_list("article_id", "canonical_url"):
            edges |= {_pair(other, article_id) for article_id in their[url] if article_id != other}
    return edges | _title_links(frontier, using, config)


def _title_links(frontier, using, config):
    own = defaultdict(set)  # (key, day): the frontier's stories with that band
    keys_by_day = defaultdict(set)
    bands = TitleBand.objects.using(using).filter(article_id__any_of=frontier)
    for article_id, key, day in bands.values_list("article_id", "key", "day"):
        own[key, day].add(article_id)
        keys_by_day[day].add(key)
    days_around = math.ceil(config["TITLE_WINDOW_HOURS"] / 24)
    candidates = band_candidates(keys_by_day, days_around=days_around, using=using)
    pairs = {_pair(a, b) for band, group in candidates.items() for a in own[band] for b in group if a != b}
    if not pairs:
        return set()
    involved = {story for pair in pairs for story in pair}
    rows = {
        pk: (title, published_at)
        for pk, title, published_at in Article.objects.using(using)
        .filter(pk__any_of=involved, published_at__isnull=False)
        .values_list("pk", "title", "published_at")
    }
    window = dt.timedelta(hours=config["TITLE_WINDOW_HOURS"])
    threshold = config["TITLE_THRESHOLD"]
    return {
        (a, b)
        for a, b in pairs
        if a in rows
        and b in rows
        and abs(rows[a][1] - rows[b][1]) <= window
        and near_duplicate_titles(rows[a][0], rows[b][0], threshold)
    }


def _kept_links(edges, using):
    """The links editors' splits leave: both ends in the same split."""
    involved = {story for edge in edges for story in edge}
    split = dict(Article.objects.using(using).filter(pk__any_of=involved).values_list("pk", "cluster_split"))
    return {(a, b) for a, b in edges if a in split and b in split and split[a] == split[b]}


def _write_clusters(stories, edges, using):
    """Give each of `stories` the smallest id of its connected group; stories alone get None."""
    forest = Forest(sorted(stories))
    forest.follow(stories)
    forest.join(edges)
    return _write_forest(forest, using)


def _write_forest(forest, using):
    """Write the clusters of a Forest's followed stories; returns how many changed.

    One UPDATE statement run for many rows: bulk_update()'s CASE over 500
    stories was about a quarter of an import's cluster refresh (cProfile).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Article._meta.db_table)} SET {quote(Article._meta.get_field('cluster').column)} = %s"
        f" WHERE {quote(Article._meta.pk.column)} = %s"
    )
    changed = 0
    stories = forest.clusters()
    while chunk := dict(itertools.islice(stories, BATCH_SIZE)):
        current = Article.objects.using(using).filter(pk__any_of=chunk).values_list("pk", "cluster")
        rows = [(chunk[story], story) for story, cluster in current if cluster != chunk[story]]
        if rows:
            with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        changed += len(rows)
    return changed


def _pair(a, b):
    return (a, b) if a < b else (b, a)


# Stories of the cluster listed on a story's page (articles.story_page.story_coverage());
# the count of outlets covers them all.
COVERAGE_LISTED = 10
