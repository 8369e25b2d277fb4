"""The reader site's pages on the Jinja2 engine: which pages it renders, and that it escapes what stories hold."""

import pytest
from django.core.cache import cache
from django.template import engines

from articles.models import Topic
from articles.tests.factories import make_article, make_provider
from core.jinja2 import Jinja2

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hostile_story():
    provider = make_provider(name=f"Outlet {PAYLOAD}", slug="outlet")
    story = make_article(
        title=f"Title {PAYLOAD}",
        excerpt=f"Excerpt {PAYLOAD}\nsecond line",
        category=f"news{PAYLOAD}",
        topics=["Hostile"],
        provider=provider,
        related=1,
    )
    Topic.objects.filter(slug="hostile").update(name=f"Topic {PAYLOAD}")
    link = story.related_links.get()
    link.title = f"Related {PAYLOAD}"
    link.save()
    return story


def test_public_pages_are_rendered_by_the_jinja2_engine_and_the_admin_by_django(admin_client, client):
    make_article(slug="a-story", topics=["Courts"])
    pages = {
        "/": "articles/article_list.html",
        "/stories/a-story/": "articles/article_detail.html",
        "/topics/courts/": "articles/article_list.html",
        "/topics/": "articles/directory.html",
        "/no-such-page/": "404.html",
    }
    for path, name in pages.items():
        # The page's own template is the last to finish (it holds the others).
        page = client.get(path).templates[-1]
        assert isinstance(page.backend, Jinja2), path
        assert page.origin.template_name == name
    admin = admin_client.get("/admin/")
    assert admin.status_code == 200
    assert not any(isinstance(getattr(t, "backend", None), Jinja2) for t in admin.templates)


def test_the_jinja2_engine_autoescapes():
    engine = engines["jinja2"]
    assert engine.env.autoescape is True
    assert engine.from_string("{{ v }}").render({"v": "<b>"}) == "&lt;b&gt;"


LISTINGS = ["/", "/topics/hostile/", "/providers/outlet/", "/?q=Title", "/topics/", "/providers/"]


@pytest.mark.parametrize("path", LISTINGS)
def test_hostile_markup_is_escaped_on_listings_and_indexes(client, hostile_story, path):
    page = client.get(path).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hostile_markup_is_escaped_on_the_story_page(client, hostile_story):
    page = client.get(hostile_story.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    for shown in ("Title", "Excerpt", "Outlet", "Topic", "Related"):
        assert f"{shown} &lt;script&gt;alert(1)&lt;/script&gt;" in page, shown
    # linebreaksbr's <br> is the only markup the excerpt gains.
    assert "&lt;img src=x onerror=alert(2)&gt;<br>second line" in page


def test_static_addresses_follow_the_static_settings_and_the_script_prefix(settings):
    from django.templatetags.static import static
    from django.urls import set_script_prefix

    render = engines["jinja2"].from_string("{{ static('css/site.css') }}").render
    settings.STATIC_URL = "/static/"
    assert render() == "/static/css/site.css"
    settings.STATIC_URL = "https://cdn.example.com/assets/"
    assert render() == "https://cdn.example.com/assets/css/site.css"
    set_script_prefix("/news/")
    try:
        settings.STATIC_URL = "static/"
        assert render() == static("css/site.css") == "/news/static/css/site.css"
    finally:
        set_script_prefix("/")
