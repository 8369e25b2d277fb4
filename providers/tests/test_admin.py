import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def changelist(**params):
    return reverse("admin:providers_provider_changelist"), params


def rows(response):
    assert response.status_code == 200
    return {
        provider.domain: (provider.story_count, provider.quality_average, provider.published_count)
        for provider in response.context["cl"].result_list
    }


def test_provider_list_shows_story_count_average_quality_and_share_published(admin_client):
    busy = make_provider(name="Busy", domain="busy.example")
    make_provider(name="Quiet", domain="quiet.example")
    make_article(provider=busy, quality=40, published=True)
    make_article(provider=busy, quality=80, published=False)
    make_article(provider=busy, quality=90, published=True)
    make_article(provider=busy, quality=90, published=True)
    url, params = changelist()
    response = admin_client.get(url, params)
    assert rows(response) == {"busy.example": (4, 75.0, 3), "quiet.example": (0, None, 0)}
    html = response.content.decode()
    assert '<td class="field-average_quality">75</td>' in html
    assert '<td class="field-share_published">75%</td>' in html


def test_provider_stories_are_one_click_away(admin_client):
    provider = make_provider(name="Linked", domain="linked.example")
    mine = make_article(provider=provider, title="Mine")
    make_article(title="Someone else's")
    url, _ = changelist()
    html = admin_client.get(url).content.decode()
    stories_url = reverse("admin:articles_article_changelist") + f"?provider={provider.pk}"
    assert f'<a href="{stories_url}">1</a>' in html
    response = admin_client.get(stories_url)
    assert [article.pk for article in response.context["cl"].result_list] == [mine.pk]


@pytest.mark.parametrize("term", ["Daily", "dailydot.com"])
def test_providers_are_searched_by_name_and_domain(admin_client, term):
    make_provider(name="The Daily Dot", domain="dailydot.com")
    make_provider(name="TechCrunch", domain="techcrunch.com")
    url, _ = changelist()
    assert list(rows(admin_client.get(url, {"q": term}))) == ["dailydot.com"]


def test_provider_list_sorts_by_story_count(admin_client):
    few, many = make_provider(domain="few.example"), make_provider(domain="many.example")
    make_article(provider=few)
    for _ in range(3):
        make_article(provider=many)
    url, _ = changelist()
    assert list(rows(admin_client.get(url, {"o": "-3"}))) == ["many.example", "few.example"]


def test_provider_list_query_count_does_not_grow_with_the_page(admin_client, django_assert_num_queries):
    def add(count):
        for _ in range(count):
            make_article(provider=make_provider(), published=True)

    add(3)
    url, _ = changelist()
    with CaptureQueriesContext(connection) as few:
        assert len(rows(admin_client.get(url))) == 3
    add(20)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(rows(admin_client.get(url))) == 23
