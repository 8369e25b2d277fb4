"""The reader's ways in: the header's topics, the topics and providers indexes, the compact list."""

import re

import pytest

from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage():
    verge = make_provider(name="The Verge", domain="theverge.com")
    wired = make_provider(name="Wired", domain="wired.com")
    for n in range(5):
        make_article(title=f"AI story {n}", topics=["AI"], provider=verge)
    for n in range(3):
        make_article(title=f"Space story {n}", topics=["Space", "AI"], provider=wired)
    make_article(title="Draft", topics=["Secret plans"], provider=make_provider(name="Hidden"), published=False)
    return verge, wired


def nav_topics(html):
    nav = re.search(r'<nav class="topic-nav" aria-label="Top topics">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"(?: aria-current="page")?>([^<]+)</a>', nav)


@pytest.mark.parametrize("page", ["/", "/topics/", "/providers/", "/topics/ai/"])
def test_every_reader_page_has_the_most_covered_topics_in_its_header(client, coverage, page):
    assert nav_topics(client.get(page).text) == [("/topics/ai/", "AI"), ("/topics/space/", "Space")]


def test_story_page_header_has_the_topics_too(client, coverage):
    story = make_article(topics=["AI"])
    assert ("/topics/ai/", "AI") in nav_topics(client.get(story.get_absolute_url()).text)


def test_topics_index_lists_every_published_topic_with_its_stories(client, coverage):
    html = client.get("/topics/").text

    entries = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="directory__count">([^<]+)</span>', html)
    assert entries == [("/topics/ai/", "AI", "8 stories"), ("/topics/space/", "Space", "3 stories")]
    assert "Secret plans" not in html


def test_providers_index_lists_every_outlet_with_published_stories(client, coverage):
    html = client.get("/providers/").text

    entries = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="directory__count">([^<]+)</span>', html)
    assert entries == [
        ("/providers/theverge-com/", "The Verge", "5 stories"),
        ("/providers/wired-com/", "Wired", "3 stories"),
    ]
    assert "Hidden" not in html


def test_the_header_links_to_both_indexes(client, coverage):
    html = client.get("/").text
    assert 'href="/topics/">Topics</a>' in html and 'href="/providers/">Providers</a>' in html


@pytest.mark.parametrize("url", ["/topics/", "/providers/"])
def test_an_index_costs_at_most_two_queries(client, coverage, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200


def test_compact_list_shows_headlines_without_summaries_and_keeps_its_view_across_pages(client):
    for n in range(25):
        make_article(title=f"Headline {n}", excerpt=f"Summary of {n}", topics=["AI"])

    html = client.get("/?topic=ai&view=compact").text

    assert '<ol class="cards cards--compact">' in html
    assert "Summary of" not in html and "Headline 0" in html
    assert 'href="?topic=ai&amp;view=compact&amp;page=2"' in html
    # The view is no filter: same list, same feed, same canonical address.
    assert '<link rel="canonical" href="http://testserver/?topic=ai">' in html
    assert 'href="/?topic=ai">Summaries</a>' in html


def test_the_usual_list_offers_the_compact_one(client):
    make_article(excerpt="A summary")
    html = client.get("/").text
    assert 'href="/?view=compact">Headlines only</a>' in html and "A summary" in html


def test_the_header_marks_the_topic_being_read(client, coverage):
    html = client.get("/topics/space/").text
    assert '<a href="/topics/space/" aria-current="page">Space</a>' in html
    assert '<a href="/topics/ai/">AI</a>' in html


def test_each_page_marks_its_own_topic_in_a_header_ranked_once(client, coverage):
    space, ai = client.get("/topics/space/").text, client.get("/topics/ai/").text
    assert '<a href="/topics/ai/" aria-current="page">AI</a>' in ai and '<a href="/topics/space/">Space</a>' in ai
    assert '<a href="/topics/ai/">AI</a>' in space
    assert 'aria-current="page">AI' not in client.get("/").text


def test_the_header_follows_the_topics_coverage_as_it_changes(client, coverage):
    assert nav_topics(client.get("/").text)[0] == ("/topics/ai/", "AI")
    for _ in range(6):
        make_article(topics=["Space"])
    assert nav_topics(client.get("/").text)[0] == ("/topics/space/", "Space")
