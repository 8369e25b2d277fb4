#!/usr/bin/env python
"""
Multiply the stories of an imported SQLite database in SQL: a 100,000-story database in minutes.

    scale_copies.py SOURCE TARGET --copies N

TARGET is a copy of SOURCE (made by `manage.py migrate` and `import_stories` of a corpus) with N
copies of every story: copy k (1 to N-1; copy 0 is the original) is published k days earlier,
with its own id, slug, url_key and URLs (the canonical and reading URLs end in `#copy-k`), and
its rows of the other tables copied with it and pointed at it: related links, images (of the
story and of its related links), topics, revisions, title bands, the search index (FTS5), and
its coverage cluster (a story id, so shifted like one). Each table's ids move by a whole
multiple of the table's largest id, so every key stays unique and the copies keep the original's
order. The columns are read from the schema (`PRAGMA table_info`): a column added later is
copied as it is unless it is listed in SHIFTED.

Importing 100,000 generated files takes over an hour on a loaded 2-core machine; this takes a
few minutes and gives the same tables and indexes. It does not run ANALYZE: an import does not
either, and the planner must choose well without statistics. Benchmark data only.
"""

import argparse
import sqlite3
import sys
import time
from pathlib import Path

# For each copied table, in order (a row's parents first): the column holding its link to the
# story (None for the story itself) and the SQL expressions of the columns that change per copy.
# `{k}` is the copy's number and `{table_max}` a table's largest id before copying.
SHIFTED = {
    "articles_article": {
        "id": "id + {k} * {articles_article_max}",
        "slug": "slug || '-copy-{k}'",
        "url_key": "url_key || '#copy-{k}'",
        "canonical_url": "canonical_url || '#copy-{k}'",
        "web_url": "CASE WHEN web_url = '' THEN '' ELSE web_url || '#copy-{k}' END",
        "original_url": "CASE WHEN original_url = '' THEN '' ELSE original_url || '#copy-{k}' END",
        "published_at": "strftime('%Y-%m-%d %H:%M:%f', published_at, '-{k} days')",
        "publish_at": "strftime('%Y-%m-%d %H:%M:%f', publish_at, '-{k} days')",
        "cluster": "cluster + {k} * {articles_article_max}",
    },
    "articles_relatedlink": {
        "id": "id + {k} * {articles_relatedlink_max}",
        "article_id": "article_id + {k} * {articles_article_max}",
    },
    "articles_image": {
        "id": "id + {k} * {articles_image_max}",
        "article_id": "article_id + {k} * {articles_article_max}",
        "related_link_id": "related_link_id + {k} * {articles_relatedlink_max}",
    },
    "articles_taggedarticle": {
        "id": "id + {k} * {articles_taggedarticle_max}",
        "content_object_id": "content_object_id + {k} * {articles_article_max}",
    },
    "articles_revision": {
        "id": "id + {k} * {articles_revision_max}",
        "article_id": "article_id + {k} * {articles_article_max}",
    },
    "articles_titleband": {
        "id": "id + {k} * {articles_titleband_max}",
        "article_id": "article_id + {k} * {articles_article_max}",
        "day": "day - {k}",
    },
}
SEARCH_TABLE = "articles_article_fts"  # FTS5, keyed by the story's id as its rowid


def columns(db, table):
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]


def unique_columns(db, table):
    """Columns under a one-column unique index: each must be in SHIFTED, or the copy would fail."""
    found = set()
    for _, name, unique, *_ in db.execute(f'PRAGMA index_list("{table}")'):
        if unique:
            names = [row[2] for row in db.execute(f'PRAGMA index_info("{name}")')]
            if len(names) == 1:
                found.add(names[0])
    return found


def copy_statement(db, table, k, maxima):
    shifted = SHIFTED[table]
    missing = unique_columns(db, table) - set(shifted)
    if missing:
        raise SystemExit(f"{table}: unique column(s) {sorted(missing)} not shifted; add them to SHIFTED")
    names = columns(db, table)
    values = [shifted[name].format(k=k, **maxima) if name in shifted else f'"{name}"' for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    last = maxima[f"{table}_max"]
    return f'INSERT INTO "{table}" ({quoted}) SELECT {", ".join(values)} FROM "{table}" WHERE id <= {last}'


def scale(source, target, copies, *, log=print):
    target = Path(target)
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as original, sqlite3.connect(target) as db:
        original.backup(db)
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    maxima = {
        f"{table}_max": db.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0] for table in SHIFTED
    }
    started = time.monotonic()
    db.execute("BEGIN")
    for k in range(1, copies):
        for table in SHIFTED:
            db.execute(copy_statement(db, table, k, maxima))
        stories = maxima["articles_article_max"]
        db.execute(
            f"INSERT INTO {SEARCH_TABLE} (rowid, title, excerpt, names)"
            f" SELECT rowid + {k} * {stories}, title, excerpt, names FROM {SEARCH_TABLE} WHERE rowid <= {stories}"
        )
        if k % 10 == 0:
            log(f"copy {k} of {copies - 1} ({time.monotonic() - started:.0f} s)")
    for table in SHIFTED:
        db.execute(f'UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM "{table}") WHERE name = ?', (table,))
    db.execute("COMMIT")
    stories = db.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]
    db.close()
    return stories


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="an SQLite database made by migrate and import_stories")
    parser.add_argument("target", help="the database to write (replaced)")
    parser.add_argument("--copies", type=int, required=True, help="how many times the stories, the original included")
    options = parser.parse_args()
    if options.copies < 1:
        parser.error("--copies must be at least 1")
    started = time.monotonic()
    stories = scale(options.source, options.target, options.copies, log=lambda text: print(text, file=sys.stderr))
    print(f"{stories} stories in {options.target} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
