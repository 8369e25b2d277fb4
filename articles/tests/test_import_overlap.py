"""Two imports at once writing one new story, two new stories of one headline, two topics of one slug.

The imports' races are on PostgreSQL, where two transactions write at once.
SQLite's writers take the database one at a time (BEGIN IMMEDIATE), so the
second could not have read before the first committed.
"""

import threading
import time

import pytest
from django.db import connection, connections

from articles.models import Article, RelatedLink, Revision, Topic
from articles.stories import write
from articles.stories.write import import_paths
from articles.tests.factories import make_article

from .test_import import story_text

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite writes one transaction at a time"
)

URL = "https://example.com/racing"


def _waiting_for_a_lock(timeout=30):
    """True once a transaction of the tests waits for a lock another one holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # This test's database only: a wait elsewhere on the server proves nothing here.
            cursor.execute(
                "SELECT COUNT(*) FROM pg_locks WHERE NOT granted"
                " AND (database IS NULL OR database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _import_while_another_is_open(first, second, monkeypatch):
    """Import `first` and, while its transaction is still open, `second`; both imports' reports."""
    written, go_on = threading.Event(), threading.Event()
    replace_children = write.replace_children

    def held_open(planned, **kwargs):
        # The first import's story and children are written, its transaction still open.
        replace_children(planned, **kwargs)
        if threading.current_thread().name == "first":
            written.set()
            go_on.wait(timeout=30)

    monkeypatch.setattr(write, "replace_children", held_open)
    reports, errors = {}, []

    def run(path):
        try:
            reports[threading.current_thread().name] = import_paths([path])
        except Exception as error:  # noqa: BLE001 - the test fails on it below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(first,), name="first", daemon=True)]
    threads[0].start()
    assert written.wait(timeout=30)
    threads.append(threading.Thread(target=run, args=(second,), name="second", daemon=True))
    threads[1].start()
    try:
        assert _waiting_for_a_lock()
    finally:
        go_on.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert (reports["first"].created, reports["first"].failed) == (1, 0)
    return reports


@postgresql_only
def test_an_import_of_a_story_another_import_is_creating_waits_and_updates_it(tmp_path, monkeypatch):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(story_text(title="First import", url=URL))
    second.write_text(story_text(title="Second import", url=URL))

    reports = _import_while_another_is_open(first, second, monkeypatch)

    assert (reports["second"].updated, reports["second"].failed) == (1, 0), list(reports["second"].results)
    story = Article.objects.get(url_key=URL)
    assert (story.title, story.version) == ("Second import", 2)
    assert RelatedLink.objects.filter(article=story).count() == 1
    assert list(Revision.objects.filter(article=story).order_by("version").values_list("version", flat=True)) == [1, 2]


@postgresql_only
def test_a_new_story_with_the_headline_of_one_another_import_is_creating_gets_a_slug_of_its_own(tmp_path, monkeypatch):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    # The outlets and topics exist already: the two imports meet on nothing but the slug.
    earlier = tmp_path / "earlier.txt"
    earlier.write_text(story_text(title="Earlier", url="https://example.com/earlier"))
    assert import_paths([earlier]).created == 1
    first.write_text(story_text(title="One headline", url=URL))
    second.write_text(story_text(title="One headline", url="https://elsewhere.example/racing"))

    reports = _import_while_another_is_open(first, second, monkeypatch)

    assert (reports["second"].created, reports["second"].failed) == (1, 0), list(reports["second"].results)
    slugs = list(Article.objects.exclude(title="Earlier").order_by("pk").values_list("slug", flat=True))
    assert slugs[0] == "one-headline"
    assert slugs[1].startswith("one-headline-") and len(set(slugs)) == 2


@postgresql_only
def test_a_new_topic_whose_slug_another_import_is_taking_gets_a_slug_of_its_own(tmp_path, monkeypatch):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    # The outlets exist already: the two imports meet on nothing but the topics' slug.
    earlier = tmp_path / "earlier.txt"
    earlier.write_text(story_text(title="Earlier", url="https://example.com/earlier").replace("  - AI", "  - Science"))
    assert import_paths([earlier]).created == 1
    first.write_text(story_text(title="First", url=URL))
    second.write_text(story_text(title="Second", url="https://elsewhere.example/2").replace("  - AI", "  - A.I."))

    reports = _import_while_another_is_open(first, second, monkeypatch)

    assert (reports["second"].created, reports["second"].failed) == (1, 0), list(reports["second"].results)
    assert sorted(Topic.objects.values_list("name", "slug")) == [
        ("A.I.", Topic.objects.get(name="A.I.").slug),
        ("AI", "ai"),
        ("Science", "science"),
    ]
    assert Topic.objects.get(name="A.I.").slug.startswith("ai-")
    assert list(
        Article.objects.get(url_key="https://elsewhere.example/2").tagged_topics.values_list("tag__name", flat=True)
    ) == ["A.I."]


@postgresql_only
def test_a_story_moved_to_a_new_files_address_after_the_import_read_is_updated_not_overwritten_as_new(
    tmp_path, monkeypatch
):
    moved = make_article(title="An editor's story", published_at=None)
    path = tmp_path / "new.txt"
    path.write_text(story_text(title="The file's story", url=URL))
    plan_batch, moves = write.plan_batch, []

    def moving_meanwhile(batch, existing, **kwargs):
        # An editor's save (which takes no import lock) commits between the batch's read and its write.
        if not moves:
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("UPDATE articles_article SET url_key = %s WHERE id = %s", [URL, moved.pk])
                    moves.append(cursor.rowcount)
            finally:
                other.close()
        return plan_batch(batch, existing, **kwargs)

    monkeypatch.setattr(write, "plan_batch", moving_meanwhile)

    report = import_paths([path])

    assert moves == [1]
    assert (report.created, report.updated, report.failed) == (0, 1, 0), list(report.results)
    story = Article.objects.get()
    assert (story.pk, story.url_key, story.version) == (moved.pk, URL, moved.version + 1)
