"""Hostile fixtures: whatever the bytes, the parser ends in a story or a clear FixtureError."""

import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Image, RelatedLink, TaggedArticle, Topic
from articles.stories.parse import FixtureError, parse_story_bytes
from articles.stories.write import import_paths
from providers.models import Provider

from .conftest import EXAMPLE

EXAMPLE_BYTES = EXAMPLE.read_bytes()
EXAMPLE_LINES = EXAMPLE_BYTES.split(b"\n")


def outcome(data):
    """A StoryData or a FixtureError; anything else raised fails the test."""
    try:
        return parse_story_bytes(data, filename="fuzz.txt")
    except FixtureError as error:
        assert str(error).startswith("fuzz.txt"), str(error)
        return error


def drop_line(lines, index):
    return lines[:index] + lines[index + 1 :]


def duplicate_line(lines, index):
    return lines[:index] + [lines[index]] + lines[index:]


def retype_line(lines, index, replacement):
    line = lines[index]
    if b":" not in line:
        return lines
    key = line.split(b":", 1)[0]
    return lines[:index] + [key + b": " + replacement] + lines[index + 1 :]


REPLACEMENTS = st.sampled_from(
    [
        b"",
        b"null",
        b"~",
        b"-1",
        b"1e999",
        b"[]",
        b"{}",
        b"[1, [2, [3]]]",
        b"true",
        b'"x"',
        b"!!binary AAAA",
        b"!!python/object:os.system {}",
        b"&a 1",
        b"*a",
        b"2021-13-45T99:99:99Z",
        b"'unterminated",
        b"|",
        b">-",
        b"{a: 1, a: 2}",
        b"\xff\xfe",
        b"\x00",
        b"https://" + b"a" * 3000,
        b"javascript:alert(1)",
    ]
)


@st.composite
def mutated_example(draw):
    lines = list(EXAMPLE_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["drop", "duplicate", "retype", "truncate", "insert_bytes"]))
        if operation == "drop":
            lines = drop_line(lines, index)
        elif operation == "duplicate":
            lines = duplicate_line(lines, index)
        elif operation == "retype":
            lines = retype_line(lines, index, draw(REPLACEMENTS))
        elif operation == "truncate":
            lines = lines[:index] + [lines[index][: draw(st.integers(0, max(len(lines[index]) - 1, 0)))]]
        else:
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.binary(min_size=1, max_size=8)) + line[at:]
        if not lines:
            lines = [b""]
    return b"\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_example())
def test_mutated_real_files_end_as_a_story_or_a_clear_error(data):
    outcome(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_end_as_a_clear_error(data):
    outcome(b"---\n" + data + b"\n---\n")
    outcome(data)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=20,
    )
)
def test_any_well_formed_yaml_value_ends_as_a_story_or_a_clear_error(value):
    import yaml

    for key in ["title", "provider", "images", "related", "topics", "quality", "publishedDateTime", "webUrl"]:
        document = {"title": "T", "originalUrl": "https://example.com/", key: value}
        outcome(b"---\n" + yaml.safe_dump(document, allow_unicode=True).encode() + b"---\n")


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=mutated_example())
def test_a_rejected_file_leaves_no_rows(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "fuzz.txt").write_bytes(data)
    report = import_paths([folder])
    tables = [Article, RelatedLink, Image, TaggedArticle, Topic, Provider]
    try:
        if report.failed:
            assert [model.objects.count() for model in tables] == [0] * len(tables)
        else:
            assert Article.objects.count() == 1
    finally:
        for model in tables:
            model.objects.all().delete()


def test_billion_laughs_is_refused_in_seconds_with_little_memory():
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    data = ('---\ntitle: "x"\noriginalUrl: "https://example.com/"\n' + "\n".join(levels) + "\n---\n").encode()
    tracemalloc.start()
    started = time.monotonic()
    error = outcome(data)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(error, FixtureError) and "aliases" in str(error)
    assert elapsed < 2 and peak < 20 * 1024 * 1024


def test_deep_nesting_is_a_clear_error():
    data = b'---\ntitle: "x"\noriginalUrl: "https://example.com/"\nx: ' + b"[" * 5000 + b"]" * 5000 + b"\n---\n"
    assert isinstance(outcome(data), FixtureError)
