"""Revisions' pure parts: a story's content and back, the three-way merge, the diff."""

import pytest

from articles.revisions.content import from_content, to_content
from articles.revisions.diff import changes
from articles.revisions.merge import three_way
from articles.stories.export import render_story_bytes
from articles.stories.parse import parse_story_bytes

from .conftest import EXAMPLE, SAMPLES_DIR

SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*"))[:40] if SAMPLES_DIR.is_dir() else []


@pytest.mark.parametrize("path", [EXAMPLE, *SAMPLE_FILES], ids=lambda p: p.name)
def test_content_and_back_renders_the_same_file(path):
    data = path.read_bytes()
    content = to_content(parse_story_bytes(data, filename=path.name))
    assert render_story_bytes(from_content(content)) == data


def test_content_is_plain_json():
    import json

    content = to_content(parse_story_bytes(EXAMPLE.read_bytes(), filename=EXAMPLE.name))
    assert json.loads(json.dumps(content)) == content
    assert "warnings" not in content


BASE = {"title": "Old", "excerpt": "E", "heat": 1, "topics": ["AI"], "published": False, "quality": 50}


def test_the_files_changes_apply_where_the_editor_changed_nothing():
    merged = three_way(base=BASE, current=BASE, incoming={**BASE, "title": "New", "heat": 9})
    assert merged.content["title"] == "New" and merged.content["heat"] == 9
    assert (merged.kept, merged.conflicts) == ([], [])


def test_an_editors_change_survives_a_file_that_changed_another_field():
    current = {**BASE, "title": "Editor's", "topics": ["AI", "Policy"]}
    merged = three_way(base=BASE, current=current, incoming={**BASE, "heat": 9})
    assert merged.content == {**BASE, "title": "Editor's", "topics": ["AI", "Policy"], "heat": 9}
    assert merged.kept == ["title", "topics"] and merged.conflicts == []


def test_a_field_both_changed_is_a_conflict_and_the_editor_wins():
    merged = three_way(base=BASE, current={**BASE, "title": "Editor's"}, incoming={**BASE, "title": "Upstream's"})
    assert merged.content["title"] == "Editor's"
    assert [(c.field, c.editor, c.file) for c in merged.conflicts] == [("title", "Editor's", "Upstream's")]


def test_overwrite_takes_the_files_values_and_says_which():
    current = {**BASE, "title": "Editor's", "quality": 10}
    merged = three_way(base=BASE, current=current, incoming={**BASE, "title": "Upstream's"}, overwrite=True)
    assert merged.content["title"] == "Upstream's" and merged.content["quality"] == 50
    assert [c.field for c in merged.overwritten] == ["title", "quality"]


def test_heat_and_urls_always_follow_the_file():
    current = {**BASE, "heat": 5}
    assert three_way(base=BASE, current=current, incoming={**BASE, "heat": 7}).content["heat"] == 7


def test_without_a_base_the_file_applies():
    merged = three_way(base=None, current={**BASE, "title": "Editor's"}, incoming=BASE)
    assert merged.content == BASE


def test_diff_names_fields_and_list_items_added_removed_and_moved():
    old = {**BASE, "related": [{"title": "A", "web_url": "https://a"}, {"title": "B", "web_url": "https://b"}]}
    new = {
        **BASE,
        "title": "New",
        "topics": ["Policy", "AI"],
        "related": [{"title": "B", "web_url": "https://b"}, {"title": "A", "web_url": "https://a"}],
    }
    found = {change.field: change for change in changes(old, new)}
    assert (found["title"].old, found["title"].new) == ("Old", "New")
    assert found["topics"].items == [("added", "Policy")]
    assert found["related"].items == [("moved", "B (to place 1)"), ("moved", "A (to place 2)")]
    assert set(found) == {"title", "topics", "related"}
