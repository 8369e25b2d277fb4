"""The public `q` search: full text on PostgreSQL (search vector) and on SQLite (FTS5), with the same expectations.

CI runs this module on both databases; nothing here is skipped on one of them
but the checks of each database's own index.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article, Topic
from articles.querysets import HIGHLIGHT_START, HIGHLIGHT_STOP, search_terms
from articles.search import rebuild_search_index
from articles.services import stories_changed
from articles.stories.write import import_paths

from .conftest import EXAMPLE, SAMPLES_DIR
from .factories import make_article, make_provider, set_topics

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own index")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own index")


def titles(queryset):
    return [article.title for article in queryset]


def marked(text):
    return text.replace(HIGHLIGHT_START, "[").replace(HIGHLIGHT_STOP, "]")


def test_search_finds_every_word_in_title_or_excerpt():
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


def test_search_stems_words_and_ranks_title_matches_first():
    make_article(title="Budget update", excerpt="The council bans facial recognition.")
    make_article(title="Council bans facial recognition", excerpt="A vote on Friday.")
    found = Article.objects.published().search("banning recognition")
    assert titles(found) == ["Council bans facial recognition", "Budget update"]
    assert found[0].search_rank > found[1].search_rank


def test_search_covers_provider_and_topics():
    article = make_article(title="A story", provider=make_provider(name="Daily Dot", domain="dailydot.example"))
    set_topics(article, ["Computer Vision"])
    article.topics.add("Privacy")  # through the taggit manager
    stories_changed([article.pk])  # what every writer of the app calls (articles.services)
    assert titles(Article.objects.search("daily dot")) == ["A story"]
    assert titles(Article.objects.search("vision")) == ["A story"]
    assert titles(Article.objects.search("privacy")) == ["A story"]


def test_a_topics_name_finds_every_story_of_the_topic_even_without_the_word_in_its_text():
    for n in range(5):
        make_article(title=f"Hospital admissions fall {n}", excerpt="Fewer patients this week.", topics=["Coronavirus"])
    make_article(title="Coronavirus vaccine approved", excerpt="A first.", topics=["Vaccines"])
    make_article(title="Elections today", topics=["Politics"])

    found = titles(Article.objects.published().search("coronavirus"))

    assert len(found) == 6 and "Elections today" not in found
    # The word in the headline weighs most.
    assert found[0] == "Coronavirus vaccine approved"


def test_imported_stories_are_searchable_at_once():
    import_paths([EXAMPLE])
    assert titles(Article.objects.search("facial recognition ban")) == [
        "Minneapolis bans police, government use of facial recognition"
    ]
    assert titles(Article.objects.search("Daily Dot")) == titles(Article.objects.all())


def test_a_reimported_story_is_found_by_its_new_words_only(write_fixture):
    body = EXAMPLE.read_text()
    path = write_fixture("story.txt", body)
    import_paths([path])
    path.write_text(body.replace("Minneapolis bans police", "Saint Paul forbids police"))
    import_paths([path])
    assert titles(Article.objects.search("saint paul")) != []
    assert titles(Article.objects.search('"bans police"')) == []


def test_phrases_must_match_in_order_and_exclusions_leave_stories_out():
    make_article(title="Facial recognition banned", excerpt="In Minneapolis.")
    make_article(title="Recognition of facial expressions", excerpt="A study.")
    assert titles(Article.objects.search('"facial recognition"')) == ["Facial recognition banned"]
    assert titles(Article.objects.search("recognition -minneapolis")) == ["Recognition of facial expressions"]


def test_matching_words_are_marked_in_the_excerpt():
    make_article(title="Vaccines", excerpt="The vaccine trial in older adults shows strong protection.")
    (story,) = Article.objects.search("vaccines protection")
    assert marked(story.search_excerpt) == "The [vaccine] trial in older adults shows strong [protection]."


def test_highlights_are_marks_and_the_storys_markup_stays_text(client):
    make_article(title="Ban", excerpt='<b onmouseover="alert(1)">facial</b> recognition &amp; more')

    html = client.get("/", {"q": "facial"}).text

    excerpt = html[html.index('<p class="card__excerpt">') :].split("</p>")[0]
    assert "<mark>facial</mark>" in excerpt
    assert "<b " not in excerpt and "&lt;b onmouseover=&quot;alert(1)&quot;&gt;" in excerpt
    assert "recognition &amp; more" in excerpt


def test_markers_in_a_story_never_open_a_mark(client):
    make_article(title="Tricky", excerpt=f"{HIGHLIGHT_START}not a match{HIGHLIGHT_STOP} but tricky words")
    html = client.get("/", {"q": "tricky"}).text
    excerpt = html[html.index('<p class="card__excerpt">') :].split("</p>")[0]
    assert excerpt.count("<mark>") == 1 and "<mark>tricky</mark>" in excerpt


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '"facial',
        'facial"',
        "facial AND OR NOT",
        "NEAR(facial recognition, 2)",
        "title:facial",
        "facial*",
        "^facial",
        "{title excerpt}: facial",
        "(facial",
        "facial\x00recognition",
        "-facial",
        "''''",
        "--",
        "facial " * 500,
        "ф" * 10_000,
    ],
)
def test_any_input_is_searched_as_words_and_never_breaks_the_query(client, q):
    make_article(title="Facial recognition")
    response = client.get("/", {"q": q[:200]})
    assert response.status_code == 200
    assert Article.objects.search(q).count() in (0, 1)


def test_operators_typed_by_a_reader_are_just_words():
    make_article(title="Near the border")
    make_article(title="Recognition not allowed")
    assert titles(Article.objects.search("NEAR")) == ["Near the border"]
    assert titles(Article.objects.search('"not allowed"')) == ["Recognition not allowed"]


def test_search_terms_keep_words_phrases_and_exclusions_only():
    assert search_terms('covid-19 "Facial  recognition" -police AND) ("', 8) == (
        ["covid 19", "Facial recognition", "AND"],
        ["police"],
    )
    assert search_terms("a " * 20, 8) == (["a"] * 8, [])


def test_a_query_without_words_finds_nothing_rather_than_everything():
    make_article(title="Anything")
    assert titles(Article.objects.search("-anything")) == []
    assert titles(Article.objects.search("!!! ???")) == []


def test_a_deleted_story_is_no_longer_found():
    story = make_article(title="Withdrawn report")
    story.delete()
    stories_changed([story.pk])
    make_article(title="Another report")
    assert titles(Article.objects.search("report")) == ["Another report"]


def test_rebuilding_the_index_finds_what_was_written_behind_the_apps_back():
    story = make_article(title="Old words")
    Article.objects.filter(pk=story.pk).update(title="Fresh words")
    assert rebuild_search_index() == 1
    assert titles(Article.objects.search("fresh")) == ["Fresh words"]
    assert titles(Article.objects.search("old")) == []


@postgresql_only
def test_search_vector_has_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'article_search_vector_gin'")
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition


@sqlite_only
def test_sqlite_keeps_one_fts5_row_per_story():
    first = make_article(title="One")
    make_article(title="Two")
    stories_changed([first.pk])  # refreshing twice keeps one row
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT rowid) FROM articles_article_fts")
        assert cursor.fetchone() == (2, 2)


def test_the_rebuild_command_reports_what_it_indexed():
    make_article(title="Behind the app")
    Article.objects.update(excerpt="Quietly rewritten")
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue().strip() == "indexed 1 story for search"
    assert titles(Article.objects.search("quietly")) == ["Behind the app"]


SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*.md")) if SAMPLES_DIR.is_dir() else []
with_samples = pytest.mark.skipif(not SAMPLE_FILES, reason=f"{SAMPLES_DIR} is not here (not part of the repository)")


@with_samples
def test_in_the_real_samples_a_topics_name_finds_every_published_story_of_the_topic():
    import_paths(SAMPLE_FILES)
    topics = Topic.objects.filter(tagged_articles__content_object__published=True).distinct()
    assert topics.exists()
    for topic in topics:
        tagged = set(Article.objects.published().for_topic(topic.slug).values_list("pk", flat=True))
        found = set(Article.objects.published().search(topic.name).values_list("pk", flat=True))
        assert tagged <= found, topic.name
