"""The reader site in a real browser: no JavaScript of ours, a strict CSP, and axe-core's checks."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from articles.tests.factories import make_article, make_image, make_provider, make_related

pytestmark = [pytest.mark.django_db(transaction=True)]


def keep_offline(page_or_context, base_url):
    """Answer every request to another host with an error: the tests never wait on the network."""
    page_or_context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort()
    )


@pytest.fixture
def newsroom():
    verge = make_provider(name="The Verge", domain="theverge.com")
    wired = make_provider(name="Wired", domain="wired.com")
    now = timezone.now()
    stories = {
        "robots": make_article(
            title="Robots learn to fold laundry",
            topics=["AI", "Robotics"],
            provider=verge,
            published_at=now - datetime.timedelta(hours=1),
        ),
        "court": make_article(
            title="Chatbots in court", topics=["AI"], provider=wired, published_at=now - datetime.timedelta(hours=2)
        ),
        "moon": make_article(
            title="A new moon mission", topics=["Space"], provider=verge, published_at=now - datetime.timedelta(hours=3)
        ),
    }
    for article in stories.values():
        make_image(article=article, position=0)
        make_image(article=article, position=1, width=None, height=None)
        make_related(article)
        make_related(article)
    make_article(title="An unpublished draft", topics=["AI"], provider=verge, published=False)
    return stories


def test_reader_filters_the_listing_opens_a_story_and_follows_a_topic(page, live_server, newsroom):
    keep_offline(page, live_server.url)
    csp_errors = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and csp_errors.append(msg.text))

    page.goto("/")
    assert page.locator("h1").inner_text() == "Latest stories"
    assert page.locator(".card__title").all_inner_texts() == [
        "Robots learn to fold laundry",
        "Chatbots in court",
        "A new moon mission",
    ]

    assert not page.get_by_label("Topic", exact=True).is_visible()
    page.get_by_text("More filters").click()
    page.get_by_label("Topic", exact=True).select_option("ai")
    page.get_by_label("Provider", exact=True).select_option("theverge-com")
    page.get_by_role("button", name="Apply filters").click()

    page.wait_for_url("**/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["topic"] == ["ai"] and query["provider"] == ["theverge-com"]
    assert page.locator(".card__title").all_inner_texts() == ["Robots learn to fold laundry"]
    # The filters in use stay shown, with their values.
    assert page.get_by_label("Topic", exact=True).is_visible()
    assert page.get_by_label("Topic", exact=True).input_value() == "ai"

    page.get_by_role("link", name="Robots learn to fold laundry").click()
    page.wait_for_url(f"**{newsroom['robots'].get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Robots learn to fold laundry"
    # The factory's original URL is not on The Verge's domain: the button names the domain it goes to.
    read = page.get_by_role("link", name="Read at news")
    assert read.get_attribute("href") == newsroom["robots"].original_url
    assert page.locator(".related__item").count() == 2

    page.locator(".story__topics").get_by_role("link", name="Robotics").click()
    page.wait_for_url("**/topics/robotics/")
    assert page.locator("h1").inner_text() == "Topic: Robotics"
    assert page.locator(".card__title").all_inner_texts() == ["Robots learn to fold laundry"]

    page.goto("/admin/login/")
    assert page.get_by_label("Username").is_visible()

    assert csp_errors == []


def test_skip_link_is_the_first_stop_and_shows_when_focused(page, live_server, newsroom):
    keep_offline(page, live_server.url)
    page.goto("/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")

    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    skip.press("Enter")
    assert page.url.endswith("#main")


def test_listing_fits_a_phone_screen(browser, live_server, newsroom):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    keep_offline(context, live_server.url)
    page = context.new_page()
    try:
        for url in ["/", newsroom["robots"].get_absolute_url()]:
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
    finally:
        context.close()


@pytest.fixture
def axe_page(browser, live_server, axe_script):
    # The site's CSP forbids injected scripts, as it should; axe is the tests' own.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    keep_offline(context, live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)

    def check(url):
        page.goto(url)
        page.add_script_tag(content=axe_script)
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ]

    yield check
    context.close()


def test_listing_story_and_topic_pages_have_no_serious_accessibility_violations(axe_page, newsroom):
    for url in ["/", "/?topic=ai&type=abc", newsroom["robots"].get_absolute_url(), "/topics/ai/", "/nowhere/"]:
        assert axe_page(url) == [], url
