"""Provider analytics: the figures, the admin pages with their SVG charts and CSV, and their query counts."""

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.analytics import QUALITY_BIN, QUALITY_BINS, provider_analytics
from articles.images.counts import refresh_image_counts
from articles.models import Article, Image
from articles.services import stories_changed
from articles.stories.write import import_paths

from .conftest import FIXTURES_DIR
from .factories import make_article, make_image, make_provider, make_related
from .test_admin import editorial_groups, staff_user  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOON = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))


@pytest.fixture
def newsroom():
    verge = make_provider(name="The Verge", domain="theverge.com")
    wired = make_provider(name="=Wired", domain="wired.com")
    make_article(provider=verge, quality=5, heat=10, published_at=NOON, images=2)
    make_article(provider=verge, quality=75, heat=30, published_at=NOON - dt.timedelta(days=8), published=False)
    make_article(provider=verge, quality=150, heat=-1, published_at=NOON - dt.timedelta(days=1))
    make_article(provider=wired, quality=42, heat=-1, published_at=NOON, images=1)
    make_article(provider=wired, quality=42, published_at=NOON - dt.timedelta(days=400))
    Image.objects.filter(article__provider=verge).update(file="images/a.jpg")
    # As the image jobs do after storing a copy: every writer tells stories_changed().
    stories_changed(Article.objects.filter(provider=verge).values_list("pk", flat=True), text=False)
    checked = Article.objects.filter(provider=verge, published_at__gte=NOON - dt.timedelta(days=1))
    checked.update(source_checked_at=NOON)
    checked.filter(quality=5).update(source_failures=2, source_broken_at=NOON)
    return verge, wired


def url(provider=None, **params):
    name = "admin:providers_provider_analytics"
    path = reverse(f"{name}_one", args=[provider.pk]) if provider else reverse(name)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_figures_per_provider_over_the_range(newsroom):
    verge, wired = newsroom
    figures = provider_analytics(since=TODAY - dt.timedelta(weeks=4), until=TODAY)
    by_name = {item.name: item for item in figures.providers}
    assert (by_name["The Verge"].stories, by_name["The Verge"].live) == (3, 2)
    assert by_name["The Verge"].average_heat == 20  # -1 is "not computed"
    assert by_name["=Wired"].average_heat is None
    assert (by_name["The Verge"].images, by_name["The Verge"].image_cache_rate) == (2, 1.0)
    assert by_name["=Wired"].image_cache_rate == 0
    verge_sources = by_name["The Verge"]
    assert (verge_sources.checked, verge_sources.broken, verge_sources.broken_source_rate) == (2, 1, 0.5)
    assert by_name["=Wired"].broken_source_rate is None
    assert dict(figures.quality) == {"0–9": 1, "40–49": 1, "70–79": 1, "100+": 1} | {
        label: 0 for label, _ in figures.quality if label not in ("0–9", "40–49", "70–79", "100+")
    }
    assert sum(count for _, count in figures.weekly) == 4
    assert figures.total.stories == 4 and figures.total.average_heat == 20


def test_one_provider_and_a_range_that_leaves_stories_out(newsroom):
    verge, _ = newsroom
    figures = provider_analytics(since=TODAY, until=TODAY, provider=verge)
    assert [(item.name, item.stories) for item in figures.providers] == [("The Verge", 1)]


def test_the_page_draws_svg_charts_readable_without_scripts(admin_client, newsroom):
    response = admin_client.get(url())
    assert response.status_code == 200
    html = response.text
    assert "<script" not in html.split('id="content-main"')[1]
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg"')
    svg = html[start : html.index("</svg>", start) + 6]
    root = ET.fromstring(svg)
    bars = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 11
    assert "0–9: 1" in svg
    assert "The Verge" in html and "67%" in html


def test_each_chart_has_its_csv(admin_client, newsroom):
    rows = list(csv.reader(io.StringIO(admin_client.get(url(csv="providers")).content.decode())))
    assert rows[0][:3] == ["provider", "stories", "live"]
    assert ["The Verge", "3", "2"] == rows[1][:3]
    assert rows[0][-3:] == ["sources checked", "sources broken", "broken rate"] and rows[1][-3:-1] == ["2", "1"]
    assert rows[2][0] == "'=Wired"  # not a formula in a spreadsheet
    quality = list(csv.reader(io.StringIO(admin_client.get(url(csv="quality")).content.decode())))
    assert quality[1] == ["0–9", "1"]
    weekly = admin_client.get(url(csv="weekly"))
    assert weekly["Content-Type"].startswith("text/csv")
    assert sum(int(row[1]) for row in list(csv.reader(io.StringIO(weekly.content.decode())))[1:]) == 4


def test_a_provider_page_and_a_chosen_range(admin_client, newsroom):
    _, wired = newsroom
    since = (TODAY - dt.timedelta(days=500)).isoformat()
    response = admin_client.get(url(wired, since=since, until=TODAY.isoformat()))
    assert response.context["total"].stories == 2
    assert admin_client.get(url(since="2030-01-01", until="2020-01-01")).status_code == 200


def test_the_pages_cost_the_same_queries_whatever_the_number_of_providers(admin_client, django_assert_max_num_queries):
    for _ in range(15):
        provider = make_provider()
        article = make_article(provider=provider, published_at=NOON)
        make_image(article=article)
    with django_assert_max_num_queries(9):
        admin_client.get(url())
    with django_assert_max_num_queries(10):
        admin_client.get(url(provider))


def test_analytics_need_the_permission_to_view_stories(client, editorial_groups):  # noqa: F811
    client.force_login(staff_user("outlets", permissions=["view_provider"]))
    assert client.get(url()).status_code == 403
    client.force_login(staff_user("editor", groups=["Editors"]))
    assert client.get(url()).status_code == 200


def test_the_provider_list_links_to_the_analytics(admin_client):
    response = admin_client.get(reverse("admin:providers_provider_changelist"))
    assert reverse("admin:providers_provider_analytics") in response.text


@pytest.fixture
def varied():
    """Stories of every kind the figures tell apart, in the range and out of it."""
    providers = [make_provider(name=f"Outlet {n}") for n in range(3)]
    qualities, heats = [0, 9, 10, 55, 99, 100, 150], [-1, 0, 7, 40]
    for n in range(21):
        provider = providers[n % 3] if n % 7 else None
        days = (n * 5) % 40  # some before the range
        story = make_article(
            provider=provider,
            quality=qualities[n % len(qualities)],
            heat=heats[n % len(heats)],
            published=n % 4 != 0,
            published_at=NOON - dt.timedelta(days=days),
            images=n % 4,
            related=n % 2,
        )
        if n % 3 == 0:
            story.source_checked_at = NOON
            if n % 2:
                story.source_broken_at, story.source_failures = NOON, 2
            story.save()
        if story.images.exists() and n % 5:
            first = story.images.order_by("position").first()
            Image.objects.filter(pk=first.pk).update(file=f"images/{n}.jpg")
            stories_changed([story.pk], text=False)
    make_related(Article.objects.first(), images=2)  # images of related coverage are not the story's
    return providers


def naive(since, until):
    """The figures worked out in Python, story by story, from the rows themselves."""
    start = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())
    by_provider, quality = {}, [0] * QUALITY_BINS
    for story in Article.objects.filter(published_at__gte=start, published_at__lt=end):
        row = by_provider.setdefault(
            story.provider_id, dict(stories=0, live=0, heats=[], images=0, cached=0, checked=0, broken=0)
        )
        row["stories"] += 1
        row["live"] += story.published
        row["heats"] += [story.heat] if story.heat >= 0 else []
        images = list(Image.objects.filter(article=story))
        row["images"] += len(images)
        row["cached"] += sum(1 for image in images if image.file)
        row["checked"] += story.source_checked_at is not None
        row["broken"] += story.source_broken_at is not None
        quality[min(story.quality // QUALITY_BIN, QUALITY_BINS - 1)] += 1
    return by_provider, quality


def test_the_figures_equal_a_story_by_story_count(varied):
    since, until = TODAY - dt.timedelta(days=30), TODAY
    figures = provider_analytics(since=since, until=until)
    expected, quality = naive(since, until)
    got = {
        item.provider_id: dict(
            stories=item.stories,
            live=item.live,
            heats=item.average_heat,
            images=item.images,
            cached=item.images_cached,
            checked=item.checked,
            broken=item.broken,
        )
        for item in figures.providers
    }
    for row in expected.values():
        row["heats"] = sum(row["heats"]) / len(row["heats"]) if row["heats"] else None
    assert None in got  # the stories without a provider have their row
    assert got.keys() == expected.keys()
    for key, row in expected.items():
        assert got[key] == pytest.approx(row), key
    assert [count for _, count in figures.quality] == quality
    assert sum(count for _, count in figures.weekly) == sum(row["stories"] for row in expected.values())
    one = varied[1]
    alone = provider_analytics(since=since, until=until, provider=one)
    assert [(item.provider_id, item.stories) for item in alone.providers] == [(one.pk, expected[one.pk]["stories"])]
    assert sum(count for _, count in alone.weekly) == expected[one.pk]["stories"]


def test_each_story_keeps_its_image_counts_through_its_writers(varied):
    story = Article.objects.filter(image_count__gt=0).first()
    Image.objects.filter(article=story).delete()
    make_image(article=story, position=7, file="images/new.jpg")
    stories_changed([story.pk])
    story.refresh_from_db()
    assert (story.image_count, story.cached_image_count) == (1, 1)
    # A story loaded before its images changed, saved whole, keeps the counts (it used to write its own).
    stale = Article.objects.get(pk=story.pk)
    Image.objects.filter(article=story).update(file="")
    stories_changed([story.pk], text=False)
    stale.title = "Saved from an old form"
    stale.save()
    stale.refresh_from_db()
    assert (stale.image_count, stale.cached_image_count) == (1, 0)
    # Nothing moved: no story is written again.
    assert refresh_image_counts(Article.objects.values_list("pk", flat=True)) == 0


def test_an_import_counts_the_stories_images():
    import_paths([FIXTURES_DIR])
    for story in Article.objects.all():
        images = Image.objects.filter(article=story)
        assert story.image_count == images.count(), story.title
        assert story.cached_image_count == images.exclude(file="").count(), story.title


def _queries(admin_client, address):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(address).status_code == 200
    return len(queries)


def test_the_pages_take_the_same_queries_for_3_and_30_providers(admin_client):
    def grow(count):
        while Article.objects.count() < count:
            provider = make_provider()
            make_article(provider=provider, published_at=NOON, images=1)
            make_article(provider=None, published_at=NOON - dt.timedelta(days=3))

    grow(3)
    provider = Article.objects.exclude(provider=None).first().provider
    few = _queries(admin_client, url()), _queries(admin_client, url(provider))
    grow(30)
    assert (_queries(admin_client, url()), _queries(admin_client, url(provider))) == few


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_sqlite_groups_the_figures_from_the_provider_index_without_sorting(newsroom):
    with CaptureQueriesContext(connection) as queries:
        provider_analytics(since=TODAY - dt.timedelta(weeks=60), until=TODAY)
    grouped = next(query["sql"] for query in queries.captured_queries if "GROUP BY" in query["sql"])
    with connection.cursor() as cursor:
        plan = " ".join(str(row[-1]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {grouped}").fetchall())
    assert "COVERING INDEX article_provider_figures" in plan
    assert "TEMP B-TREE" not in plan


def test_the_table_links_each_provider_to_its_page_over_the_same_range(admin_client, newsroom):
    verge, wired = newsroom
    since = (TODAY - dt.timedelta(days=500)).isoformat()
    html = admin_client.get(url(since=since, until=TODAY.isoformat())).text
    for provider in (verge, wired):
        page = reverse("admin:providers_provider_analytics_one", args=[provider.pk])
        assert f'href="{page}?since={since}&amp;until={TODAY.isoformat()}"' in html
    assert "&#x27;" not in html.split("By provider")[1] and "=Wired</a>" in html
    assert "50% of 2 checked" in html  # the Verge's broken sources, as the template's widthratio had it
    assert "No stories published in this range." in admin_client.get(url(since="2001-01-01", until="2001-01-02")).text


def test_saving_a_story_loaded_in_part_writes_only_what_was_loaded(varied):
    story = Article.objects.filter(image_count__gt=0).only("pk", "title", "web_url", "original_url").first()
    story.title = "Only the title"
    with CaptureQueriesContext(connection) as queries:
        story.save()
    assert len(queries) == 1 and "image_count" not in queries[0]["sql"] and '"body"' not in queries[0]["sql"]
    assert Article.objects.get(pk=story.pk).title == "Only the title"


def test_the_table_escapes_provider_names(admin_client):
    hostile = make_provider(name="<b>Evil</b> & 'Co'", domain="evil.example")
    make_article(provider=hostile, quality=50, published_at=NOON)
    html = admin_client.get(url(since=TODAY.isoformat(), until=TODAY.isoformat())).text
    table = html.split("By provider")[1]
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; &#x27;Co&#x27;" in table
    assert "<b>Evil</b>" not in html
