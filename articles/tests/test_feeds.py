import datetime
import re

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.images.models import Image
from articles.models import Article
from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db

FEEDS = ["/feeds/rss/", "/feeds/atom/"]


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def stories():
    verge = make_provider(name="The Verge", domain="theverge.com")
    return {
        "new": make_article(title="Newest", topics=["AI"], provider=verge, published_at=hours_ago(1)),
        "old": make_article(title="Older", topics=["Space"], published_at=hours_ago(5)),
        "draft": make_article(title="Draft", topics=["AI"], provider=verge, published=False),
    }


@pytest.mark.parametrize("url", FEEDS)
def test_latest_feed_lists_the_published_stories_newest_first(client, stories, url):
    response, feed = parse(client, url)

    assert [entry.title for entry in feed.entries] == ["Newest", "Older"]
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver/stories/{stories['new'].slug}/",
        f"http://testserver/stories/{stories['old'].slug}/",
    ]
    assert feed.feed.title == "Newsroom: latest stories"
    assert feed.feed.link == "http://testserver/"


def test_feed_entries_carry_date_provider_topics_and_excerpt(client, stories):
    _, feed = parse(client, "/feeds/atom/")
    entry = feed.entries[0]

    published = datetime.datetime(*entry.published_parsed[:6], tzinfo=datetime.UTC)
    assert abs(published - stories["new"].published_at) < datetime.timedelta(seconds=1)
    assert entry.author == "The Verge"
    assert [tag.term for tag in entry.tags] == ["AI"]
    assert entry.summary == stories["new"].excerpt


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_topic_feed_lists_only_that_topic(client, stories, kind):
    _, feed = parse(client, f"/topics/ai/{kind}/")

    assert [entry.title for entry in feed.entries] == ["Newest"]
    assert feed.feed.title == "Newsroom: AI"
    assert feed.feed.link == "http://testserver/topics/ai/"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_provider_feed_lists_only_that_provider(client, stories, kind):
    _, feed = parse(client, f"/providers/theverge-com/{kind}/")

    assert [entry.title for entry in feed.entries] == ["Newest"]
    assert feed.feed.title == "Newsroom: The Verge"


@pytest.mark.parametrize(
    "url",
    ["/topics/unknown/rss/", "/providers/unknown-example/atom/", "/topics/hidden/rss/", "/providers/x-example/rss/"],
)
def test_feed_of_unknown_or_unpublished_topic_or_provider_is_not_found(client, url):
    make_article(topics=["Hidden"], provider=make_provider(domain="x.example"), published=False)

    assert client.get(url).status_code == 404


def test_feed_holds_at_most_thirty_stories(client):
    for hours in range(32):
        make_article(published_at=hours_ago(hours + 1))

    _, feed = parse(client, "/feeds/rss/")

    assert len(feed.entries) == 30


@pytest.mark.parametrize("kind", ["rss", "atom", "topic"])
def test_stored_markup_stays_text_in_feeds(client, kind):
    script = "<script>alert('x')</script>"
    article = make_article(
        title=f"Title {script}",
        excerpt=f"Excerpt {script}",
        provider=make_provider(name=f"Outlet {script}"),
        topics=[f"Topic {script}"],
    )
    topic = Article.objects.with_topics().get(pk=article.pk).topic_list[0]
    url = f"{topic.get_absolute_url()}rss/" if kind == "topic" else f"/feeds/{kind}/"

    response, feed = parse(client, url)

    assert b"<script" not in response.content
    entry = feed.entries[0]
    assert entry.title == f"Title {script}"
    # The description is HTML to a feed reader: it must show the text, not run it.
    assert "&lt;script&gt;" in entry.summary
    assert entry.author == f"Outlet {script}"
    if kind == "topic":
        assert feed.feed.title == f"Newsroom: Topic {script}"


def test_unchanged_feed_answers_not_modified(client, stories):
    first = client.get("/feeds/atom/")

    assert client.get("/feeds/atom/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.get("/feeds/atom/", headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304


def test_a_new_story_changes_the_feed_at_once(client, stories):
    first = client.get("/feeds/rss/")
    make_article(title="Breaking", published_at=hours_ago(0))

    response = client.get("/feeds/rss/", headers={"If-None-Match": first["ETag"]})

    assert response.status_code == 200
    assert feedparser.parse(response.content).entries[0].title == "Breaking"


@pytest.mark.parametrize(
    ("page", "feeds"),
    [
        ("/", ["/feeds/rss/", "/feeds/atom/"]),
        ("/topics/ai/", ["/topics/ai/rss/", "/topics/ai/atom/"]),
        ("/providers/theverge-com/", ["/providers/theverge-com/rss/", "/providers/theverge-com/atom/"]),
        ("story", ["/feeds/rss/", "/feeds/atom/"]),
    ],
)
def test_pages_announce_their_feeds(client, stories, page, feeds):
    url = f"/stories/{stories['new'].slug}/" if page == "story" else page

    html = client.get(url).text

    announced = re.findall(
        r'<link rel="alternate" type="application/(rss|atom)\+xml" title="[^"]+" href="([^"]+)">', html
    )
    assert announced == [("rss", feeds[0]), ("atom", feeds[1])]


def test_feed_from_the_cache_keeps_its_content_type(client, stories):
    first = client.get("/feeds/atom/")
    second = client.get("/feeds/atom/")

    assert second.content == first.content
    assert second["Content-Type"] == "application/atom+xml; charset=utf-8"


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_a_stored_control_character_does_not_take_the_feed_down(client, url):
    provider = make_provider(name="Out\x01let", domain="outlet.example")
    make_article(title="Bell\x07 in the title", excerpt="Escape\x1b here", provider=provider, topics=["A\x02I"])
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.entries[0].title == "Bell in the title"


def test_a_feed_of_thirty_stories_costs_the_queries_of_one_and_reads_no_image(client):
    def queries():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/feeds/rss/").status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    make_article(topics=["AI"], images=2)
    one = queries()
    for hours in range(29):
        make_article(published_at=hours_ago(hours + 1), topics=["AI", "Space"], images=2)
    thirty = queries()
    assert len(thirty) == len(one)
    assert not any(Image._meta.db_table in sql for sql in thirty)
