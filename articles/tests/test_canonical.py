"""Canonical URLs: the rules (pure) and the stored column on every write path."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.canonical import canonical_url
from articles.canonical_rows import refresh_canonical_urls
from articles.editorial import save_story
from articles.models import Article, RelatedLink, Revision
from articles.revisions.restore import restore_revision
from articles.stories.write import import_paths

from .factories import make_article, make_related
from .test_import import story_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM/News/Story", "https://example.com/News/Story"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a?utm_source=x&utm_medium=y&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=abc&gclid=def&msclkid=g&mc_cid=h", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/story/amp/", "https://example.com/story"),
        ("https://example.com/amp/story/", "https://example.com/story"),
        ("https://example.com/story?amp", "https://example.com/story"),
        ("https://example.com/story?amp=1&page=2", "https://example.com/story?page=2"),
        ("https://example.com/story?outputType=amp", "https://example.com/story"),
        ("https://example.com/news/world-1.amp", "https://example.com/news/world-1"),
        ("https://example.com/news/world-1.amp.html", "https://example.com/news/world-1.html"),
        ("https://amp.example.com/news/a", "https://example.com/news/a"),
        ("https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a/amp/", "https://example.com/a"),
        ("https://example-com.cdn.ampproject.org/v/s/example.com/a?amp_js_v=0.1&usqp=mq", "https://example.com/a"),
        ("https://www.google.com/amp/s/www.example.com/a.amp.html", "https://example.com/a.html"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        # Every AMP marker goes, but a lone /amp is a page of its own, not the site's root.
        ("https://example.com/a/amp/amp", "https://example.com/a"),
        ("https://example.com/amp/amp/a.amp.amp", "https://example.com/a"),
        ("https://example.com/amp", "https://example.com/amp"),
        # Only the scheme's own default port is dropped.
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:443/a", "https://example.com/a"),
        # An IPv6 host keeps its brackets, with or without a port.
        ("https://[2001:DB8::1]/a", "https://[2001:db8::1]/a"),
        ("http://[2001:db8::1]:8080/a", "https://[2001:db8::1]:8080/a"),
        ("https://example.com/a/amp.amp", "https://example.com/a"),
        ("", ""),
    ],
)
def test_canonical_url_follows_the_documented_rules(url, expected):
    assert canonical_url(url) == expected


def test_short_hosts_are_never_folded_to_a_bare_suffix():
    assert canonical_url("https://amp.dev/guide") == "https://amp.dev/guide"
    assert canonical_url("https://www.com/") == "https://www.com/"


def test_a_path_or_a_query_that_names_a_page_is_kept():
    assert canonical_url("https://example.com/a?id=1") != canonical_url("https://example.com/a?id=2")
    assert canonical_url("https://example.com/A") != canonical_url("https://example.com/a")
    assert canonical_url("https://example.com/ampere") == "https://example.com/ampere"


@given(
    st.from_regex(
        r"https?://(www\.)?[a-z]{1,8}\.(com|org)(:[0-9]{2,4})?(/([a-zA-Z0-9%._-]{0,6}|amp|[a-z]{1,3}\.amp(\.amp)?(\.html)?)){0,4}"
        r"(\?[a-z_]{1,6}=[a-z0-9]{0,3})?(#x)?",
        fullmatch=True,
    )
)
def test_canonical_url_is_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.django_db
def test_created_and_saved_stories_store_their_canonical_url():
    article = make_article(web_url="https://www.example.com/a/?utm_source=x", related=1)
    assert article.canonical_url == "https://example.com/a"
    # The canonical URL follows the reading link, the outlet's page.
    article.original_url = "https://example.com/b#top"
    article.save(update_fields=["original_url"])
    assert Article.objects.get(pk=article.pk).canonical_url == "https://example.com/b"
    link = RelatedLink.objects.get(article=article)
    link.web_url = "http://www.other.example/x/amp/"
    link.save(update_fields=["web_url"])
    assert RelatedLink.objects.get(pk=link.pk).canonical_url == "https://other.example/x"


@pytest.mark.django_db
def test_the_import_stores_canonical_urls_of_stories_and_related_items(write_fixture):
    path = write_fixture("a.md", story_text(url="https://www.example.com/a/?fbclid=1"))
    import_paths([path])
    article = Article.objects.get()
    assert article.canonical_url == "https://example.com/a"
    assert article.related_links.get().canonical_url == "https://other.example/1"
    path.write_text(
        story_text(title="Changed", url="https://www.example.com/a/?fbclid=1").replace(
            "other.example/1", "other.example/2"
        )
    )
    import_paths([path])
    assert RelatedLink.objects.get().canonical_url == "https://other.example/2"


@pytest.mark.django_db
def test_an_editors_save_and_a_restore_keep_the_canonical_url_in_step(write_fixture, admin_user):
    import_paths([write_fixture("a.md", story_text(url="https://example.com/first"))])
    article = Article.objects.get()
    article.original_url = "https://example.com/second?utm_campaign=z"
    save_story(article=article, expected_version=article.version, user=admin_user)
    assert Article.objects.get().canonical_url == "https://example.com/second"
    first = Revision.objects.filter(article=article).order_by("id").first()
    restore_revision(first, user=admin_user)
    assert Article.objects.get().canonical_url == "https://example.com/first"


@pytest.mark.django_db
def test_refresh_recomputes_rows_written_before_the_column(capsys):
    article = make_article(web_url="https://www.example.com/a/")
    make_related(article, web_url="https://example.org/b?utm_source=1")
    Article.objects.update(canonical_url="")
    RelatedLink.objects.update(canonical_url="stale")
    assert refresh_canonical_urls(Article, RelatedLink) == 2
    assert Article.objects.get().canonical_url == "https://example.com/a"
    assert RelatedLink.objects.get().canonical_url == "https://example.org/b"
    call_command("canonicalize_urls")
    assert "0 canonical URL(s) updated" in capsys.readouterr().out


_labels = st.text("abcAz09-", min_size=1, max_size=12) | st.sampled_from(
    ["www", "amp", "xn--bcher-kva", "0x7f", "a--b"]
)
_segments = st.text("aZ09_~.-", max_size=10) | st.sampled_from(["amp", ".amp", "a.amp", "a.amp.html", ".", "..", ""])


@settings(max_examples=1000)
@given(
    scheme=st.sampled_from(["http", "https"]),
    labels=st.lists(_labels, min_size=1, max_size=4),
    segments=st.lists(_segments, max_size=5),
    slash=st.booleans(),
)
def test_plain_addresses_take_a_shortcut_to_the_same_canonical_form(scheme, labels, segments, slash):
    from articles.canonical import _canonical_url

    path = "/" + "/".join(segments) + ("/" if slash else "") if segments or slash else ""
    url = f"{scheme}://{'.'.join(labels)}{path}"
    assert canonical_url.__wrapped__(url) == _canonical_url(url)


def test_the_shortcut_is_taken_for_the_usual_story_addresses():
    from articles import canonical

    plain = [
        "https://www.journaldispatch148.example/2026/10/41c31d5f4c32/",
        "https://recordobserver205.example/news/41c31d5f4c32-0",
        "https://img.recordobserver205.example/0/8277cab1f9.jpg",
        "http://example.com",
    ]
    for url in plain:
        assert canonical._PLAIN_URL.fullmatch(url)
        assert canonical.canonical_url.__wrapped__(url) == canonical._canonical_url(url)
    # And every address of the sample stories, plain or not, comes out as it did.
    for path in sorted(FIXTURES.iterdir()):
        for url in re.findall(r"https?://[^\s\"']+", path.read_text(encoding="utf-8")):
            assert canonical.canonical_url.__wrapped__(url) == canonical._canonical_url(url)
