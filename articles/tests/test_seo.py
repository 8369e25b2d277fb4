import datetime
import json
from html.parser import HTMLParser

import pytest
from django.utils import translation
from django.utils.text import Truncator
from hypothesis import given
from hypothesis import strategies as st

from articles.templatetags.newsroom import truncated_chars
from articles.tests.factories import make_article, make_image, make_provider

pytestmark = pytest.mark.django_db

SCRIPT = "</script><script>alert('x')</script>"


class Head(HTMLParser):
    """The parts of a page that search engines and link previews read."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.title = None
        self.meta = {}
        self.links = []
        self.json_ld = []
        self._in = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in, self.title = "title", ""
        elif tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta.setdefault(attrs.get("name") or attrs["property"], []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json_ld"
            self.json_ld.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json_ld":
            self.json_ld[-1] += data

    def one(self, name):
        values = self.meta.get(name, [])
        assert len(values) == 1, (name, values)
        return values[0]

    def canonical(self):
        hrefs = [link["href"] for link in self.links if link.get("rel") == "canonical"]
        assert len(hrefs) == 1, hrefs
        return hrefs[0]


def head(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return Head(response.text)


@pytest.fixture
def story():
    provider = make_provider(
        name="The Daily Dot",
        domain="dailydot.com",
        logos=[{"url": "https://img.example/logo.png", "width": 120, "height": 40}],
    )
    article = make_article(
        title="Minneapolis bans facial recognition",
        excerpt="The council voted to ban the technology. " * 10,
        provider=provider,
        topics=["AI"],
        original_url="https://www.dailydot.com/story/",
        web_url="https://www.dailydot.com/story/",
        published_at=datetime.datetime(2021, 2, 12, 19, 25, tzinfo=datetime.UTC),
    )
    make_image(article=article, position=0, url="https://img.example/lead.jpg", width=2000, height=1000)
    make_image(article=article, position=1, url="https://img.example/second.jpg", width=800, height=600)
    return article


def test_every_page_has_a_title_a_description_and_a_canonical_address(client, story):
    pages = {
        "/": ("Latest stories · Newsroom", "http://testserver/"),
        f"/stories/{story.slug}/": (
            "Minneapolis bans facial recognition · Newsroom",
            f"http://testserver/stories/{story.slug}/",
        ),
        "/topics/ai/": ("Topic: AI · Newsroom", "http://testserver/topics/ai/"),
        "/providers/dailydot-com/": (
            "Stories from The Daily Dot · Newsroom",
            "http://testserver/providers/dailydot-com/",
        ),
    }
    for url, (title, canonical) in pages.items():
        page = head(client, url)
        assert page.title == title, url
        assert page.one("description").strip(), url
        assert page.canonical() == canonical, url


def test_not_found_page_has_a_title_and_a_description_and_is_not_indexed(client):
    page = head(client, "/stories/missing/", status=404)

    assert page.title == "Page not found · Newsroom"
    assert page.one("description")
    assert page.one("robots") == "noindex"


def test_story_description_is_the_excerpt_cut_short(client, story):
    description = head(client, f"/stories/{story.slug}/").one("description")

    assert description.startswith("The council voted to ban the technology.")
    assert len(description) <= 160


def test_canonical_of_a_filtered_page_keeps_only_the_filters_in_use(client, story):
    page = head(client, "/?q=&topic=ai&provider=&quality=")

    assert page.canonical() == "http://testserver/?topic=ai"
    assert page.one("robots") == "noindex, follow"


def test_unfiltered_listing_pages_are_indexed(client, story):
    assert "robots" not in head(client, "/").meta


def test_story_page_has_open_graph_and_twitter_tags(client, story):
    page = head(client, f"/stories/{story.slug}/")

    assert page.one("og:type") == "article"
    assert page.one("og:title") == "Minneapolis bans facial recognition"
    assert page.one("og:url") == f"http://testserver/stories/{story.slug}/"
    assert page.one("og:image") == "https://img.example/lead.jpg"
    assert page.one("og:image:width") == "2000"
    assert page.one("og:description").startswith("The council voted")
    assert page.one("article:published_time") == "2021-02-12T19:25:00+00:00"
    assert page.one("twitter:card") == "summary_large_image"
    assert page.one("twitter:title") == "Minneapolis bans facial recognition"
    assert page.one("twitter:image") == "https://img.example/lead.jpg"


def test_story_page_describes_itself_as_a_news_article(client, story):
    page = head(client, f"/stories/{story.slug}/")

    assert len(page.json_ld) == 1
    data = json.loads(page.json_ld[0])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Minneapolis bans facial recognition"
    assert data["datePublished"] == "2021-02-12T19:25:00+00:00"
    assert data["image"] == ["https://img.example/lead.jpg", "https://img.example/second.jpg"]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "The Daily Dot",
        "logo": {"@type": "ImageObject", "url": "https://img.example/logo.png"},
    }
    assert data["mainEntityOfPage"] == f"http://testserver/stories/{story.slug}/"
    assert data["isBasedOn"] == "https://www.dailydot.com/story/"


def test_json_ld_keeps_stored_markup_as_data(client):
    article = make_article(
        title=f"Title {SCRIPT}",
        excerpt=f"Excerpt {SCRIPT} & more",
        provider=make_provider(name=f"Outlet {SCRIPT}"),
    )

    response = client.get(f"/stories/{article.slug}/")
    page = Head(response.text)

    # The only way out of a script element is "</": it must not occur inside it.
    block = response.text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(page.json_ld[0])
    assert data["headline"] == f"Title {SCRIPT}"
    assert data["description"] == f"Excerpt {SCRIPT} & more"
    assert data["publisher"]["name"] == f"Outlet {SCRIPT}"
    assert response.text.count("<script") == 1


def test_meta_tags_escape_stored_markup(client):
    article = make_article(title='Quote " and <b>bold</b>', excerpt='Say "hi" <img src=x onerror=alert(1)>')

    page = head(client, f"/stories/{article.slug}/")

    assert page.one("og:title") == 'Quote " and <b>bold</b>'
    assert page.one("description") == 'Say "hi" <img src=x onerror=alert(1)>'
    assert page.title == 'Quote " and <b>bold</b> · Newsroom'


def test_story_without_images_uses_a_small_twitter_card(client):
    article = make_article()

    page = head(client, f"/stories/{article.slug}/")

    assert page.one("twitter:card") == "summary"
    assert "og:image" not in page.meta
    assert "image" not in json.loads(page.json_ld[0])


def test_pages_declare_their_language(client, story):
    for url in ["/", f"/stories/{story.slug}/", "/stories/missing/"]:
        assert client.get(url).text.startswith('<!DOCTYPE html>\n<html lang="en">'), url


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Short",
        "x" * 160,
        "x" * 161,
        "A long headline " * 20,
        "e\u0301" * 159,  # NFC makes each one character: short enough
        "e\u0301" * 170,
        "\u0915\u094d\u0937" * 60,  # a combining virama: counted as Truncator counts it
        "Caf\u00e9 " * 50,
        "x" * 110 + "\u0301",  # the first combining character just past the cut
        "x" * 300 + "e\u0301" * 10,  # combining characters only after the first length + 1
    ],
)
@pytest.mark.parametrize("length", [1, 110, 160, 300])
def test_descriptions_are_cut_exactly_as_djangos_truncator_cuts_them(text, length):
    assert truncated_chars(text, length) == Truncator(text).chars(length)


# Letters, combining marks (accents, viramas) and spaces, so that some texts need the walk and some not.
_MIXED_TEXT = st.text(st.sampled_from("ae \u0301\u0308\u094d\u0915\u00e9\u2026"), max_size=400)


@given(text=_MIXED_TEXT, length=st.integers(min_value=-1, max_value=320))
@pytest.mark.parametrize("language", ["en", "fr", "ja"])
def test_any_text_is_cut_as_djangos_truncator_cuts_it(text, length, language):
    with translation.override(language):
        assert truncated_chars(text, length) == Truncator(text).chars(length)


@given(data=st.dictionaries(st.text(max_size=5), st.text(st.sampled_from("<>&/'\"\\ a\u2028é"), max_size=40)))
def test_json_ld_is_escaped_as_djangos_json_script_escapes(data):
    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.html import _json_script_escapes

    from articles.templatetags.newsroom import json_for_script

    expected = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_json_script_escapes)
    assert json_for_script(data) == expected
    assert json.loads(json_for_script(data)) == data
