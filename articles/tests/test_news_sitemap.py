"""The Google News sitemap: live stories of the last two days, news:news entries, at most 1,000, in robots.txt."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles.models import Article

from .factories import make_article

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def entries(client):
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content).findall("s:url", NS)


def test_lists_live_stories_of_the_last_two_days_with_news_entries(client):
    now = timezone.now()
    fresh = make_article(title="Rover lands <safely> & well", published_at=now - dt.timedelta(hours=3))
    make_article(title="Old", published_at=now - dt.timedelta(days=3))
    make_article(title="Draft", published=False, published_at=now)
    (url,) = entries(client)
    assert url.find("s:loc", NS).text == f"http://testserver{fresh.get_absolute_url()}"
    news = url.find("news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "Newsroom"
    assert news.find("news:publication/news:language", NS).text == "en"
    assert news.find("news:title", NS).text == "Rover lands <safely> & well"
    published = dt.datetime.fromisoformat(news.find("news:publication_date", NS).text)
    assert published == fresh.published_at


def test_lists_at_most_a_thousand_stories_newest_first(client, django_assert_max_num_queries):
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"Story {n}",
            slug=f"story-{n}",
            url_key=f"https://example.com/{n}",
            web_url=f"https://example.com/{n}",
            published=True,
            published_at=now - dt.timedelta(seconds=n),
        )
        for n in range(1005)
    )
    with django_assert_max_num_queries(6):
        urls = entries(client)
    assert len(urls) == 1000
    assert urls[0].find("s:loc", NS).text.endswith("/stories/story-0/")


def test_robots_txt_lists_the_news_sitemap_beside_the_normal_one(client):
    lines = client.get("/robots.txt").text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines


def test_a_story_leaves_the_news_sitemap_when_it_passes_two_days(client, monkeypatch):
    now = timezone.now()
    make_article(title="Almost two days old", published_at=now - dt.timedelta(days=2) + dt.timedelta(minutes=1))
    make_article(title="Fresh", published_at=now - dt.timedelta(hours=1))
    first = client.get("/sitemap-news.xml")
    assert len(ET.fromstring(first.content).findall("s:url", NS)) == 2
    # Two minutes later, with nothing written: only the clock tells the page cache.
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(minutes=2))
    assert client.get("/sitemap-news.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert len(entries(client)) == 1


def test_a_story_dated_ahead_comes_into_the_news_sitemap_only_when_its_date_passes(client, monkeypatch):
    now = timezone.now()
    make_article(title="Fresh", published_at=now - dt.timedelta(hours=1))
    make_article(title="Dated ahead", published_at=now + dt.timedelta(hours=3))
    first = client.get("/sitemap-news.xml")
    assert [e.findtext("news:news/news:title", namespaces=NS) for e in entries(client)] == ["Fresh"]
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(hours=4))
    assert client.get("/sitemap-news.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert len(entries(client)) == 2
