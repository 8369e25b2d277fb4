"""The admin at 100,000 stories (docs/performance.md): flat query counts, counts still right, the indexes."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Max, Min
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.admin.dashboard import ENTRIES, attention_counts
from articles.admin.filters import start_of_today
from articles.counting import count_each, exists_each
from articles.models import Article, Image, Revision

from .factories import make_article
from .test_admin import changelist, listed

pytestmark = pytest.mark.django_db

LIST_VIEWS = [
    {},
    {"review": "needed"},
    {"state": "waiting"},
    {"state": "held"},
    {"category": "news"},
    {"quality_band": "high"},
    {"q": "story"},
]


def newsroom(count):
    """`count` stories in a newsroom's mix of states, with topics and images."""
    now = timezone.now()
    for n in range(count):
        story = make_article(published=n % 3 == 0, quality=20 + 7 * n % 80, topics=["AI", f"T{n % 4}"], images=2)
        if n % 5 == 1:
            Article.objects.filter(pk=story.pk).update(held_at=now)
        if n % 7 == 2:
            Article.objects.filter(pk=story.pk).update(status="scheduled", published=True, publish_at=now)
        if n % 11 == 3:
            Article.objects.filter(pk=story.pk).update(status="taken_down", status_by="import", published=False)
        if n % 4 == 0:
            Article.objects.filter(pk=story.pk).update(source_failures=2, source_broken_at=now)
            Revision.objects.create(article=story, source="upload", status="pending", version=1, content={})


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


@pytest.mark.parametrize("params", LIST_VIEWS, ids=lambda params: "&".join(params) or "default")
def test_the_story_list_takes_as_many_queries_for_30_stories_as_for_3(admin_client, params):
    newsroom(3)
    few, _ = queries_of(admin_client, changelist(**params))
    newsroom(27)
    many, _ = queries_of(admin_client, changelist(**params))
    assert many == few


def test_triage_takes_as_many_queries_for_30_stories_as_for_3(admin_client):
    newsroom(3)
    few = [queries_of(admin_client, f"{reverse('admin:articles_article_triage')}?at={at}")[0] for at in (0, 1)]
    newsroom(27)
    many = [queries_of(admin_client, f"{reverse('admin:articles_article_triage')}?at={at}")[0] for at in (0, 20)]
    assert many == few


def test_the_home_takes_as_many_queries_for_30_stories_as_for_3_and_counts_in_one(admin_client):
    newsroom(3)
    few, _ = queries_of(admin_client, reverse("admin:index"))
    newsroom(27)
    with CaptureQueriesContext(connection) as captured:
        assert admin_client.get(reverse("admin:index")).status_code == 200
    assert len(captured) == few
    counting = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 1


def test_the_home_counts_what_each_entry_counts_one_by_one(admin_client):
    newsroom(30)
    today = start_of_today()
    expected = [
        entry.stories(today).order_by().distinct().count() if entry.distinct else entry.stories(today).count()
        for entry in ENTRIES
    ]
    assert [count.count for count in attention_counts()] == expected
    assert all(expected), expected
    for count in attention_counts():
        assert admin_client.get(count.url).context["cl"].result_count == count.count, count.label


def test_counts_and_existence_of_several_querysets_in_one_query():
    newsroom(6)
    sets = [Article.objects.waiting(), Article.objects.filter(quality__gte=1000), Image.objects.all()]
    with CaptureQueriesContext(connection) as captured:
        counts, found = count_each(sets), exists_each(sets)
    assert counts == [sets[0].count(), 0, Image.objects.count()]
    assert found == [True, False, True]
    assert len(captured) == 2


def test_a_list_page_is_the_stories_of_the_list_order_loaded_by_id(admin_client):
    # Many stories share a date: the id decides their order, on both pages.
    for n in range(60):
        make_article(published_at=timezone.now() - dt.timedelta(minutes=n % 7), title=f"Ordered {n}")
    expected = list(Article.objects.order_by("-published_at", "-id").values_list("title", flat=True))
    assert listed(admin_client.get(changelist())) + listed(admin_client.get(changelist(p=2))) == expected


def test_the_date_hierarchy_months_and_days_match_django_without_truncating_dates(admin_client):
    for day in (dt.datetime(2024, 1, 31, 23, 30), dt.datetime(2024, 3, 2, 1), dt.datetime(2024, 3, 9, 12)):
        make_article(published_at=timezone.make_aware(day, dt.UTC))
    fast = Article.objects.with_fast_year_dates()
    for kind, stories in (("month", fast), ("day", fast.filter(published_at__month=3))):
        assert list(stories.datetimes("published_at", kind)) == list(QuerySet.datetimes(stories, "published_at", kind))
    assert fast.aggregate(first=Min("published_at"), last=Max("published_at")) == QuerySet.aggregate(
        Article.objects.all(), first=Min("published_at"), last=Max("published_at")
    )
    with CaptureQueriesContext(connection) as captured:
        html = admin_client.get(changelist(published_at__year=2024)).content.decode()
    assert "published_at__month=1" in html and "published_at__month=3" in html
    assert "published_at__month=2" not in html
    assert not [q["sql"] for q in captured.captured_queries if "TRUNC" in q["sql"].upper()]


def test_the_category_filter_lists_every_category_once(admin_client):
    for category in ("news", "sport", "news", ""):
        make_article(category=category)
    spec = next(f for f in admin_client.get(changelist()).context["cl"].filter_specs if f.title.lower() == "category")
    assert list(spec.lookup_choices) == ["", "news", "sport"]


def test_the_admin_indexes_exist():
    with connection.cursor() as cursor:
        stories = connection.introspection.get_constraints(cursor, Article._meta.db_table)
        images = connection.introspection.get_constraints(cursor, Image._meta.db_table)
    for name in (
        "article_by_status_date",
        "article_triage_queue",
        "article_scheduled",
        "article_taken_down",
        "article_by_category",
        "article_provider_figures",
    ):
        assert stories[name]["index"], name
    assert stories["article_by_category"]["columns"] == ["category", "published_at", "id"]
    assert images["image_cached"]["index"]
