import datetime
import xml.etree.ElementTree as ET

import pytest

from articles.models import Article
from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NS['sm']}}}urlset"
    return {url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS) for url in root}


@pytest.fixture
def stories():
    verge = make_provider(name="The Verge", domain="theverge.com")
    quiet = make_provider(name="Quiet", domain="quiet.example")
    return {
        "public": make_article(slug="public-story", topics=["AI"], provider=verge),
        "draft": make_article(slug="draft-story", topics=["Embargoed"], provider=quiet, published=False),
    }


def test_sitemap_lists_published_stories_topics_and_providers_only(client, stories):
    entries = sitemap_entries(client)

    assert set(entries) == {
        "http://testserver/stories/public-story/",
        "http://testserver/topics/ai/",
        "http://testserver/providers/theverge-com/",
    }


def test_sitemap_gives_last_modified_dates(client, stories):
    story = Article.objects.get(slug="public-story")

    entries = sitemap_entries(client)

    expected = story.updated_at.date().isoformat()
    assert entries["http://testserver/stories/public-story/"].startswith(expected)
    assert entries["http://testserver/topics/ai/"].startswith(expected)
    assert entries["http://testserver/providers/theverge-com/"].startswith(expected)


def test_topic_lastmod_is_its_latest_published_story(client):
    older = make_article(slug="older", topics=["AI"])
    Article.objects.filter(pk=older.pk).update(updated_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    newer = make_article(slug="newer", topics=["AI"])
    Article.objects.filter(pk=newer.pk).update(updated_at=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC))
    draft = make_article(slug="draft", topics=["AI"], published=False)
    Article.objects.filter(pk=draft.pk).update(updated_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))

    entries = sitemap_entries(client)

    assert entries["http://testserver/topics/ai/"].startswith("2024-06-01")


def test_sitemap_of_an_empty_newsroom_is_valid_and_empty(client):
    assert sitemap_entries(client) == {}


def test_unpublishing_removes_a_story_from_the_sitemap_at_once(client, stories):
    assert "http://testserver/stories/public-story/" in sitemap_entries(client)

    Article.objects.filter(slug="public-story").update(published=False)

    assert sitemap_entries(client) == {}


def test_robots_txt_points_at_the_sitemap_and_keeps_robots_out_of_the_admin(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_txt_gives_the_sitemap_on_the_requested_host_and_scheme(client, settings):
    settings.ALLOWED_HOSTS = ["news.example"]

    response = client.get("/robots.txt", headers={"Host": "news.example"}, secure=True)

    assert "Sitemap: https://news.example/sitemap.xml" in response.text.splitlines()


def test_sitemap_from_the_cache_keeps_its_headers(client, stories):
    first = client.get("/sitemap.xml")
    second = client.get("/sitemap.xml")

    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Robots-Tag"] == first["X-Robots-Tag"]
