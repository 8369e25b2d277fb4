"""The readers' filters that a listing and its feeds share: the kind of story, top-rated, dates, search."""

import datetime
import re

import feedparser
import pytest

from articles.filters import TOP_RATED
from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def titles(response):
    return [article.title for article in response.context["articles"]]


def feed_titles(response):
    return [entry.title for entry in feedparser.parse(response.content).entries]


@pytest.fixture
def kinds():
    verge = make_provider(name="The Verge", domain="theverge.com")
    when = datetime.datetime(2024, 3, 10, 12, tzinfo=datetime.UTC)
    return {
        "article": make_article(title="A long read", type="article", quality=90, provider=verge, published_at=when),
        "untyped": make_article(title="An untyped story", type="", quality=10, topics=["AI"], published_at=when),
        "video": make_article(title="A video on vaccines", type="video", quality=75, topics=["AI"], published_at=when),
        "download": make_article(title="The report as PDF", type="download", quality=40, published_at=when),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=video", ["A video on vaccines"]),
        ("type=download", ["The report as PDF"]),
        ("type=article", ["A long read", "An untyped story"]),
        ("top=on", ["A long read", "A video on vaccines"]),
        ("type=video&top=on&topic=ai", ["A video on vaccines"]),
    ],
)
def test_type_and_top_rated_filters_narrow_the_listing(client, kinds, query, expected):
    assert sorted(titles(client.get(f"/?{query}"))) == sorted(expected)


def test_top_rated_is_the_best_quality_band_not_a_number_to_type(client, kinds):
    html = client.get("/").text
    assert TOP_RATED.low == 70 and TOP_RATED.high is None
    assert 'type="checkbox" name="top"' in html and "Only top-rated: high (70 and above)" in html
    assert 'name="quality"' not in html
    assert '<option value="video">Videos</option>' in html


def rss_link(html):
    return re.search(r'<link rel="alternate" type="application/rss\+xml" title="[^"]*" href="([^"]*)"', html).group(1)


def subscribe_links(html):
    return re.findall(r'<a href="([^"]*)" type="application/(?:rss|atom)\+xml"', html)


@pytest.mark.parametrize(
    ("page", "rss", "atom"),
    [
        ("/?type=video&top=on", "/feeds/rss/?type=video&top=on", "/feeds/atom/?type=video&top=on"),
        ("/?q=vaccines", "/feeds/rss/?q=vaccines", "/feeds/atom/?q=vaccines"),
        ("/topics/ai/?type=video", "/topics/ai/rss/?type=video", "/topics/ai/atom/?type=video"),
        ("/", "/feeds/rss/", "/feeds/atom/"),
    ],
)
def test_a_filtered_or_searched_listing_subscribes_to_its_own_feeds(client, kinds, page, rss, atom):
    html = client.get(page).text
    assert subscribe_links(html) == [rss.replace("&", "&amp;"), atom.replace("&", "&amp;")]
    assert rss_link(html) == rss.replace("&", "&amp;")


@pytest.mark.parametrize(
    "feed",
    ["/feeds/rss/?type=video", "/feeds/atom/?type=video", "/topics/ai/rss/?type=video", "/topics/ai/atom/?type=video"],
)
def test_a_filtered_feed_holds_what_its_listing_lists(client, kinds, feed):
    response = client.get(feed)
    assert response.status_code == 200
    assert feed_titles(response) == ["A video on vaccines"]
    parsed = feedparser.parse(response.content)
    assert "videos" in parsed.feed.title
    assert parsed.feed.link.endswith("?type=video")


def test_a_searched_feed_holds_the_matches_newest_first(client):
    make_article(title="Vaccines: older news", published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    make_article(title="Vaccines approved", published_at=datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC))
    make_article(title="Elections", published_at=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC))

    response = client.get("/feeds/rss/?q=vaccines")

    assert feed_titles(response) == ["Vaccines approved", "Vaccines: older news"]
    assert "search “vaccines”" in feedparser.parse(response.content).feed.title


def test_a_feed_with_unreadable_filters_is_empty_not_an_error(client, kinds):
    response = client.get("/feeds/rss/?since=yesterday")
    assert response.status_code == 200 and feed_titles(response) == []


def test_a_date_range_feed_keeps_the_range(client):
    make_article(title="In March", published_at=datetime.datetime(2024, 3, 10, tzinfo=datetime.UTC))
    make_article(title="In May", published_at=datetime.datetime(2024, 5, 10, tzinfo=datetime.UTC))
    response = client.get("/feeds/atom/?since=2024-03-01&until=2024-03-31")
    assert feed_titles(response) == ["In March"]


def test_filtered_feeds_are_cached_and_fresh_like_the_others(client, kinds):
    first = client.get("/feeds/rss/?type=video")
    again = client.get("/feeds/rss/?type=video", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    make_article(title="Another video", type="video")
    fresh = client.get("/feeds/rss/?type=video", HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and "Another video" in feed_titles(fresh)
