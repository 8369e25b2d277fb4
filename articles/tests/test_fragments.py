"""Pieces of pages rendered once and reused: story cards (articles.cards) and the filter form's option lists."""

import pytest
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template import engines
from django.test.signals import template_rendered
from django.utils import timezone

from articles import cards
from articles.cards import CARD_ROW_FIELDS, CARD_TEMPLATE, card_key, key_columns, key_rows, story_from_columns
from articles.filters import ArticleFilter
from articles.models import Article, Topic
from articles.pagecache import public_generations
from articles.services import providers_changed, stories_changed, topics_changed
from articles.tests.factories import make_article, make_provider
from articles.views import FILTER_FORM_TEMPLATE

pytestmark = pytest.mark.django_db

MARKER = "<article>card from the cache</article>"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Whole pages are built every time: what is tested is the cards' and the options' reuse.
    settings.NEWSROOM_PAGE_CACHE = False
    cache.clear()
    yield
    cache.clear()


def _card_of(story, **variant):
    return card_key(key_rows([story.pk])[0], generation=public_generations()[0], **variant)


def test_a_card_rendered_on_one_listing_is_reused_by_another(client):
    story = make_article(topics=["Courts"])
    client.get("/")
    key = _card_of(story, eager=True)
    assert "Story number" in cache.get(key)

    cache.set(key, MARKER)
    # The topic page shows the same story first: its card is the cached one, not rendered again.
    assert MARKER in client.get("/topics/courts/").text


def test_a_story_edited_gets_a_new_card(client):
    story = make_article(title="Before the edit")
    client.get("/")
    old = _card_of(story, eager=True)

    story.title = "After the edit"
    story.save()
    stories_changed([story.pk])

    assert _card_of(story, eager=True) != old
    page = client.get("/").text
    assert "After the edit" in page and "Before the edit" not in page


def test_a_renamed_provider_gets_its_stories_new_cards(client):
    outlet = make_provider(name="Old Outlet", slug="old-outlet")
    story = make_article(provider=outlet)
    client.get("/")
    old = _card_of(story, eager=True)

    outlet.name, outlet.slug = "New Outlet", "new-outlet"
    outlet.save()
    providers_changed()

    assert _card_of(story, eager=True) != old
    page = client.get("/").text
    assert '<a href="/providers/new-outlet/">New Outlet</a>' in page and "Old Outlet" not in page


def test_a_renamed_topic_gets_new_cards(client, django_capture_on_commit_callbacks):
    story = make_article(topics=["AI"])
    client.get("/")
    old = _card_of(story, eager=True)

    with django_capture_on_commit_callbacks(execute=True):
        Topic.objects.filter(slug="ai").update(name="Machine Learning", slug="machine-learning")
        topics_changed()

    assert _card_of(story, eager=True) != old
    page = client.get("/").text
    assert '<a href="/topics/machine-learning/">Machine Learning</a>' in page


def test_a_compact_listing_and_the_first_card_have_cards_of_their_own(client):
    first, second = make_article(), make_article()
    page = client.get("/").text
    compact = client.get("/?view=compact").text
    assert 'loading="lazy"' not in compact
    assert _card_of(first, eager=True) != _card_of(first, eager=False) != _card_of(first, compact=True)
    assert first.title in page and second.title in compact


def test_a_search_shows_its_own_highlights_not_a_cached_card_of_another_search(client):
    make_article(title="Council votes on the budget", excerpt="The council voted on the budget.")
    council = client.get("/?q=council").text.lower()
    budget = client.get("/?q=budget").text.lower()
    assert "<mark>council</mark>" in council and "<mark>budget</mark>" not in council
    assert "<mark>budget</mark>" in budget and "<mark>council</mark>" not in budget


def test_the_filter_options_follow_a_new_provider(client):
    make_article(provider=make_provider(name="First Outlet", slug="first"))
    assert '<option value="first">First Outlet</option>' in client.get("/").text

    make_article(provider=make_provider(name="Second Outlet", slug="second"))
    page = client.get("/").text
    assert '<option value="first">First Outlet</option>' in page
    assert '<option value="second">Second Outlet</option>' in page


def test_the_filter_options_mark_the_readers_choice_only(client):
    make_article(provider=make_provider(name="First Outlet", slug="first"))
    make_article(provider=make_provider(name="Second Outlet", slug="second"))
    page = client.get("/?provider=second").text
    assert '<option value="second" selected>Second Outlet</option>' in page
    assert '<option value="first">First Outlet</option>' in page
    assert '<option value="">Any provider</option>' in page
    # A page without a choice: the cached options carry no reader's selection.
    unfiltered = client.get("/").text
    assert '<option value="">Any provider</option>' not in unfiltered
    assert '<option value="second">Second Outlet</option>' in unfiltered


def test_the_filter_options_escape_names_and_values(client):
    make_article(provider=make_provider(name='Outlet "><script>x()</script>', slug="outlet"), topics=["<b>T</b>"])
    page = client.get("/").text
    assert "<script>x()</script>" not in page and "<b>T</b>" not in page
    assert '<option value="outlet">Outlet &quot;&gt;&lt;script&gt;x()&lt;/script&gt;</option>' in page


@pytest.fixture
def form_renders():
    """The filter form's renderings, by the pages' template_rendered signal."""
    rendered = []

    def receiver(sender, template, **kwargs):
        if getattr(template, "template", None) is not None and template.template.name == FILTER_FORM_TEMPLATE:
            rendered.append(template)

    template_rendered.connect(receiver)
    yield rendered
    template_rendered.disconnect(receiver)


def test_the_filter_form_is_rendered_once_per_page_query_and_content(client, form_renders):
    make_article(provider=make_provider(name="First Outlet", slug="first"))
    make_article(provider=make_provider(name="Second Outlet", slug="second"))

    client.get("/?provider=second")
    again = client.get("/?provider=second").text
    assert len(form_renders) == 1
    assert '<option value="second" selected>Second Outlet</option>' in again

    first = client.get("/?provider=first").text
    client.get("/topics/")  # no form
    client.get("/?provider=first&page=1&utm_source=feed")
    assert len(form_renders) == 2
    assert '<option value="first" selected>First Outlet</option>' in first

    make_article(provider=make_provider(name="Third Outlet", slug="third"))
    assert '<option value="third">Third Outlet</option>' in client.get("/?provider=first").text
    assert len(form_renders) == 3


def test_a_search_typed_into_the_form_is_kept_per_query_and_escaped(client, form_renders):
    make_article(title="Budget talks")
    hostile = client.get("/", {"q": '"><script>x()</script>'}).text
    plain = client.get("/", {"q": "budget"}).text

    assert "<script>x()</script>" not in hostile and "&lt;script&gt;x()&lt;/script&gt;" in hostile
    assert 'value="budget"' in plain and "x()" not in plain
    assert len(form_renders) == 2


# The cards' key columns (articles.cards.key_columns): SQL written once, values as the ORM's.


def test_key_columns_hold_what_the_orm_loads_for_a_card(client):
    outlet = make_provider(name="Outlet", slug="outlet")
    pictured = make_article(provider=outlet, images=2, topics=["Courts"])
    bare = make_article(provider=None)

    found = key_columns([bare.pk, pictured.pk])

    for story in (pictured, bare):
        row = Article.objects.for_cards().get(pk=story.pk)
        expected = (row.pk, row.updated_at, *(getattr(row, name) for name in CARD_ROW_FIELDS))
        assert found[story.pk][: len(expected)] == expected
        assert found[story.pk][-1] == row.card_image
    assert found[pictured.pk][-5:-1] == (outlet.pk, "Outlet", "outlet", outlet.updated_at)
    assert found[bare.pk][-5:] == (None, None, None, None, None)


def test_a_card_built_from_key_columns_is_the_card_of_the_orms_row():
    story = make_article(images=1, topics=["Courts", "Space"], excerpt="Ampersands & <tags>")
    from_columns = story_from_columns(key_columns([story.pk])[story.pk])
    from_orm = Article.objects.for_cards().get(pk=story.pk)
    prefetch_related_objects([from_columns], Article.objects.topics_prefetch())
    card = engines["jinja2"].env.get_template(CARD_TEMPLATE).module.card

    assert str(card(from_columns, compact=False, eager=True)) == str(card(from_orm, compact=False, eager=True))
    assert from_columns.published_at == from_orm.published_at and timezone.is_aware(from_columns.published_at)


def test_pages_of_every_length_get_their_cards_and_reuse_the_written_query(client):
    stories = [make_article(title=f"Numbered {n}") for n in range(23)]

    first, last = client.get("/").text, client.get("/?page=2").text

    assert first.count('<article class="card') == 20 and last.count('<article class="card') == 3
    assert "Numbered 0" in first and "Numbered 22" in last
    assert key_columns([stories[0].pk, stories[1].pk, stories[2].pk]).keys() == {s.pk for s in stories[:3]}
    assert {shape[1] for shape in cards.KEY_COLUMNS_QUERY._prepared} >= {20, 3}


def test_a_story_taken_down_between_the_ids_and_the_columns_is_left_out(client, monkeypatch):
    make_article(title="Still here")
    gone = make_article(title="Taken down")
    real = cards.key_rows

    def taken_down_meanwhile(ids, **kwargs):
        Article.objects.filter(pk=gone.pk).delete()
        return real(ids, **kwargs)

    monkeypatch.setattr(cards, "key_rows", taken_down_meanwhile)
    page = client.get("/").text

    assert "Still here" in page and "Taken down" not in page


def test_an_unfiltered_listing_builds_no_filter_form_once_its_markup_is_cached(client, monkeypatch):
    make_article(title="Plain listing")
    client.get("/")
    built = []
    real = ArticleFilter.form
    monkeypatch.setattr(ArticleFilter, "form", property(lambda self: built.append(self) or real.fget(self)))

    page = client.get("/").text
    assert "Plain listing" in page and 'name="q"' in page
    assert built == []
    client.get("/?q=plain")
    assert built, "a filtered page validates its filters with the form"


def test_a_listing_whose_cards_are_all_cached_converts_none_of_their_rows(client, monkeypatch):
    make_article(title="First story")
    make_article(title="Second story")
    first = client.get("/").text
    converted = []
    convert = cards.KEY_COLUMNS_QUERY.converted
    monkeypatch.setattr(
        cards.KEY_COLUMNS_QUERY, "converted", lambda rows, **kwargs: converted.extend(rows) or convert(rows, **kwargs)
    )

    assert client.get("/").text == first
    assert converted == []
    make_article(title="Third story")
    assert "Third story" in client.get("/").text
    assert [row[2] for row in converted] == ["Third story"]  # the one card not in the cache
