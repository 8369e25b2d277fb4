"""Freshness under churn: while an editor saves stories and an import of changed files runs,
readers never get a page older than the last change whose save has returned.

The real page cache (the settings' backend, locmem in tests) and the real
freshness memo (NEWSROOM_FRESHNESS_SECONDS) are in play, so what is tested is
the cache keying: pages, cards, choices and counts all keyed by the content.
"""

import contextlib
import re
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from articles import editorial
from articles.models import Article
from articles.services import stories_changed
from articles.stories.write import import_paths
from articles.tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 3.0
EDITED = 3
IMPORTED = 3

STORY_FILE = """---
category: news
title: "{title}"
originalUrl: "https://imported.example/{n}"
webUrl: "https://imported.example/{n}"
publishedDateTime: 2026-01-0{day}T10:00:00Z
type: article
quality: 90
heat: 3
published: true

provider:
  name: Imported News
  domain: imported.example

topics:
  - Churn
---
"""


def _editor_title(n, k):
    return f"Edited story {n} revision {k:04d}"


def _import_title(n, k):
    return f"Imported story {n} revision {k:04d}"


def _write_files(folder, k):
    paths = []
    for n in range(IMPORTED):
        path = folder / f"story-{n}.txt"
        path.write_text(STORY_FILE.format(title=_import_title(n, k), n=n, day=n + 1))
        paths.append(path)
    return paths


class Log:
    """Changes (when their save returned) and fetches (when they began), on one clock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changes = []  # (returned at, story key, revision)
        self.fetches = []  # (began at, path, status, text)
        self.errors = []

    def change(self, story, revision):
        with self.lock:
            self.changes.append((time.monotonic(), story, revision))

    def fetch(self, began, path, response):
        with self.lock:
            self.fetches.append((began, path, response.status_code, response.content.decode()))


def _in_thread(log, work, ready, alone):
    def run():
        try:
            # Each thread's connection opened, and SQLite's JSON probe (a BEGIN IMMEDIATE of
            # its own) made, one thread at a time before anyone writes: two probes at once on
            # the tests' shared in-memory database fail at once and would cache "no JSON".
            with alone:
                connection.ensure_connection()
                assert connection.features.supports_json_field
            ready.wait(timeout=30)
            work()
        except Exception as error:  # noqa: BLE001 - reported by the test, which fails on it
            log.errors.append(repr(error))
            # The others stop waiting for this thread at the barrier instead of hanging.
            ready.abort()
        finally:
            connection.close()

    # A daemon thread: one stuck thread fails this test, it never keeps pytest from exiting.
    return threading.Thread(target=run, daemon=True)


def _one_at_a_time():
    """What keeps the threads' transactions apart where the database does not.

    The tests' SQLite database in memory shares one cache between connections:
    a reader meeting a writer's table lock fails at once instead of waiting, and
    reading uncommitted rows would show pages no reader ever gets. There each
    request and each write transaction runs alone (readers still see the writes
    land between any two requests); on a database of its own (DATABASE_URL:
    PostgreSQL, or an SQLite file) they overlap freely.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return threading.Lock()
    return contextlib.nullcontext()


@pytest.fixture
def newsroom(settings, tmp_path):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_FRESHNESS_SECONDS = 1
    cache.clear()
    edited = [make_article(title=_editor_title(n, 0), topics=["Churn"], published_at=None) for n in range(EDITED)]
    report = import_paths(_write_files(tmp_path, 0))
    assert report.created == IMPORTED, report.results
    imported = list(Article.objects.filter(url_key__startswith="https://imported.example/").order_by("url_key"))
    assert [story.title for story in imported] == [_import_title(n, 0) for n in range(IMPORTED)]
    yield edited, imported
    cache.clear()


def test_readers_never_get_a_page_older_than_a_returned_save(newsroom, tmp_path):
    edited, imported = newsroom
    stories = {("edit", n): story.slug for n, story in enumerate(edited)}
    stories |= {("import", n): story.slug for n, story in enumerate(imported)}
    title = {"edit": _editor_title, "import": _import_title}
    paths = ["/", "/topics/churn/", *(f"/stories/{slug}/" for slug in stories.values())]
    log = Log()
    stop = time.monotonic() + SECONDS + 2
    alone = _one_at_a_time()

    def editor():
        revision = 0
        while time.monotonic() < stop:
            revision += 1
            for n, story in enumerate(edited):
                with alone:
                    # The admin's save: a new headline moves no list, so the lists that show it
                    # are kept and checked by their cards (articles.pagecache, `listed`).
                    story.title = _editor_title(n, revision)
                    editorial.save_story(article=story, expected_version=story.version, user=None)
                log.change(("edit", n), revision)
            time.sleep(0.05)

    def importer():
        revision = 0
        while time.monotonic() < stop:
            revision += 1
            with alone:
                report = import_paths(_write_files(tmp_path, revision))
            assert report.failed == 0, report.results
            for n in range(IMPORTED):
                log.change(("import", n), revision)
            time.sleep(0.1)

    def reader():
        client = Client()
        while time.monotonic() < stop + 0.5:
            for path in paths:
                with alone:
                    began = time.monotonic()
                    response = client.get(path)
                log.fetch(began, path, response)

    works = (editor, importer, reader, reader)
    ready = threading.Barrier(len(works))
    threads = [_in_thread(log, work, ready, alone) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    assert not log.errors, log.errors
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"

    assert max(revision for _, (kind, _), revision in log.changes if kind == "import") >= 2
    assert max(revision for _, (kind, _), revision in log.changes if kind == "edit") >= 3
    checked = 0
    for began, path, status, text in log.fetches:
        assert status == 200, (path, status)
        for (kind, n), slug in stories.items():
            if path.startswith("/stories/") and path != f"/stories/{slug}/":
                continue
            returned = [rev for at, story, rev in log.changes if story == (kind, n) and at < began]
            if not returned:
                continue
            last = max(returned)
            shown = [rev for rev in range(last + 3) if title[kind](n, rev) in text]
            assert shown, (path, kind, n, last, re.findall(r"(?:Edited|Imported) story \d revision \d+", text))
            assert min(shown) >= last, f"{path} showed {kind} story {n} at revision {min(shown)} after {last} was saved"
            checked += 1
    assert checked > 50


@pytest.mark.django_db(transaction=False)
def test_a_change_stamped_before_one_that_committed_first_still_shows(settings, client):
    """A slow import stamps updated_at, an editor's save of another story commits a later one first:
    once the import commits, the latest updated_at has not moved, yet its change must show."""
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()
    story, other = make_article(title="Before the import"), make_article(title="Another story")
    stamped_by_the_import = timezone.now()
    other.title = "Another story, edited"
    other.save()
    stories_changed([other.pk])
    # Both pages built after the editor's save, under the content's freshness of that moment.
    assert "Before the import" in client.get("/").text
    assert "Before the import" in client.get(story.get_absolute_url()).text

    Article.objects.filter(pk=story.pk).update(title="After the import", updated_at=stamped_by_the_import)
    stories_changed([story.pk])

    assert "After the import" in client.get("/").text
    assert "After the import" in client.get(story.get_absolute_url()).text
    cache.clear()
