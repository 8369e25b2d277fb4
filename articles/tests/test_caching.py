"""The public pages' freshness memo: cheap on every request, never stale for this process's own edits."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import pagecache
from articles.models import Article, Topic
from articles.services import stories_changed

from .factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def memo(settings):
    settings.NEWSROOM_FRESHNESS_SECONDS = 60


def test_cached_page_costs_no_query_while_the_memo_holds(client, memo, django_assert_num_queries):
    make_article(title="First")
    client.get("/")
    with django_assert_num_queries(0):
        response = client.get("/")
    assert "First" in response.content.decode()


def test_an_edit_through_the_app_shows_at_once(client, memo):
    article = make_article(title="Before")
    assert "Before" in client.get(article.get_absolute_url()).content.decode()
    article.title = "After"
    article.save()
    stories_changed([article.pk])  # what every writer of the app calls (articles.services)
    assert "After" in client.get(article.get_absolute_url()).content.decode()


def test_a_change_behind_the_apps_back_shows_on_a_listing_once_the_memo_expires(client, memo, settings):
    article = make_article(title="Before")
    client.get("/")
    # As another process's bulk action does: no signal here, but updated_at moves.
    Article.objects.filter(pk=article.pk).update(title="After", updated_at=timezone.now())
    assert "Before" in client.get("/").content.decode()
    settings.NEWSROOM_FRESHNESS_SECONDS = 0
    assert "After" in client.get("/").content.decode()


def test_a_change_behind_the_apps_back_shows_on_the_story_page_at_once(client, memo):
    # Its stamp, the versions of what it shows, is read on every visit.
    article = make_article(title="Before")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="After", updated_at=timezone.now())
    assert "After" in client.get(article.get_absolute_url()).content.decode()


def test_another_processs_topic_token_is_read_with_the_freshness_not_on_every_request(memo, settings, monkeypatch):
    computed = []

    def compute():
        computed.append(1)
        return {"updated": None, "published": len(computed)}

    pagecache.note_local_change()  # whatever an earlier test left remembered
    first, generation = pagecache.remembered_freshness(compute)
    reads = []
    monkeypatch.setattr(pagecache, "public_generations", lambda: reads.append(1) or ("from-another-process", ""))

    # Another process renamed a topic: within the memo, this one asks neither the cache nor the database.
    assert pagecache.remembered_freshness(compute) == (first, generation)
    assert reads == [] and len(computed) == 1

    settings.NEWSROOM_FRESHNESS_SECONDS = 0
    assert pagecache.remembered_freshness(compute)[1] == ("from-another-process", "")
    assert reads == [1]


def test_the_freshness_is_remembered_per_database(memo):
    # A replica's readers key their pages by the replica's freshness, not by the primary's
    # that a staff request of the same process read a moment before.
    pagecache.note_local_change()
    primary = pagecache.remembered_freshness(lambda: {"updated": None, "published": 2}, "default")
    replica = pagecache.remembered_freshness(lambda: {"updated": None, "published": 1}, "replica")

    assert primary[0] == {"updated": None, "published": 2}
    assert replica[0] == {"updated": None, "published": 1}
    assert pagecache.remembered_freshness(lambda: {"updated": None, "published": 9}, "replica") == replica


def test_the_requests_of_one_remembered_freshness_share_its_versions_and_a_change_makes_new_ones(memo, rf):
    pagecache.note_local_change()
    make_article(title="Before")
    first, second = pagecache.freshness(rf.get("/")), pagecache.freshness(rf.get("/"))
    assert first is second and first.version == second.version

    make_article(title="After")  # through articles.services, as every writer of the app
    changed = pagecache.freshness(rf.get("/"))

    assert changed is not first and changed.version != first.version
    assert changed.published == first.published + 1


def test_the_filter_choices_are_looked_for_in_the_cache_at_most_once_a_memo(client, memo, monkeypatch):
    make_article(topics=["Space"])
    client.get("/topics/")
    asked = []
    real = cache.has_key
    monkeypatch.setattr(cache, "has_key", lambda key, *args: asked.append(key) or real(key, *args))

    # Pages not built yet: each reads the choices (its header, its filter form).
    for path in ("/topics/space/", "/providers/", "/?category=news"):
        assert "Space" in client.get(path).text
    assert not [key for key in asked if ":choices:" in key]

    # A cleared cache starts them afresh once the memo expires: the operator's way after writes behind
    # the app's back.
    Topic.objects.filter(name="Space").update(name="Outer space")
    cache.clear()
    pagecache._shared["choices"] = (*pagecache._shared["choices"][:2], 0.0)
    assert "Outer space" in client.get("/topics/").text


def test_without_the_page_cache_pages_are_built_each_time(client, settings):
    settings.NEWSROOM_PAGE_CACHE = False
    article = make_article(title="Built")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="Rebuilt")
    assert "Rebuilt" in client.get(article.get_absolute_url()).content.decode()


def test_deep_pages_list_the_same_stories_as_a_plain_offset(client, monkeypatch):
    from articles.pagecache import CountCachingPaginator

    monkeypatch.setattr(CountCachingPaginator, "DEFERRED_JOIN_OFFSET", 20)
    for n in range(45):
        make_article(title=f"Story {n:02d}", published_at=timezone.now() - timezone.timedelta(minutes=n))
    expected = [a.title for a in Article.objects.for_listing()[40:60]]
    response = client.get("/", {"page": 3})
    assert [a.title for a in response.context["page_obj"].object_list] == expected
    assert expected == ["Story 40", "Story 41", "Story 42", "Story 43", "Story 44"]


def test_years_of_the_date_hierarchy_come_from_the_index_and_match_django():
    import datetime

    from django.db.models.query import QuerySet

    for year in (2019, 2021, 2021, 2024):
        make_article(published_at=datetime.datetime(year, 6, 1, tzinfo=datetime.UTC))
    ours = list(Article.objects.with_fast_year_dates().datetimes("published_at", "year"))
    django = list(QuerySet.datetimes(Article.objects.all(), "published_at", "year"))
    assert ours == django
    assert [d.year for d in ours] == [2019, 2021, 2024]
    assert [
        d.year
        for d in Article.objects.filter(published_at__year=2021)
        .with_fast_year_dates()
        .datetimes("published_at", "year", "DESC")
    ] == [2021]


def test_cached_pages_are_kept_per_host_and_scheme(client, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    make_article(title="Shared story")
    client.get("/", HTTP_HOST="b.example")
    page = client.get("/", HTTP_HOST="a.example").content.decode()
    assert '<link rel="canonical" href="http://a.example/">' in page
    secure = client.get("/", HTTP_HOST="a.example", secure=True).content.decode()
    assert '<link rel="canonical" href="https://a.example/">' in secure


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_the_freshness_is_read_from_an_index_alone():
    make_article(published=True)
    with CaptureQueriesContext(connection) as queries:
        Article.objects.freshness()
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        plan = " ".join(str(row[-1]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}").fetchall())
    assert "SCAN articles_article USING COVERING INDEX article_published_freshness" in plan
