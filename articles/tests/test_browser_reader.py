"""The reader site measured in a real browser: no sideways scrolling, tap targets, density, the player.

Every page type at a small phone (320 px), a common phone (390 px) and a
laptop (1280 px), with the content that used to break the layout: long URLs
and words in excerpts and titles, images that are not cached yet.
"""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PillowImage

from articles.images.uploads import store_uploaded_image
from articles.tests.factories import make_article, make_image, make_provider, make_related

pytestmark = [pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 1280)
LONG_URL = "https://www.example.com/" + "/".join(["averyveryverylongpathsegment"] * 12) + "?utm_source=x&ref=y"
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
TITLES = [
    "Microsoft announces the general availability of Power Apps portals for government customers",
    "Coronavirus cases rise again in Europe as winter approaches and hospitals prepare",
    "The new model-driven app controls: what changes for makers and what is deprecated",
    "Vaccine trial results show strong protection in older adults, researchers say",
    "How to build a canvas app that works offline, step by step",
    "Cities plan for a greener recovery after the pandemic",
    "Robots learn to fold laundry, and other stories from the lab",
    "A new moon mission is scheduled for next spring",
]
EXCERPT = (
    "We are pleased to announce a new preview feature that extends multi-entity experiences and "
    "provides the capability for a maker to add a related table main form as a component directly "
    "onto another table main form, so that users can edit related records in context."
)


def png(width=1200, height=630):
    buffer = io.BytesIO()
    PillowImage.new("RGB", (width, height), (30, 90, 160)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    return Path(settings.MEDIA_ROOT)


def serve_offline(page_or_context, base_url, media_root):
    """Our own pages and media (the live server serves no media), and an error for any other host."""

    def handle(route):
        url = route.request.url
        if url.startswith(f"{base_url}/media/"):
            path = media_root / url[len(f"{base_url}/media/") :].split("?")[0]
            return route.fulfill(path=str(path)) if path.is_file() else route.fulfill(status=404)
        if url.startswith(base_url):
            return route.continue_()
        return route.abort()

    page_or_context.route("**/*", handle)


@pytest.fixture
def newsroom(media):
    """45 stories (three pages), some with cached pictures, some waiting for theirs, some hostile to layouts."""
    outlets = [
        make_provider(name=name, domain=domain)
        for name, domain in [
            ("Microsoft", "microsoft.com"),
            ("PowerApps911", "youtube.com"),
            ("The Guardian", "theguardian.com"),
            ("A provider with an exceptionally long name for a news outlet", "long.example"),
        ]
    ]
    now = timezone.now()
    stories = []
    for n in range(45):
        story = make_article(
            title=TITLES[n % len(TITLES)],
            excerpt=EXCERPT,
            provider=outlets[n % len(outlets)],
            topics=[["Power Apps", "Canvas apps"], ["Coronavirus", "Public Health", "Europe"], ["Space"]][n % 3],
            published_at=now - datetime.timedelta(hours=n),
            type="video" if n % 5 == 1 else "article",
        )
        if n % 3 == 0:
            store_uploaded_image(article=story, uploaded_file=png(), base_url="http://testserver/")
        elif n % 3 == 1:
            # Not cached yet: never shown, and it must leave no box.
            make_image(article=story, position=0, url="https://img.example/missing.jpg", width=None, height=None)
        stories.append(story)
    hostile = make_article(
        title=f"A title with a {LONG_WORD} in it",
        excerpt=f"See {LONG_URL} and {LONG_WORD} for more.",
        original_url=LONG_URL,
        web_url=LONG_URL + "&copy=aggregator",
        amp_url=LONG_URL + "&amp=1",
        topics=[f"Topic {LONG_WORD[:90]}"],  # a topic name holds 100 characters
        provider=outlets[3],
        published_at=now,
    )
    make_image(article=hostile, position=0, url="https://img.example/broken.jpg", width=None, height=None)
    make_related(hostile, title=f"Related {LONG_WORD}", web_url=LONG_URL)
    video = make_article(
        title="Power Apps tips: galleries",
        type="video",
        original_url="https://www.youtube.com/watch?v=GSsO45jNCcI&t=42s",
        web_url="https://www.smartable.ai/apps/powerapps/video/tips",
        provider=outlets[1],
        published_at=now - datetime.timedelta(days=30),
    )
    return {"stories": stories, "hostile": hostile, "video": video, "provider": outlets[3]}


def page_types(newsroom):
    return {
        "home": "/",
        "deep page": "/?page=3",
        "story with long URLs and missing images": newsroom["hostile"].get_absolute_url(),
        "story with a picture": newsroom["stories"][0].get_absolute_url(),
        "video story": newsroom["video"].get_absolute_url(),
        "topic": "/topics/coronavirus/",
        "provider": newsroom["provider"].get_absolute_url(),
        "search": "/?q=power+apps",
        "filtered": "/?type=video&view=compact",
        "topics index": "/topics/",
        "providers index": "/providers/",
        "not found": "/no/such/page/",
    }


@pytest.fixture
def at_width(browser, live_server, media):
    contexts = []

    def open_page(width, height=800, color_scheme="light"):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, color_scheme=color_scheme
        )
        contexts.append(context)
        serve_offline(context, live_server.url, media)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

# Interactive elements smaller than 24 x 24 px (WCAG 2.5.8); hidden ones and the skip link (off screen) aside.
SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, summary, select, input, iframe')]
  .filter(el => el.getClientRects().length && !el.closest('.skip-link, .visually-hidden') && !el.matches('.skip-link'))
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width < 24 || box.height < 24)
  .map(([el, box]) => `${el.tagName} "${el.textContent.trim().slice(0, 40)}" ${box.width}x${box.height}`)"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_whatever_the_content(at_width, newsroom, width):
    page = at_width(width)
    for name, url in page_types(newsroom).items():
        page.goto(url)
        scroll_width, client_width = page.evaluate(SIDEWAYS)
        assert scroll_width <= client_width, f"{name} ({url}) at {width} px: {scroll_width} > {client_width}"


@pytest.mark.parametrize("width", [320, 1280])
def test_every_link_and_control_is_a_tap_target_of_at_least_24_px(at_width, newsroom, width):
    page = at_width(width)
    for name, url in page_types(newsroom).items():
        page.goto(url)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate(SMALL_TARGETS) == [], f"{name} ({url}) at {width} px"


def headlines_above_the_fold(page):
    return page.evaluate(
        "() => [...document.querySelectorAll('.card__title')]"
        ".filter(h => h.getBoundingClientRect().bottom <= window.innerHeight).length"
    )


def test_a_laptop_screen_shows_at_least_eight_headlines_above_the_fold(at_width, newsroom):
    page = at_width(1280, 720)
    page.goto("/")
    assert headlines_above_the_fold(page) >= 8


def test_a_phone_shows_at_least_three_headlines_above_the_fold(at_width, newsroom):
    page = at_width(390, 844)
    page.goto("/")
    assert headlines_above_the_fold(page) >= 3


def test_the_compact_list_shows_many_more_headlines(at_width, newsroom):
    page = at_width(1280, 720)
    page.goto("/")
    cards = headlines_above_the_fold(page)
    page.get_by_role("link", name="Headlines only").click()
    page.wait_for_url("**/?view=compact")
    assert headlines_above_the_fold(page) >= max(15, cards + 4)


def test_card_pictures_reserve_their_box_before_they_load_and_uncached_ones_leave_none(at_width, newsroom):
    page = at_width(390)
    page.goto("/")
    pictured = page.locator(".card--pictured")
    assert pictured.count() > 0
    for box in page.locator(".card__image img").evaluate_all(
        "imgs => imgs.map(img => [img.getBoundingClientRect().width, img.getBoundingClientRect().height])"
    ):
        assert box[0] > 0 and box[1] > 0
    assert page.locator(".card:not(.card--pictured) img").count() == 0
    assert page.evaluate("() => [...document.images].every(img => img.src.startsWith(location.origin))")


@pytest.mark.parametrize("width", [320, 1280])
def test_a_video_story_plays_in_the_private_player_that_fits_the_screen(at_width, newsroom, width):
    page = at_width(width)
    page.goto(newsroom["video"].get_absolute_url())
    player = page.locator(".story__video iframe")
    assert player.get_attribute("src") == "https://www.youtube-nocookie.com/embed/GSsO45jNCcI"
    box = player.bounding_box()
    assert box["width"] <= width and abs(box["height"] - box["width"] * 9 / 16) < 2
    watch = page.get_by_role("link", name="Watch at PowerApps911")
    assert watch.get_attribute("href") == "https://www.youtube.com/watch?v=GSsO45jNCcI&t=42s"


# Dark mode, and axe-core in both modes

BACKGROUND_AND_TEXT = """() => {
  const luminance = color => {
    const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map(Number).map(c => c / 255)
      .map(c => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(document.body);
  return [luminance(style.backgroundColor), luminance(style.color)];
}"""


def test_dark_mode_follows_the_system_setting(at_width, newsroom):
    light, dark = at_width(390), at_width(390, color_scheme="dark")
    for page in (light, dark):
        page.goto("/")
    light_background, light_text = light.evaluate(BACKGROUND_AND_TEXT)
    dark_background, dark_text = dark.evaluate(BACKGROUND_AND_TEXT)
    assert light_background > 0.9 and light_text < 0.05
    assert dark_background < 0.02 and dark_text > 0.7
    # Form controls follow too (color-scheme: dark).
    assert dark.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_no_page_type_has_serious_accessibility_violations_in_either_mode(
    browser, live_server, media, axe_script, newsroom, color_scheme
):
    # The site's CSP forbids injected scripts, as it should; axe is the tests' own.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, color_scheme=color_scheme)
    serve_offline(context, live_server.url, media)
    page = context.new_page()
    try:
        for name, url in page_types(newsroom).items():
            page.goto(url)
            page.add_script_tag(content=axe_script)
            results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            serious = [
                (violation["id"], [node["target"] for node in violation["nodes"]][:3])
                for violation in results["violations"]
                if violation["impact"] in ("serious", "critical")
            ]
            assert serious == [], f"{name} ({url}) in {color_scheme} mode"
    finally:
        context.close()
