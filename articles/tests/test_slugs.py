"""Story and topic slugs in the headline's own script, and the addresses built from them."""

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.urls import reverse

from articles.models import Article, Topic
from articles.stories.references import readable_slug
from articles.stories.write import import_paths

from .test_admin import change_form_data, change_url
from .test_import import story_text

pytestmark = pytest.mark.django_db

GREEK = "Η Αθήνα ψηφίζει νέο νόμο"
GREEK_SLUG = "η-αθήνα-ψηφίζει-νέο-νόμο"


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Café au lait", "cafe-au-lait"),
        ("Économie", "economie"),
        ("İstanbul", "istanbul"),
        ("Straße in Köln", "straße-in-köln"),
        ("ΕΛΛΑΣ: νέα μέτρα", "ελλας-νέα-μέτρα"),
        ("Путин и Trump", "путин-и-trump"),
        ("北京 新闻", "北京-新闻"),
        ("🔥🔥", ""),
    ],
)
def test_a_slug_is_ascii_only_where_ascii_keeps_every_letter(text, slug):
    assert readable_slug(text, allow_unicode=True) == slug


def test_a_slug_field_without_unicode_keeps_ascii_slugs():
    assert readable_slug("Путин и Trump", allow_unicode=False) == "trump"


def test_a_headline_in_greek_gets_a_greek_slug_that_stays_when_the_title_changes(write_fixture):
    path = write_fixture("greek.md", story_text(title=GREEK))
    import_paths([path])
    assert Article.objects.get().slug == GREEK_SLUG
    path.write_text(story_text(title="Ένας άλλος τίτλος"))
    assert import_paths([path]).updated == 1
    assert Article.objects.get().slug == GREEK_SLUG


def test_two_headlines_without_latin_letters_get_slugs_of_their_own(write_fixture):
    write_fixture("a.md", story_text(title="北京 新闻", url="https://example.com/a"))
    folder = write_fixture("b.md", story_text(title="东京 新闻", url="https://example.com/b")).parent
    import_paths([folder])
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["东京-新闻", "北京-新闻"]


def test_a_topic_named_in_cyrillic_gets_a_cyrillic_slug(write_fixture):
    import_paths([write_fixture("a.md", story_text().replace("  - AI", "  - Экономика"))])
    assert Topic.objects.get(name="Экономика").slug == "экономика"


def test_a_story_with_a_greek_slug_is_served_at_its_percent_encoded_address_everywhere(client, write_fixture):
    import_paths([write_fixture("greek.md", story_text(title=GREEK, published="true"))])
    story = Article.objects.get()
    address = f"/stories/{quote(GREEK_SLUG)}/"
    assert story.get_absolute_url() == reverse("articles:detail", kwargs={"slug": GREEK_SLUG}) == address

    page = client.get(address)
    assert page.status_code == 200
    assert GREEK in page.content.decode()
    assert f'href="{address}"' in client.get("/").content.decode()

    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    assert f"http://testserver{address}" in [element.text for element in sitemap.iter() if element.tag.endswith("loc")]
    assert f"<link>http://testserver{address}</link>" in client.get("/feeds/rss/").content.decode()
    api = client.get(f"/api/stories/{quote(GREEK_SLUG)}/")
    assert api.status_code == 200 and api.json()["slug"] == GREEK_SLUG


def test_an_editor_saves_a_story_whose_slug_is_greek(admin_client, write_fixture):
    import_paths([write_fixture("greek.md", story_text(title=GREEK))])
    story = Article.objects.get()
    response = admin_client.post(change_url(story), change_form_data(admin_client, story, title="Διορθωμένος τίτλος"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.title, story.slug) == ("Διορθωμένος τίτλος", GREEK_SLUG)
    story.full_clean()
