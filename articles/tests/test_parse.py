"""The pure parser: text in, StoryData or a FixtureError naming file, line and field out."""

import datetime as dt

import pytest
import yaml

from articles.stories.parse import FixtureError, Limits, identifier_from_filename, parse_story, parse_story_bytes

MINIMAL = """---
title: "A story"
originalUrl: "https://example.com/a"
---
"""


def parse(text, **kwargs):
    return parse_story(text, filename="story.md", **kwargs)


def error_of(text, **kwargs):
    with pytest.raises(FixtureError) as caught:
        parse(text, **kwargs)
    return str(caught.value)


def test_example_story_fields(example_bytes):
    story = parse_story_bytes(example_bytes, filename="000_8e5473f5569516b7.txt")
    assert story.title == "Minneapolis bans police, government use of facial recognition"
    assert story.category == "news"
    assert story.published_at == dt.datetime(2021, 2, 12, 19, 25, tzinfo=dt.UTC)
    assert story.web_url == "https://www.dailydot.com/debug/minneapolis-facial-recognition-ban/"
    assert story.amp_url.endswith("?amp")
    assert story.cdn_amp_url.startswith("https://www-dailydot-com.cdn.ampproject.org/")
    assert (story.type, story.quality, story.heat, story.published) == ("article", 59, -1, False)
    assert (story.provider.name, story.provider.domain) == ("The Daily Dot", "dailydot.com")
    assert story.topics == ["Computer Vision", "AI"]
    assert story.identifier == "8e5473f5569516b7"
    assert story.url_key == story.web_url
    assert story.secured.startswith("1W859LBeM0PpfP4iQG0T5SDQ4b1LSF4JT6mrnfhFbzloQtROB")
    assert story.body == "\n"
    assert not story.crlf


def test_example_related_items_keep_their_order_and_optional_keys(example_bytes):
    story = parse_story_bytes(example_bytes, filename="000_8e5473f5569516b7.txt")
    assert len(story.related) == 9
    first = story.related[0]
    assert first.title == "Minneapolis bans its police department from using facial recognition software"
    assert (first.provider.domain, first.quality) == ("techcrunch.com", 86)
    assert first.images[0].width == 1024 and first.images[0].is_cached is True
    ap = next(item for item in story.related if item.provider.domain == "apnews.com")
    assert ap.amp_url == "" and "ampWebUrl" not in ap.keys


def test_jekyll_file_name_is_its_own_identifier():
    assert identifier_from_filename("2020-05-12-power-apps-portals.md") == "2020-05-12-power-apps-portals"
    assert identifier_from_filename("007_ABCDEF0123456789.txt") == "abcdef0123456789"


def test_crlf_and_byte_order_mark_are_accepted():
    data = b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode()
    story = parse_story_bytes(data, filename="bom.md")
    assert (story.title, story.bom, story.crlf) == ("A story", True, True)


def test_other_styles_of_yaml_are_accepted():
    story = parse(
        "---\ntitle: 'Single quoted'\nexcerpt: >\n  folded\n  text\noriginalUrl: https://example.com/x\n"
        "topics: [AI, Climate]\n---\nBody text\n"
    )
    assert story.title == "Single quoted"
    assert story.excerpt == "folded text\n"
    assert story.topics == ["AI", "Climate"]
    assert story.body == "Body text\n"


def test_unknown_keys_are_kept_in_order():
    story = parse('---\ntitle: "T"\nlanguage: en\noriginalUrl: "https://example.com/x"\nscore: 3\n---\n')
    assert story.extra == {"language": "en", "score": 3}
    assert story.keys == ("title", "language", "originalUrl", "score")


def test_date_without_time_zone_is_read_as_utc_with_a_warning():
    story = parse(MINIMAL.replace("---\n", "---\npublishedDateTime: 2021-02-12T19:25:00\n", 1))
    assert story.published_at == dt.datetime(2021, 2, 12, 19, 25, tzinfo=dt.UTC)
    assert story.warnings == ["story.md:2: publishedDateTime: no time zone given; read as UTC"]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            '---\ntitle: "unclosed\noriginalUrl: x\n---\n',
            "story.md:4: invalid YAML: found unexpected end of stream (while scanning a quoted scalar, line 2)",
        ),
        ("---\ntitle: [a, b\n---\n", "story.md:"),
        ('---\ntitle: "A"\noriginalUrl: "https://example.com/a"\n', "front matter is not closed"),
        ('title: "A"\n---\n', "story.md:1: the file must start with a '---' line"),
        ('---\nexcerpt: "no title"\noriginalUrl: "https://example.com/a"\n---\n', "title: a title is required"),
        ('---\ntitle: "A"\n---\n', "originalUrl: a story needs a webUrl or an originalUrl"),
        ("---\n- a list\n---\n", "story.md:2: the front matter must be a mapping"),
        ("---\n---\n", "story.md:2: the front matter must be a mapping"),
    ],
)
def test_malformed_files_get_a_clear_error(text, expected):
    assert expected in error_of(text)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("quality: -3", "story.md:4: quality: must not be negative, got -3"),
        ("quality: high", "story.md:4: quality: must be a whole number, not a string"),
        ("quality: 5.5", "story.md:4: quality: must be a whole number, not a number"),
        ("published: yes please", "story.md:4: published: must be true or false"),
        ('published: "true"', "story.md:4: published: must be true or false"),
        ("heat: []", "story.md:4: heat: must be a whole number, not a list"),
        ("provider: Reuters", "story.md:4: provider: must be a mapping of keys to values, not a string"),
        ("provider: {name: X}", "provider.domain: is required"),
        ("images: a picture", "story.md:4: images: must be a list, not a string"),
        ("images: [https://x.example/a.jpg]", "images[0]: must be a mapping"),
        ("related: {title: x}", "story.md:4: related: must be a list, not a mapping"),
        ("related: [{excerpt: x}]", "related[0].title: a title is required"),
        ("topics: AI", "topics: must be a list, not a string"),
        ("topics: [AI, ai]", "topics[1]: topic 'ai' is listed twice"),
        (
            "publishedDateTime: 2021-02-30T10:00:00Z",
            "story.md:4: publishedDateTime: '2021-02-30T10:00:00Z' is not a possible date",
        ),
        ("publishedDateTime: yesterday", "publishedDateTime: 'yesterday' is not an ISO 8601 date"),
        ("title: again", "story.md:4: invalid YAML: duplicate key 'title' (first on line 1"),
        ("x: !!python/object/apply:os.system ['echo hi']", "story.md:4: invalid YAML: tag not allowed"),
        ("x: !!python/name:os.system", "tag not allowed"),
        ("x: !!binary AAAA", "story.md:4: invalid YAML: tag not allowed: tag:yaml.org,2002:binary"),
        ("x: !!set {a, b}", "tag not allowed: tag:yaml.org,2002:set"),
        ("x: &a [1]\ny: *a", "aliases (*name) and anchors are not allowed"),
        ("score: .inf", "story.md:4: score: inf cannot be stored (no infinity or NaN); quote it"),
        ("custom:\n  deep: [1, -.inf]", "story.md:5: custom.deep[1]: -inf cannot be stored"),
        ("score: .nan", "story.md:4: score: nan cannot be stored"),
        ("provider:\n  name: Reuters\n  domain: com", "story.md:6: provider.domain: 'com' is not a domain name"),
        ("provider:\n  name: X\n  domain: x.example\n  rank: .inf", "story.md:7: provider.rank: inf cannot be stored"),
        ('images:\n  - url: "https://x.example/a.jpg"\n    score: .nan', "story.md:6: images[0].score: nan cannot"),
    ],
)
def test_bad_fields_are_named_with_their_line(line, expected):
    text = f'---\ntitle: "A"\noriginalUrl: "https://example.com/a"\n{line}\n---\n'
    assert expected in error_of(text)


@pytest.mark.parametrize("key", ["originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl"])
@pytest.mark.parametrize(
    "url, expected",
    [
        ("javascript:alert(1)", "javascript: URLs are not allowed, only http and https"),
        ("data:text/html,<b>x</b>", "data: URLs are not allowed"),
        ("/relative/path", "relative URLs are not allowed"),
        ("ftp://example.com/file", "ftp: URLs are not allowed"),
        ("https:///no-host", "has no host name"),
        ("https://exa mple.com/", "is not a valid URL"),
        # YAML's "\\" is one backslash: browsers go to evil.example, urlsplit() to microsoft.com.
        ("https://evil.example\\\\@www.microsoft.com/x", "has a backslash in its address"),
        ("https://evil.example\\\\.microsoft.com/x", "has a backslash in its address"),
    ],
)
def test_only_http_and_https_urls_are_data(key, url, expected):
    text = f'---\ntitle: "A"\noriginalUrl: "https://example.com/ok"\n{key}: "{url}"\n---\n'
    if key == "originalUrl":
        text = f'---\ntitle: "A"\n{key}: "{url}"\n---\n'
    message = error_of(text)
    assert f"{key}: " in message and expected in message


def test_a_domain_may_end_with_the_roots_dot():
    text = '---\ntitle: "A"\noriginalUrl: "https://e.example/a"\nprovider:\n  name: E\n  domain: example.com.\n---\n'
    assert parse(text).provider.domain == "example.com."


def test_a_backslash_in_a_urls_query_is_data():
    text = '---\ntitle: "A"\noriginalUrl: "https://example.com/a?q=C:\\\\temp#x\\\\y"\n---\n'
    assert parse_story(text, filename="story.md").original_url == "https://example.com/a?q=C:\\temp#x\\y"


def test_nested_urls_are_named_by_their_path():
    text = (
        '---\ntitle: "A"\noriginalUrl: "https://example.com/a"\nrelated:\n'
        '  - title: "r0"\n    webUrl: "https://ok.example/"\n'
        '  - title: "r1"\n    webUrl: "javascript:alert(1)"\n---\n'
    )
    assert error_of(text) == "story.md:8: related[1].webUrl: javascript: URLs are not allowed, only http and https"


def test_image_urls_are_checked_too():
    text = '---\ntitle: "A"\noriginalUrl: "https://example.com/a"\nimages:\n  - url: "data:image/png;base64,AA"\n---\n'
    assert "images[0].url: data: URLs are not allowed" in error_of(text)


def test_non_utf8_bytes_are_refused_with_their_line():
    data = MINIMAL.replace('"A story"', '"Caf\xe9"').encode("latin-1")
    with pytest.raises(FixtureError, match=r"^latin\.md:2: not UTF-8 text \(byte 0xe9"):
        parse_story_bytes(data, filename="latin.md")


def test_nul_bytes_are_refused():
    with pytest.raises(FixtureError, match="NUL bytes are not allowed"):
        parse_story_bytes(MINIMAL.encode() + b"\0", filename="nul.md")


def test_limits_are_enforced():
    big = MINIMAL.encode() + b"x" * 100
    with pytest.raises(FixtureError, match="more than the limit of 50"):
        parse_story_bytes(big, filename="big.md", limits=Limits(max_file_bytes=50))
    related = "related:\n" + "".join(f'  - title: "r{i}"\n' for i in range(3))
    assert "3 related items, more than the limit of 2" in error_of(
        MINIMAL.replace("---\n", f"---\n{related}", 1), limits=Limits(max_related=2)
    )
    assert "is 501 characters long, more than 500" in error_of(MINIMAL.replace('"A story"', '"' + "x" * 501 + '"'))


def test_alias_bomb_is_refused_quickly():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    text = '---\ntitle: "A"\noriginalUrl: "https://example.com/a"\n' + "\n".join(lines) + "\n---\n"
    assert "aliases (*name) and anchors are not allowed" in error_of(text)


# Characters feeds cannot carry, blank titles, impossible dates, oversized documents

CONTROL_CHARACTERS = [chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_the_title_is_refused_with_file_line_and_field(char):
    escaped = f"\\x{ord(char):02x}"
    text = f'---\ntitle: "A{escaped}story"\noriginalUrl: "https://example.com/a"\n---\n'
    assert (
        error_of(text)
        == f"story.md:2: title: control character U+{ord(char):04X} is not allowed (feeds cannot carry it)"
    )


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('excerpt: "bell \\a"', "excerpt"),
        ('category: "news\\x1b"', "category"),
        ('provider: {name: "Out\\x01let", domain: x.example}', "provider.name"),
        ('topics: ["A\\x02I"]', "topics[0]"),
        ('related: [{title: "T\\x03"}]', "related[0].title"),
        ('featuredContent: "<b>\\x04</b>"', "featuredContent"),
        ('unknownKey: {nested: ["\\x05"]}', "unknownKey.nested[0]"),
    ],
)
def test_a_control_character_in_any_text_is_refused_naming_its_field(line, field):
    text = f'---\ntitle: "A"\noriginalUrl: "https://example.com/a"\n{line}\n---\n'
    message = error_of(text)
    assert message.startswith(f"story.md:4: {field}: control character U+"), message


def test_tabs_and_line_breaks_in_text_are_kept():
    story = parse('---\ntitle: "A\\tB"\nexcerpt: "one\\r\\ntwo"\noriginalUrl: "https://example.com/a"\n---\n')
    assert (story.title, story.excerpt) == ("A\tB", "one\r\ntwo")


@pytest.mark.parametrize("title", ['"   "', '"\\t\\n"', "' '"])
def test_a_whitespace_only_title_is_refused_like_an_empty_one(title):
    text = f'---\ntitle: {title}\noriginalUrl: "https://example.com/a"\n---\n'
    assert error_of(text) == "story.md:2: title: a title is required"


@pytest.mark.parametrize("value", ["0000-01-01T00:00:00Z", "0000-06-15", '"0000-01-01T00:00:00Z"'])
def test_a_date_in_year_zero_is_refused_naming_published_date_time(value):
    text = f'---\ntitle: "A"\noriginalUrl: "https://example.com/a"\npublishedDateTime: {value}\n---\n'
    message = error_of(text)
    assert message.startswith("story.md:4: publishedDateTime: "), message


def test_a_date_in_year_zero_in_a_related_item_names_its_field():
    text = (
        '---\ntitle: "A"\noriginalUrl: "https://example.com/a"\n'
        'related:\n  - title: "R"\n    publishedDateTime: 0000-01-01T00:00:00Z\n---\n'
    )
    expected = "story.md:6: related[0].publishedDateTime: '0000-01-01T00:00:00Z' is not a possible date"
    assert expected in error_of(text)


def million_values_file():
    values = ",".join(["1"] * 1_000_000)
    return f'---\ntitle: "A"\noriginalUrl: "https://example.com/a"\nunknown: [{values}]\n---\n'


def test_a_front_matter_of_a_million_values_is_refused_before_they_are_built():
    text = million_values_file()
    assert len(text.encode()) <= Limits().max_file_bytes
    assert error_of(text) == "story.md:4: more than 20,000 values in the front matter, the limit for one story"


def test_the_value_limit_applies_to_small_files_too():
    text = '---\ntitle: "A"\noriginalUrl: "https://example.com/a"\nunknown: [1, 2, 3, 4, 5, 6]\n---\n'
    assert "more than 5 values" in error_of(text, limits=Limits(max_yaml_nodes=5))
    assert parse(text, limits=Limits(max_yaml_nodes=12)).extra == {"unknown": [1, 2, 3, 4, 5, 6]}


def test_the_real_example_is_far_below_the_value_limit(example_bytes):
    parse_story_bytes(example_bytes, filename="example.txt", limits=Limits(max_yaml_nodes=1_000))


def test_plain_scalars_resolve_as_the_safe_loader_has_them_the_first_time_and_once_remembered():
    from articles.stories.yamlload import load_front_matter

    front = (
        "a: yes\nb: 1\nc: 1.5\nd: ~\ne: null\nf: 2021-02-12\ng: 0x1F\nh: plain text\ni: '1'\n"
        'j: "true"\nk: .inf\nl: 2021-02-12T19:25:00Z\nm: [on, off, 012, "x"]\nn: {o: 1e3}\n'
    )
    expected = yaml.safe_load(front)
    for _ in range(2):
        document, _verbatim = load_front_matter(front, filename="x.md", first_line=2)
        assert document == expected
        scalars = [value for value in expected.values() if not isinstance(value, (list, dict))]
        assert [type(value) for value in document.values()][: len(scalars)] == [type(value) for value in scalars]
        assert [type(value) for value in document["m"]] == [bool, bool, int, str]


def test_timestamps_resolve_every_time_without_being_remembered():
    from articles.stories import yamlload

    for day in (12, 13):
        front = f"published: 2021-02-{day}T19:25:00Z\nwidth: 615\n"
        document, _verbatim = yamlload.load_front_matter(front, filename="x.md", first_line=2)
        assert document == yaml.safe_load(front)
        # Each file has its own: remembered, they would grow the table with the files imported.
        assert f"2021-02-{day}T19:25:00Z" not in yamlload._plain_tags
    assert "width" in yamlload._plain_tags and "615" in yamlload._plain_tags


def test_a_date_far_ahead_is_read_with_a_warning_and_one_a_little_ahead_without():
    far = parse('---\ntitle: "A"\noriginalUrl: "https://e.example/a"\npublishedDateTime: 2099-01-01T00:00:00Z\n---\n')
    assert far.published_at.year == 2099
    assert far.warnings == [
        "story.md:4: publishedDateTime: 2099-01-01 00:00 UTC is in the future:"
        " the story heads the lists by date until then"
    ]
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    near = parse(f'---\ntitle: "A"\noriginalUrl: "https://e.example/a"\npublishedDateTime: {soon}\n---\n')
    assert near.warnings == []
