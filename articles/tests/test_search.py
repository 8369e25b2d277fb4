"""The public `q` search: full text on PostgreSQL, a LIKE fallback on SQLite; same call, same result shape."""

import pytest
from django.db import connection

from articles.models import Article
from articles.services import stories_changed
from articles.stories.write import import_paths

from .factories import make_article, make_provider, set_topics

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
sqlite_only = pytest.mark.skipif(connection.vendor == "postgresql", reason="the fallback runs where there is no FTS")


def titles(queryset):
    return [article.title for article in queryset]


def test_search_finds_every_word_in_title_or_excerpt_on_any_database():
    make_article(title="Minneapolis bans facial recognition", excerpt="The council voted.")
    make_article(title="Facial recognition at airports", excerpt="Minneapolis travellers.")
    make_article(title="Budget news", excerpt="Nothing to see.")
    found = Article.objects.published().search("minneapolis facial")
    assert sorted(titles(found)) == ["Facial recognition at airports", "Minneapolis bans facial recognition"]
    assert titles(Article.objects.published().search("zebra")) == []


def test_search_on_the_public_listing_keeps_the_results_shape(client):
    make_article(title="Minneapolis bans facial recognition")
    make_article(title="Budget news")
    response = client.get("/", {"q": "facial recognition"})
    assert response.status_code == 200
    assert [a.title for a in response.context["object_list"]] == ["Minneapolis bans facial recognition"]


@sqlite_only
def test_fallback_search_is_a_case_insensitive_substring_match():
    make_article(title="Recognition of faces")
    assert titles(Article.objects.search("RECOGNI")) == ["Recognition of faces"]


@postgresql_only
def test_full_text_search_stems_words_and_ranks_title_matches_first():
    make_article(title="Budget update", excerpt="The council bans facial recognition.")
    make_article(title="Council bans facial recognition", excerpt="A vote on Friday.")
    found = Article.objects.published().search("banning recognition")
    assert titles(found) == ["Council bans facial recognition", "Budget update"]
    assert found[0].search_rank > found[1].search_rank


@postgresql_only
def test_full_text_search_covers_provider_and_topics():
    article = make_article(title="A story", provider=make_provider(name="Daily Dot", domain="dailydot.example"))
    set_topics(article, ["Computer Vision"])
    article.topics.add("Privacy")  # through the taggit manager
    stories_changed([article.pk])  # what every writer of the app calls (articles.services)
    assert titles(Article.objects.search("daily dot")) == ["A story"]
    assert titles(Article.objects.search("vision")) == ["A story"]
    assert titles(Article.objects.search("privacy")) == ["A story"]


@postgresql_only
def test_imported_stories_are_searchable_at_once():
    from .conftest import EXAMPLE

    import_paths([EXAMPLE])
    assert titles(Article.objects.search("facial recognition ban")) == [
        "Minneapolis bans police, government use of facial recognition"
    ]
    assert titles(Article.objects.search("Daily Dot")) == titles(Article.objects.all())


@postgresql_only
def test_search_vector_has_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'article_search_vector_gin'")
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition
