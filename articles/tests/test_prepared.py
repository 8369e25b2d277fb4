"""Prepared queries (articles.prepared): written once per shape, bound per request, rows as the ORM gives them."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.models import Max, Q, Subquery, signals
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import prepared
from articles.models import Article, RelatedLink
from articles.prepared import PreparedQuery, instance, instance_from_row
from articles.story_page import story_by_slug, story_coverage, story_page_versions, story_parts
from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db

COLUMNS = ("pk", "title", "slug", "published_at", "updated_at", "provider__name", "extra")


def counting(build):
    """`build`, counting the times the ORM is asked for the query."""
    calls = []

    def counted(*arguments):
        calls.append(arguments)
        return build(*arguments)

    return counted, calls


def test_rows_are_the_orms_for_ids_and_texts_and_the_sql_is_written_once_per_shape():
    stories = [make_article(provider=make_provider(name=f"Outlet {n}")) for n in range(4)]
    by_ids, ids_built = counting(lambda ids: Article.objects.filter(pk__in=ids).order_by("pk").values_list(*COLUMNS))
    by_slug, slug_built = counting(lambda slug: Article.objects.filter(slug=slug).values_list(*COLUMNS))
    ids_query, slug_query = PreparedQuery(by_ids), PreparedQuery(by_slug)

    for chosen in ([stories[0], stories[2]], [stories[1], stories[3]], stories[:3]):
        expected = list(Article.objects.filter(pk__in=[s.pk for s in chosen]).order_by("pk").values_list(*COLUMNS))
        assert ids_query.rows([s.pk for s in chosen]) == expected
    for story in stories:
        assert slug_query.rows(story.slug) == list(Article.objects.filter(pk=story.pk).values_list(*COLUMNS))

    assert len(ids_built) == 2  # two ids, then three
    assert len(slug_built) == 1


def test_raw_rows_converted_later_are_the_orms_rows():
    story = make_article(extra={"kept": ["as", "json"]})
    query = PreparedQuery(lambda ids: Article.objects.filter(pk__in=ids).values_list(*COLUMNS))
    with pytest.raises(RuntimeError, match="raw_rows"):
        query.converted([], using="default")

    raw = query.raw_rows([story.pk])

    # Whatever the driver gave (SQLite's JSON as text; psycopg's decoded already).
    assert query.converted(raw) == list(Article.objects.filter(pk=story.pk).values_list(*COLUMNS))


@pytest.mark.parametrize("slug", ["x' OR '1'='1", 'x" OR 1=1 --', "%", "\\", "story-number-1;DROP TABLE x"])
def test_a_bound_text_is_a_value_never_sql(slug):
    make_article()
    query = PreparedQuery(lambda slug: Article.objects.filter(slug=slug).values_list("pk"))
    assert query.rows(slug) == []
    assert Article.objects.exists()


def test_a_query_that_drops_an_argument_is_refused_when_written():
    query = PreparedQuery(lambda slug: Article.objects.filter(slug="fixed").values_list("pk"))
    with pytest.raises(RuntimeError, match="is not in"):
        query.rows("anything")


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite's cursor rewrites SQL")


def driver_calls(monkeypatch):
    """The calls that went to the driver's connection instead of Django's cursor."""
    calls = []

    def counted(*arguments):
        calls.append(arguments)
        return driver_rows(*arguments)

    driver_rows = prepared._driver_rows
    monkeypatch.setattr(prepared, "_driver_rows", counted)
    return calls


@sqlite_only
def test_an_unwatched_sqlite_connection_runs_the_query_on_the_driver_with_the_orms_rows(monkeypatch):
    stories = [make_article(provider=make_provider(name=f"Outlet {n}")) for n in range(3)]
    query = PreparedQuery(lambda slug: Article.objects.filter(slug=slug).values_list(*COLUMNS))
    calls = driver_calls(monkeypatch)

    for story in stories:
        assert query.rows(story.slug) == list(Article.objects.filter(pk=story.pk).values_list(*COLUMNS))

    # The first through Django's cursor, which gives the driver's SQL; the others on the driver.
    assert len(calls) == 2
    assert "%s" not in calls[0][1] and "?" in calls[0][1]


def test_a_watched_connection_sees_every_prepared_query(monkeypatch):
    story = make_article()
    query = PreparedQuery(lambda slug: Article.objects.filter(slug=slug).values_list("pk"))
    query.rows(story.slug)
    calls = driver_calls(monkeypatch)
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many)

    with CaptureQueriesContext(connection) as captured:
        assert query.rows(story.slug) == [(story.pk,)]
    with connection.execute_wrapper(wrapper):
        assert query.rows(story.slug) == [(story.pk,)]

    assert len(captured) == 1 and len(seen) == 1
    assert calls == []


@sqlite_only
def test_a_query_on_the_driver_is_refused_in_a_broken_transaction_and_raises_djangos_errors():
    story = make_article()
    query = PreparedQuery(lambda slug: Article.objects.filter(slug=slug).values_list("pk"))
    query.rows(story.slug)

    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            query.rows(story.slug)
    (key,) = query._driver_sql
    query._driver_sql[key] = "SELECT id FROM no_such_table WHERE slug = ?"
    with pytest.raises(OperationalError, match="no_such_table"):
        query.rows(story.slug)


def test_an_instance_from_columns_is_the_orms_with_the_rest_deferred():
    story = make_article(title="Loaded")
    loaded = instance(Article, {"id": story.pk, "title": "Loaded", "slug": story.slug})
    assert loaded == story and loaded.title == "Loaded" and loaded.get_absolute_url() == story.get_absolute_url()
    assert loaded.get_deferred_fields() >= {"excerpt", "body"}


def test_the_story_pages_rows_are_the_orms():
    outlet, other = make_provider(name="Outlet"), make_provider(name="Other")
    story = make_article(provider=outlet, topics=["Zeta", "Alpha"], images=2, related=3)
    story.related_links.filter(position=1).update(provider=other)
    story.related_links.filter(position=2).update(provider=None)

    found = story_by_slug(story.slug)
    images, topics, links = story_parts(found)

    stored = Article.objects.for_detail().get(pk=story.pk)
    assert (found.pk, found.title, found.published_at, found.provider.name) == (
        stored.pk,
        stored.title,
        stored.published_at,
        "Outlet",
    )
    assert images == list(stored.images.order_by("position"))
    assert [image.picture_files for image in images] == [image.picture_files for image in stored.images.all()]
    assert [topic.name for topic in topics] == ["Zeta", "Alpha"]
    assert [(link.title, link.provider and link.provider.name) for link in links] == [
        (link.title, link.provider and link.provider.name) for link in stored.related_links.order_by("position")
    ]
    assert story_by_slug("no-such-story") is None


def _versions_by_the_orm(slug):
    """The story page's stamp as the ORM wrote it before it was prepared: the reference."""
    public = Article.objects.published()
    cluster = public.filter(slug=slug).values("cluster")[:1]
    return list(
        public.filter(Q(slug=slug) | Q(cluster=Subquery(cluster)))
        .order_by("pk")
        .values_list("pk", "slug", "updated_at", "provider__updated_at")
        .annotate(linked=Max("related_links__provider__updated_at"))
    )


def test_the_story_pages_stamp_is_the_orms_for_every_schedule_and_cluster():
    now = timezone.now()
    story = make_article(related=2)
    live = make_article()
    unpublished = make_article(published=False)
    scheduled = make_article(publish_at=now + dt.timedelta(hours=1))
    expired = make_article(unpublish_at=now - dt.timedelta(hours=1))
    alone = make_article()
    cluster = [story, live, unpublished, scheduled, expired]
    Article.objects.filter(pk__in=[s.pk for s in cluster]).update(cluster=story.pk)

    for each in (*cluster, alone):
        assert story_page_versions(each.slug) == _versions_by_the_orm(each.slug), each.title
    assert [row[0] for row in story_page_versions(story.slug)] == [story.pk, live.pk]
    assert story_page_versions(unpublished.slug) == [] and story_page_versions("no-such-story") == []


def _coverage_by_the_orm(article):
    """The coverage list as the ORM built it before it was prepared: the reference."""
    stories = list(Article.objects.published().cluster_of(article).select_related("provider"))
    stories.sort(key=lambda story: (story.published_at, story.pk), reverse=True)
    outlets = {article.provider_id, *(link.provider_id for link in article.related_links.all())}
    outlets |= {story.provider_id for story in stories}
    outlets |= set(RelatedLink.objects.filter(article__in=stories).values_list("provider_id", flat=True))
    outlets.discard(None)
    return len(outlets), [(story.pk, story.title, story.provider and story.provider.name) for story in stories]


def test_the_coverage_list_is_the_orms_for_every_schedule_and_outlet():
    now = timezone.now()
    story = make_article(related=2)
    others = [
        make_article(related=1),
        make_article(provider=None),
        make_article(published=False, related=3),
        make_article(publish_at=now + dt.timedelta(hours=1)),
        make_article(unpublish_at=now - dt.timedelta(hours=1)),
    ]
    Article.objects.filter(pk__in=[story.pk, *(s.pk for s in others)]).update(cluster=story.pk)
    story.refresh_from_db()

    images, topics, links = story_parts(story)
    coverage = story_coverage(story, links)

    shown = [(s.pk, s.title, s.provider and s.provider.name) for s in coverage["stories"]]
    assert (coverage["outlets"], shown) == _coverage_by_the_orm(story)
    assert [pk for pk, *_ in shown] == [others[0].pk, others[1].pk]
    assert story_coverage(make_article(), []) == {"outlets": 0, "stories": []}


def test_a_distinct_query_ordered_by_another_column_gives_its_own_columns_only():
    make_article(related=3)
    query = PreparedQuery(lambda story: RelatedLink.objects.filter(article=story).values_list("provider_id").distinct())
    story = RelatedLink.objects.first().article_id
    assert sorted(query.rows(story)) == sorted(
        RelatedLink.objects.filter(article=story).values_list("provider_id").distinct()
    )


@pytest.mark.django_db(transaction=True)
def test_rows_are_converted_for_each_threads_own_connection():
    story = make_article(title="Threaded", provider=make_provider(name="Outlet"))
    query = PreparedQuery(lambda slug: Article.objects.filter(slug=slug).values_list(*COLUMNS))
    expected = list(Article.objects.filter(pk=story.pk).values_list(*COLUMNS))
    assert query.rows(story.slug) == expected

    def in_another_thread():
        try:
            return query.rows(story.slug)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(in_another_thread).result() == expected
    # Aware datetimes, as the ORM converts them, in both.
    assert expected[0][3].tzinfo is not None


def test_an_instance_from_a_row_takes_its_columns_in_any_order_and_an_absent_relation_as_none():
    story = make_article(title="With outlet", provider=make_provider(name="Outlet"))
    alone = make_article(title="Without outlet", provider=None)
    names = ("provider__name", "title", "provider__id", "pk", "slug")
    for article in (story, alone):
        row = Article.objects.filter(pk=article.pk).values_list(*names).get()
        built = instance_from_row(Article, names, row)
        assert (built.pk, built.title, built.slug) == (article.pk, article.title, article.slug)
        if article.provider_id is None:
            assert built.provider is None
        else:
            assert (built.provider.pk, built.provider.name) == (article.provider_id, "Outlet")
            assert built.provider.get_deferred_fields() >= {"domain"}


def test_an_instance_from_a_row_is_the_one_the_orm_loads_with_the_same_fields():
    story = make_article(title="Same", provider=make_provider(name="Outlet"))
    names = ("pk", "title", "slug", "published_at", "extra", "provider__id", "provider__name")
    row = Article.objects.filter(pk=story.pk).values_list(*names).get()
    built = instance_from_row(Article, names, row, using="default")
    shown = ("title", "slug", "published_at", "extra", "provider__name")
    loaded = Article.objects.select_related("provider").only(*shown).get()

    def state(obj):
        return {name: value for name, value in vars(obj).items() if name != "_state"}, obj._state.db, obj._state.adding

    assert state(built) == state(loaded)
    assert state(built.provider) == state(loaded.provider)
    assert built.get_deferred_fields() == loaded.get_deferred_fields()
    built.title = "Saved"
    built.save(update_fields=["title"])
    assert Article.objects.get(pk=story.pk).title == "Saved"
    assert built.excerpt == story.excerpt  # a deferred field is read from the database when asked for


def test_models_watched_by_init_signals_are_built_by_from_db_so_receivers_see_them():
    story = make_article(title="Watched")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.title)

    signals.post_init.connect(receiver, sender=Article)
    try:
        instance_from_row(Article, ("pk", "title"), (story.pk, "Watched"))
    finally:
        signals.post_init.disconnect(receiver, sender=Article)
    assert seen == ["Watched"]
