"""Topics named in files, in any script: found again as the database compares names, never a failed file."""

import pytest

from articles.models import Article, Topic
from articles.stories.write import import_paths

from .test_import import story_text

pytestmark = pytest.mark.django_db


def _file(tmp_path, topic, n=1):
    path = tmp_path / f"story-{n}.txt"
    path.write_text(story_text(title=f"Story {n}", url=f"https://example.com/{n}").replace("  - AI", f"  - {topic}"))
    return path


@pytest.mark.parametrize("name", ["Économie", "ΕΛΛΑΣ", "ΟΔΟΣ", "İstanbul", "Straße", "Zürich"])
def test_a_topic_with_capitals_outside_ascii_is_created_then_found_again(tmp_path, name):
    path = _file(tmp_path, name)

    first = import_paths([path])
    path.write_text(path.read_text().replace("Story 1", "Story 1, updated"))
    again = import_paths([path])

    assert (first.created, first.failed, again.updated, again.failed) == (1, 0, 1, 0), list(again.results)
    assert list(Topic.objects.values_list("name", flat=True)) == [name]
    story = Article.objects.get()
    assert list(story.tagged_topics.values_list("tag__name", flat=True)) == [name]


def test_another_story_naming_a_stored_topic_in_another_ascii_case_joins_it(tmp_path):
    assert import_paths([_file(tmp_path, "Économie", 1)]).created == 1

    report = import_paths([_file(tmp_path, "ÉCONOMIE", 2), _file(tmp_path, "Économie", 3)])

    assert (report.created, report.failed) == (2, 0)
    assert Topic.objects.filter(name__startswith="É").count() == 1
    assert Topic.objects.get().tagged_articles.count() == 3


@pytest.mark.parametrize(
    ("stored", "named"), [("économie", "Économie"), ("Économie", "économie"), ("Zürich", "ZÜRICH")]
)
def test_a_topic_named_in_another_case_of_its_accented_letters_is_the_stored_one(tmp_path, stored, named):
    assert import_paths([_file(tmp_path, stored, 1)]).created == 1

    report = import_paths([_file(tmp_path, named, 2)])

    assert (report.created, report.failed) == (1, 0), list(report.results)
    topic = Topic.objects.get()
    assert (topic.name, topic.tagged_articles.count()) == (stored, 2)


def test_two_names_of_a_file_that_are_one_stored_topic_tag_the_story_once(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(story_text().replace("  - AI", "  - Istanbul\n  - İstanbul"))

    report = import_paths([path])

    assert (report.created, report.failed) == (1, 0), list(report.results)
    story = Article.objects.get()
    names = list(story.tagged_topics.values_list("tag__name", flat=True))
    # One topic or two, as the database's LOWER() tells them apart; never a failed file.
    assert names in (["Istanbul"], ["Istanbul", "İstanbul"])


def test_each_file_exports_the_topic_in_its_own_spelling_until_an_editor_changes_the_topics(tmp_path):
    from articles import editorial
    from articles.stories.export import render_story_bytes, story_from_article

    def exported(n):
        story = Article.objects.for_export().get(original_url=f"https://example.com/{n}")
        return render_story_bytes(story_from_article(story))

    upper, lower = _file(tmp_path, "AI", 1), _file(tmp_path, "ai", 2)
    import_paths([upper, lower])
    assert Topic.objects.count() == 1
    assert (exported(1), exported(2)) == (upper.read_bytes(), lower.read_bytes())

    editorial.set_topics(article=Article.objects.get(original_url="https://example.com/2"), names=["ai", "Climate"])
    assert b"  - AI\n  - Climate\n" in exported(2)
