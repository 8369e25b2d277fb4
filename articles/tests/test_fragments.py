"""Pieces of pages rendered once and reused: story cards (articles.cards) and the filter form's option lists."""

import pytest
from django.core.cache import cache

from articles.cards import card_key
from articles.models import Article, Topic
from articles.pagecache import public_generation
from articles.services import providers_changed, stories_changed, topics_changed
from articles.tests.factories import make_article, make_provider

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
    story = Article.objects.for_cards().get(pk=story.pk)
    return card_key(story, generation=public_generation(), **variant)


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
