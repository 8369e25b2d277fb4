"""Provider analytics: the figures, the admin pages with their SVG charts and CSV, and their query counts."""

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.analytics import provider_analytics
from articles.models import Article, Image

from .factories import make_article, make_image, make_provider
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
