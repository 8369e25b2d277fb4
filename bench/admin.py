"""The admin's benchmarks (row 7), run by bench/run.py; BENCH_ONLY=admin runs only them.

7.  the story list: the default view, the review queue, a filtered and a searched list
7b. the admin home and its "needs attention" counts
7c. triage: the first story of the queue, and the 500th
7d. provider analytics over the stories' whole date range: all providers, and one

Each page at the bench's scale against the same page at 1,000 stories, with the queries of
each: at most 150 ms at full scale (200 ms for analytics) and the same queries as at 1,000.
The databases measured are copies of the bench's, with a newsroom's mix of states written
into them (an import leaves every story live or waiting): held, rejected, scheduled and
taken-down stories, broken source links, importers' changes waiting and cached images, so that
every count of the home, both parts of the triage queue and the analytics' figures have
stories to find.
"""

import sqlite3

PAGE_TARGET, ANALYTICS_TARGET = 0.150, 0.200

# By id, so both scales get the same shares: a tenth of the waiting stories held and a tenth
# rejected, 4% of the live ones scheduled over the next three days and 1% taken down by an
# import, a third of the source links checked (2% of those broken), 1% of revisions pending,
# and three images in four with a copy (the import's image jobs; the corpus's URLs are not
# fetched), so that the analytics' cache rate has copies to count.
NEWSROOM_AT_WORK = """
UPDATE articles_article SET held_at = datetime('now', '-' || (id % 48) || ' hours')
    WHERE status = 'waiting' AND id % 10 = 3;
UPDATE articles_article SET status = 'rejected', status_by = 'editor', reviewed_at = datetime('now')
    WHERE status = 'waiting' AND id % 10 = 7;
UPDATE articles_article SET status = 'scheduled', status_by = 'editor', published = 1,
    publish_at = datetime('now', '+' || (id % 72) || ' hours') WHERE status = 'live' AND id % 25 = 1;
UPDATE articles_article SET status = 'taken_down', status_by = 'import', published = 0
    WHERE status = 'live' AND id % 100 = 2;
UPDATE articles_article SET source_checked_at = datetime('now', '-1 day') WHERE id % 3 = 0;
UPDATE articles_article SET source_failures = 2, source_broken_at = datetime('now', '-1 day')
    WHERE id % 3 = 0 AND id % 50 = 9;
UPDATE articles_revision SET status = 'pending' WHERE id % 100 = 5;
UPDATE articles_image SET file = 'images/bench/' || id || '.jpg', stored_format = 'jpeg',
    cached_at = datetime('now', '-1 day') WHERE id % 4 != 0;
"""

PAGES = {
    "default": "7. admin story list, default view",
    "review queue": "7. admin story list, review queue",
    "filtered": "7. admin story list, waiting stories of one provider",
    "searched": "7. admin story list, searched",
    "dashboard": "7b. admin home (needs attention)",
    "triage": "7c. admin triage, first story",
    "triage, 500th story": "7c. admin triage, 500th story",
    "analytics": "7d. provider analytics, all providers, whole range",
    "analytics, one provider": "7d. provider analytics, one provider, whole range",
}


def newsroom_copy(bench, database, name):
    """A copy of `database` with the newsroom's mix of states."""
    copy = bench.work / f"{name}.sqlite3"
    copy.unlink(missing_ok=True)
    with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        target.executescript(NEWSROOM_AT_WORK)
    return copy


def measure(bench):
    small_source = getattr(bench, "small_database", None)
    if small_source is None:
        small_source = bench.fresh_database("admin_thousand")
        bench.timed(small_source, "import", str(bench.subset("thousand", 1000)))
    small = bench.timed(newsroom_copy(bench, small_source, "admin_small"), "admin")
    large = bench.timed(newsroom_copy(bench, bench.full, "admin_full"), "admin")
    bench.results["details"]["admin"] = {"1000": small, str(bench.stories): large}
    for view, label in PAGES.items():
        target = ANALYTICS_TARGET if view.startswith("analytics") else PAGE_TARGET
        at_scale, reference = large[view], small[view]
        bench.row(
            f"{label}, {bench.stories} vs 1000 stories",
            f"{1000 * at_scale['seconds']:.1f} ms, {at_scale['queries']} queries",
            f"{1000 * reference['seconds']:.1f} ms, {reference['queries']} queries",
            f"{at_scale['seconds'] / reference['seconds']:.2f}x",
            f"< {1000 * target:.0f} ms, queries flat",
            # A list that fits on one page (at 1,000 stories, one provider's waiting ones) is
            # loaded without picking its ids first: one query fewer.
            at_scale["seconds"] < target and at_scale["queries"] <= reference["queries"] + 1,
        )
