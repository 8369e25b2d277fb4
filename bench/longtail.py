"""
The long-tail workload: readers ask for uniformly random URLs among every live
story, topic and provider page and 200 filter and search combinations, while an
editor saves a story every 2 s and 100 changed files are imported every 60 s
(bench/timed.py churn). On such a tail a request asks for a page few readers
asked for since the last change: only the pages each change leaves alone can
be served from the cache.
"""

import random
import sqlite3
from urllib.parse import quote, urlencode

FILTER_COMBINATIONS = 200


def newsroom_paths(database, *, seed=1):
    """Every live story, topic and provider page, and FILTER_COMBINATIONS listings with filters or a search."""
    with sqlite3.connect(database) as conn:
        stories = [row[0] for row in conn.execute("SELECT slug FROM articles_article WHERE published ORDER BY id")]
        # Topics and providers with a live story: the others' pages are 404s, which readers do not ask for.
        topics = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT t.slug FROM articles_topic t JOIN articles_taggedarticle x ON x.tag_id = t.id"
                " JOIN articles_article a ON a.id = x.content_object_id WHERE a.published ORDER BY t.slug"
            )
        ]
        providers = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT p.slug FROM providers_provider p JOIN articles_article a ON a.provider_id = p.id"
                " WHERE a.published ORDER BY p.slug"
            )
        ]
        words = [
            word
            for (title,) in conn.execute("SELECT title FROM articles_article WHERE published ORDER BY id LIMIT 500")
            for word in title.split()
            if len(word) > 4 and word.isalpha()
        ]
    rng = random.Random(seed)
    combinations = set()
    while len(combinations) < FILTER_COMBINATIONS:
        query = {}
        if rng.random() < 0.5:
            query["topic"] = rng.choice(topics)
        if rng.random() < 0.3:
            query["top"] = "on"
        if rng.random() < 0.3:
            query["type"] = rng.choice(["article", "video"])
        if rng.random() < 0.4 or not query:
            query["q"] = rng.choice(words)
        combinations.add("/?" + urlencode(sorted(query.items())))
    # Pages of the main listing; a filtered listing's later pages may not exist.
    pages = [f"/?page={page}" for page in range(2, max(len(stories) // 20, 2) + 1)]
    # Slugs may be in any script (a Greek or Chinese headline's): sent percent-encoded, as browsers send them.
    return [
        *(f"/stories/{quote(slug)}/" for slug in stories),
        *pages,
        *(f"/topics/{quote(slug)}/" for slug in topics),
        *(f"/providers/{quote(slug)}/" for slug in providers),
        *sorted(combinations),
    ]
