"""The story page's actions: the reading link goes to the outlet, other copies are secondary, videos play."""

import re

import pytest

from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def action_button(html):
    return re.search(r'<a class="button" href="([^"]*)" rel="noopener">([^<]*)</a>', html).groups()


def test_reading_link_goes_to_the_outlets_own_page_not_the_aggregators_copy(client):
    microsoft = make_provider(name="Microsoft", domain="microsoft.com")
    article = make_article(
        provider=microsoft,
        original_url="https://powerapps.microsoft.com/en-us/blog/new-controls/",
        web_url="https://www.smartable.ai/apps/powerapps/news/new-controls",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html) == ("https://powerapps.microsoft.com/en-us/blog/new-controls/", "Read at Microsoft")
    # The aggregator's copy is still offered, as a plain secondary link.
    assert (
        'href="https://www.smartable.ai/apps/powerapps/news/new-controls" rel="noopener nofollow">smartable.ai</a>'
        in html
    )


def test_reading_link_names_the_domain_when_the_link_is_not_on_the_providers_domain(client):
    article = make_article(
        provider=make_provider(name="PowerApps911", domain="youtube.com"),
        original_url="",
        web_url="https://www.smartable.ai/apps/powerapps/video/tips",
        type="video",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html) == ("https://www.smartable.ai/apps/powerapps/video/tips", "Watch at smartable.ai")
    assert "Also available" not in html


def test_video_reading_link_names_the_channel_on_youtube(client):
    article = make_article(
        provider=make_provider(name="PowerApps911", domain="youtube.com"),
        original_url="https://www.youtube.com/watch?v=GSsO45jNCcI",
        web_url="https://www.smartable.ai/apps/powerapps/video/tips",
        type="video",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html) == ("https://www.youtube.com/watch?v=GSsO45jNCcI", "Watch at PowerApps911")


def test_amp_copy_is_also_available_but_never_the_main_action(client):
    article = make_article(
        original_url="https://www.dailydot.com/story/",
        web_url="https://www.dailydot.com/story/",
        amp_url="https://amp.dailydot.com/story/",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html)[0] == "https://www.dailydot.com/story/"
    also = re.search(r'<p class="story__copies">(.*?)</p>', html, re.S).group(1)
    assert 'href="https://amp.dailydot.com/story/"' in also and "AMP version" in also
    # The same page twice is not "also available".
    assert "www.dailydot.com/story/" not in also


def test_a_subdomain_of_the_providers_domain_is_the_provider(client):
    provider = make_provider(name="The Verge", domain="theverge.com")
    article = make_article(provider=provider, original_url="https://live.theverge.com/x", web_url="")

    assert action_button(client.get(article.get_absolute_url()).text)[1] == "Read at The Verge"


def test_a_lookalike_domain_is_not_the_provider(client):
    provider = make_provider(name="The Verge", domain="theverge.com")
    article = make_article(provider=provider, original_url="https://nottheverge.com/x", web_url="")

    assert action_button(client.get(article.get_absolute_url()).text)[1] == "Read at nottheverge.com"
