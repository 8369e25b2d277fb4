"""Importing fixture files into the database: fields, idempotence, errors, editorial conflicts."""

import datetime as dt
import zlib

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from articles.models import Article, Image, RelatedLink, Revision, TaggedArticle, Topic
from articles.revisions.content import to_content
from articles.stories import write
from articles.stories.parse import parse_story
from articles.stories.plan import NamedStory, StoryContents, plan_batch
from articles.stories.write import import_paths
from providers.models import Provider

from .conftest import EXAMPLE, FIXTURES_DIR

pytestmark = pytest.mark.django_db

STORY = """---
category: news
title: "{title}"
originalUrl: "{url}"
webUrl: "{url}"
type: article
quality: {quality}
heat: 3
published: {published}

provider:
  name: Example News
  domain: example.com

topics:
  - AI

related:
  - title: "Coverage elsewhere"
    webUrl: "https://other.example/1"
    provider:
      name: Other
      domain: other.example
    images:
      - url: "https://other.example/1.jpg"
        width: 10
        height: 10
---
"""


def story_text(title="A story", url="https://example.com/a", quality=50, published="false"):
    return STORY.format(title=title, url=url, quality=quality, published=published)


def all_rows():
    return (Article.objects.count(), RelatedLink.objects.count(), Image.objects.count(), TaggedArticle.objects.count())


@pytest.fixture
def example():
    report = import_paths([EXAMPLE])
    assert report.created == 1, report.results
    return Article.objects.get()


def test_example_story_fields_land_on_the_article(example):
    assert example.title == "Minneapolis bans police, government use of facial recognition"
    assert example.excerpt.startswith("The Minneapolis City Council voted to ban")
    assert example.category == "news"
    assert example.type == "article"
    assert example.published_at == dt.datetime(2021, 2, 12, 19, 25, tzinfo=dt.UTC)
    assert (example.quality, example.heat, example.published) == (59, -1, False)
    assert example.featured_content == ""


def test_example_urls_and_natural_key(example):
    assert example.original_url == "https://www.dailydot.com/debug/minneapolis-facial-recognition-ban/"
    assert example.web_url == example.original_url
    assert example.amp_url == "https://www.dailydot.com/debug/minneapolis-facial-recognition-ban/?amp"
    assert example.cdn_amp_url == (
        "https://www-dailydot-com.cdn.ampproject.org/c/s/www.dailydot.com/debug/minneapolis-facial-recognition-ban/?amp"
    )
    assert example.url_key == example.web_url
    assert example.slug == "minneapolis-bans-police-government-use-of-facial-recognition"


def test_example_provider_and_topics(example):
    assert (example.provider.name, example.provider.domain, example.provider.slug) == (
        "The Daily Dot",
        "dailydot.com",
        "dailydot-com",
    )
    assert [topic.name for topic in Article.objects.with_topics().get().topic_list] == ["Computer Vision", "AI"]


def test_example_images_and_related_coverage(example):
    image = example.images.get()
    assert image.url.startswith("https://uploads.dailydot.com/2021/02/Minneapolis-Facial-Recognition.jpg")
    assert (image.width, image.height, image.is_cached, image.position) == (2000, 1000, True, 0)
    related = list(example.related_links.order_by("position"))
    assert len(related) == 9
    assert [link.position for link in related] == list(range(9))
    first = related[0]
    assert first.title == "Minneapolis bans its police department from using facial recognition software"
    assert first.provider.domain == "techcrunch.com"
    assert first.quality == 86
    assert first.published_at == dt.datetime(2021, 2, 12, 19, 32, tzinfo=dt.UTC)
    assert first.amp_url == "https://techcrunch.com/2021/02/12/minneapolis-facial-recognition-ban/amp/"
    assert first.images.get().width == 1024
    ap = next(link for link in related if link.provider.domain == "apnews.com")
    assert ap.amp_url == "" and ap.cdn_amp_url == ""


def test_example_source_fields(example, example_bytes):
    import hashlib

    assert example.source_name == "000_8e5473f5569516b7.txt"
    assert example.source_id == "8e5473f5569516b7"
    assert example.secured.startswith("1W859LBeM0PpfP4iQG0T5SDQ4b1LSF4JT6mrnfhFbzloQtROB")
    assert example.body == "\n"
    assert example.content_hash == hashlib.sha256(example_bytes).hexdigest()
    assert example.imported_at is not None
    assert (example.imported_quality, example.imported_published) == (59, False)
    assert example.reviewed_at is None and example.reviewed_by is None


def test_reimport_of_fixtures_changes_nothing_and_runs_few_queries(django_assert_max_num_queries):
    first = import_paths([FIXTURES_DIR])
    assert (first.created, first.failed) == (41, 0)
    before = list(Article.objects.values_list("pk", "updated_at", "version"))
    with django_assert_max_num_queries(3):
        second = import_paths([FIXTURES_DIR])
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 0, 41, 0)
    assert list(Article.objects.values_list("pk", "updated_at", "version")) == before


def test_import_writes_in_bulk_not_per_file(django_assert_max_num_queries):
    # 41 stories with hundreds of related items and images in one batch: a fixed
    # set of bulk queries (SQLite splits a bulk insert every 999 parameters);
    # the duplicate flags and title bands add about 10 per batch, the clusters' refresh about 10 per run;
    # the intake rules one, per import, and the publish pings' look for active webhooks one;
    # the stories' image counts two per batch (articles.images.counts).
    with django_assert_max_num_queries(45):
        import_paths([FIXTURES_DIR], batch_size=100)
    assert RelatedLink.objects.count() > 100


def test_topics_are_case_insensitive_and_shared(write_fixture):
    write_fixture("a.md", story_text(url="https://example.com/a").replace("  - AI", "  - AI\n  - Climate"))
    write_fixture("b.md", story_text(url="https://example.com/b").replace("  - AI", "  - ai"))
    import_paths([write_fixture("c.md", story_text(url="https://example.com/c")).parent])
    assert sorted(Topic.objects.values_list("name", flat=True)) == ["AI", "Climate"]
    assert Topic.objects.get(name="AI").tagged_articles.count() == 3


def test_edited_file_updates_the_same_story_and_replaces_its_children(write_fixture):
    path = write_fixture("story.md", story_text())
    import_paths([path])
    article = Article.objects.get()
    edited = story_text(title="A better title").replace("  - AI", "  - Climate")
    path.write_text(edited.replace("related:", "x_related:"))
    report = import_paths([path])
    assert (report.updated, report.created) == (1, 0)
    article.refresh_from_db()
    assert article.title == "A better title"
    assert article.slug == "a-story", "slugs are stable"
    assert article.version == 2
    assert [t.name for t in Article.objects.with_topics().get().topic_list] == ["Climate"]
    assert RelatedLink.objects.count() == 0 and Image.objects.count() == 0
    assert article.extra["x_related"][0]["title"] == "Coverage elsewhere"


def test_repeated_titles_get_unique_stable_slugs(write_fixture):
    write_fixture("a.md", story_text(url="https://example.com/a"))
    write_fixture("b.md", story_text(url="https://example.com/b"))
    import_paths([write_fixture("c.md", story_text(url="https://example.com/c")).parent])
    slugs = sorted(Article.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == 3 and "a-story" in slugs
    assert all(slug.startswith("a-story") for slug in slugs)


def test_two_files_claiming_one_story_the_second_is_a_duplicate_not_a_failure(write_fixture):
    write_fixture("1-first.md", story_text(title="First"))
    folder = write_fixture("2-second.md", story_text(title="Second")).parent
    report = import_paths([folder])
    assert (report.created, report.duplicates, report.failed) == (1, 1, 0)
    assert report.summary() == "created 1, updated 0, unchanged 0, duplicates 1, failed 0"
    message = next(result.message for result in report.results if result.status == "duplicates")
    assert "2-second.md: duplicate of" in message and "1-first.md" in message
    assert Article.objects.get().title == "First"


@pytest.mark.parametrize(
    "content",
    [
        "---\ntitle: [broken\n---\n",
        '---\ntitle: "A"\noriginalUrl: "https://example.com/a"\n',
        '---\nexcerpt: "no title"\noriginalUrl: "https://example.com/a"\n---\n',
        '---\ntitle: "no url"\n---\n',
        story_text(quality=-1),
        story_text(quality='"fifty"'),
        story_text(published="maybe"),
        story_text().replace('webUrl: "https://example.com/a"', 'webUrl: "javascript:alert(1)"'),
        story_text().replace('"https://other.example/1.jpg"', '"data:image/png;base64,AAAA"'),
        story_text().replace("provider:\n  name: Example News\n  domain: example.com", "provider: [a, b]"),
        story_text().replace("related:", "related: 7\nx:"),
        story_text().replace("topics:\n  - AI", "images: {url: x}"),
        story_text().encode("utf-8").replace(b"A story", b"A st\xf6ry"),
        story_text().replace("heat: 3", "heat: !!python/object/apply:os.getcwd []"),
    ],
)
def test_a_bad_file_writes_nothing_and_the_others_go_on(write_fixture, content):
    write_fixture("bad.md", content)
    folder = write_fixture("good.md", story_text(url="https://example.com/good")).parent
    report = import_paths([folder])
    assert (report.created, report.failed) == (1, 1)
    assert report.errors[0].message.startswith(str(folder / "bad.md"))
    assert Article.objects.get().url_key == "https://example.com/good"
    assert all_rows() == (1, 1, 1, 1)
    assert Provider.objects.count() == 2


def test_a_database_error_fails_only_its_file(write_fixture, monkeypatch):
    write_fixture("a.md", story_text(url="https://example.com/a"))
    folder = write_fixture("b.md", story_text(url="https://example.com/b", title="Breaks")).parent
    real = write.write_stories

    def failing(batch, **kwargs):
        if any(story.title == "Breaks" for _, story in batch):
            raise DatabaseError("disk I/O error")
        return real(batch, **kwargs)

    monkeypatch.setattr(write, "write_stories", failing)
    report = import_paths([folder])
    assert (report.created, report.failed) == (1, 1)
    assert "b.md: database error, nothing written: disk I/O error" in report.errors[0].message
    assert list(Article.objects.values_list("url_key", flat=True)) == ["https://example.com/a"]


def test_dry_run_reports_without_writing(write_fixture):
    path = write_fixture("a.md", story_text())
    report = import_paths([path], dry_run=True)
    assert (report.created, report.failed) == (1, 0)
    assert all_rows() == (0, 0, 0, 0) and Provider.objects.count() == 0


def test_dry_run_lists_the_changed_fields(write_fixture):
    path = write_fixture("a.md", story_text())
    import_paths([path])
    path.write_text(story_text(title="New title", quality=70))
    report = import_paths([path], dry_run=True, keep_all=True)
    assert report.results[0].status == "updated"
    assert report.results[0].changes == {"title": ("A story", "New title"), "quality": (50, 70)}
    assert Article.objects.get().title == "A story"


def test_editor_decisions_survive_a_reimport_and_are_reported(write_fixture):
    path = write_fixture("a.md", story_text(quality=50, published="false"))
    import_paths([path])
    # An editor's publish is a decision: the state goes with the flag (issue #14).
    Article.objects.update(published=True, status=Article.Status.LIVE, status_by="editor", quality=90)
    path.write_text(story_text(title="Edited upstream", quality=55, published="false"))
    report = import_paths([path])
    article = Article.objects.get()
    assert (article.title, article.published, article.quality) == ("Edited upstream", True, 90)
    warnings = report.results[0].warnings
    assert any("published: kept the editor's value True; the file says False" in w for w in warnings)
    assert any("quality: kept the editor's value 90; the file says 55" in w for w in warnings)


def test_planning_a_batch_touches_no_database(django_assert_num_queries):
    story = parse_story(story_text(title="Edited upstream", quality=55), filename="a.md")
    current = Article(
        pk=7, url_key=story.url_key, title="A story", quality=90, imported_quality=50, content_hash="before"
    )
    contents = StoryContents(current={7: {**to_content(story), "title": "A story", "quality": 90}})
    with django_assert_num_queries(0):
        plan = plan_batch([NamedStory("a.md", story)], {story.url_key: current}, contents=contents)
    assert [(result.status, result.article_id) for result in plan.results] == [("updated", 7)]
    (planned,) = plan.to_write
    assert planned.story.quality == 90 and planned.story.title == "Edited upstream"
    assert planned.result.changes["title"] == ("A story", "Edited upstream")


def test_overwrite_editorial_takes_the_files_values(write_fixture):
    path = write_fixture("a.md", story_text(quality=50))
    import_paths([path])
    Article.objects.update(published=True, quality=90)
    path.write_text(story_text(quality=55))
    import_paths([path], overwrite_editorial=True)
    article = Article.objects.get()
    assert (article.published, article.quality) == (False, 55)


def test_file_values_apply_where_no_editor_changed_them(write_fixture):
    path = write_fixture("a.md", story_text(quality=50))
    import_paths([path])
    path.write_text(story_text(quality=55, published="true"))
    report = import_paths([path])
    article = Article.objects.get()
    assert (article.published, article.quality) == (True, 55)
    assert report.results == []


def test_globs_and_nested_folders_are_expanded(write_fixture, tmp_path):
    write_fixture("a/one.md", story_text(url="https://example.com/1"))
    write_fixture("a/b/two.yaml", story_text(url="https://example.com/2"))
    write_fixture("a/notes.pdf", "not a fixture")
    report = import_paths([str(tmp_path / "a" / "**" / "*.yaml"), tmp_path / "a" / "one.md"])
    assert report.created == 2
    report = import_paths([tmp_path / "a"])
    assert report.unchanged == 2
    assert report.skipped == [str(tmp_path / "a" / "notes.pdf")]


def test_missing_paths_are_reported(tmp_path):
    report = import_paths([tmp_path / "nope", str(tmp_path / "*.md")])
    assert report.failed == 2
    assert [r.message for r in report.errors] == [
        f"{tmp_path / 'nope'}: no such file or folder",
        f"{tmp_path / '*.md'}: no files match this pattern",
    ]


def test_command_prints_summary_and_fails_when_a_file_fails(write_fixture, capsys):
    write_fixture("good.md", story_text())
    folder = write_fixture("bad.md", "---\ntitle: [\n---\n").parent
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_stories", str(folder), "--jobs", "1")
    out, err = capsys.readouterr()
    assert "created 1, updated 0, unchanged 0, duplicates 0, failed 1" in out
    assert f"{folder / 'bad.md'}:3: invalid YAML: did not find expected node content" in err


def test_command_succeeds_on_fixtures_with_worker_processes(capsys):
    call_command("import_stories", str(FIXTURES_DIR), "--jobs", "2")
    assert "created 41, updated 0, unchanged 0, duplicates 0, failed 0" in capsys.readouterr().out
    assert Article.objects.count() == 41


def test_unknown_keys_holding_dates_are_kept(write_fixture):
    path = write_fixture("a.md", story_text().replace("heat: 3", "heat: 3\nfetchedAt: 2021-02-12T19:25:00Z"))
    assert import_paths([path]).created == 1
    assert Article.objects.get().extra == {"fetchedAt": "2021-02-12T19:25:00Z"}


def test_files_imported_as_they_are_are_not_parsed_again(monkeypatch):
    import_paths([FIXTURES_DIR])

    def parse_must_not_run(*args, **kwargs):
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr("articles.stories.sources.parse_story_bytes", parse_must_not_run)
    report = import_paths([FIXTURES_DIR])
    assert (report.unchanged, report.failed) == (41, 0)


def test_reimport_keeps_local_copies_of_images_whose_url_is_unchanged(write_fixture):
    from articles.models import Rendition

    path = write_fixture("a.md", story_text())
    import_paths([path])
    image = Image.objects.get(related_link__isnull=False)
    Image.objects.filter(pk=image.pk).update(file="images/1/abc.jpg", stored_width=10, stored_height=10)
    Rendition.objects.create(image=image, width=10, height=10, format="webp", file="images/1/abc-10w.webp", bytes=5)
    path.write_text(story_text(title="Edited"))
    assert import_paths([path]).updated == 1
    new = Image.objects.get(related_link__isnull=False)
    assert new.pk != image.pk
    assert (new.file.name, new.stored_width, new.width) == ("images/1/abc.jpg", 10, 10)
    assert list(new.renditions.values_list("format", "file")) == [("webp", "images/1/abc-10w.webp")]
    assert Rendition.objects.count() == 1


def test_broken_links_and_symlink_loops_in_a_folder_are_reported_and_skipped(write_fixture, tmp_path):
    import os

    write_fixture("in/good.md", story_text())
    os.symlink(tmp_path / "in" / "missing.md", tmp_path / "in" / "broken.md")
    os.symlink(tmp_path / "in", tmp_path / "in" / "loop")
    (tmp_path / "in" / "folder.md").mkdir()
    report = import_paths([tmp_path / "in"])
    assert report.created == 1
    messages = " | ".join(result.message for result in report.errors)
    assert f"{tmp_path / 'in' / 'broken.md'}: cannot read the file" in messages
    assert "symbolic link loop; folder skipped" in messages
    assert Article.objects.count() == 1


def test_a_file_that_once_agreed_with_the_editor_cannot_undo_the_decision_later(write_fixture):
    path = write_fixture("a.md", story_text(published="true"))
    import_paths([path])
    Article.objects.update(published=False)  # an editor takes it down
    path.write_text(story_text(published="false", title="Agrees"))
    import_paths([path])
    path.write_text(story_text(published="true", title="Wants it back"))
    report = import_paths([path])
    assert Article.objects.get().published is False
    assert any("kept the editor's value False; the file says True" in w for w in report.results[0].warnings)


def test_an_import_by_someone_who_may_not_publish_takes_no_publish_flag(write_fixture):
    from articles.stories.parse import parse_story_bytes
    from articles.stories.write import import_parsed

    new = write_fixture("new.md", story_text(url="https://example.com/new", published="true"))
    old = write_fixture("old.md", story_text(url="https://example.com/old", published="false"))
    import_paths([old])
    old.write_text(story_text(url="https://example.com/old", published="true", title="Edited"))
    pairs = [(str(p), parse_story_bytes(p.read_bytes(), filename=str(p))) for p in (new, old)]
    report = import_parsed(pairs, may_publish=False, report=None)
    assert (report.created, report.updated) == (1, 1)
    assert dict(Article.objects.values_list("url_key", "published")) == {
        "https://example.com/new": False,
        "https://example.com/old": False,
    }
    assert Article.objects.get(url_key="https://example.com/old").title == "Edited"
    assert report.results and all("only editors may publish" in r.warnings[0] for r in report.results)


def test_a_duplicate_in_a_folder_is_a_warning_and_the_command_succeeds(write_fixture, capsys):
    write_fixture("1-first.md", story_text(title="First"))
    folder = write_fixture("2-second.md", story_text(title="Second")).parent
    call_command("import_stories", str(folder), "--jobs", "1")
    out, err = capsys.readouterr()
    assert "created 1, updated 0, unchanged 0, duplicates 1, failed 0" in out
    assert "warning: " in err and "2-second.md: duplicate of" in err and "1-first.md" in err


def test_a_duplicate_fails_the_command_with_strict(write_fixture, capsys):
    write_fixture("1-first.md", story_text(title="First"))
    folder = write_fixture("2-second.md", story_text(title="Second")).parent
    with pytest.raises(CommandError, match="1 file\\(s\\) duplicate another file"):
        call_command("import_stories", str(folder), "--jobs", "1", "--strict")
    assert Article.objects.get().title == "First"


def test_a_folder_with_a_duplicate_reimports_unchanged_without_failing(write_fixture, capsys):
    write_fixture("1-first.md", story_text(title="First"))
    folder = write_fixture("2-second.md", story_text(title="Second")).parent
    call_command("import_stories", str(folder), "--jobs", "1")
    call_command("import_stories", str(folder), "--jobs", "1")
    assert "created 0, updated 0, unchanged 1, duplicates 1, failed 0" in capsys.readouterr().out.splitlines()[-1]


def test_a_million_value_file_is_refused_by_the_command_and_the_others_imported(write_fixture, capsys):
    values = ",".join(["1"] * 1_000_000)
    write_fixture("bomb.md", f'---\ntitle: "A"\noriginalUrl: "https://example.com/b"\nx: [{values}]\n---\n')
    folder = write_fixture("good.md", story_text()).parent
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_stories", str(folder), "--jobs", "1")
    assert "bomb.md:4: more than 20,000 values in the front matter" in capsys.readouterr().err
    assert Article.objects.count() == 1


def test_a_folder_is_walked_in_name_order_without_listing_its_subfolders_first(write_fixture, tmp_path, monkeypatch):
    import os

    from articles.stories import sources

    for name in ["top/b.md", "top/a.md", "top/z/two.md", "top/z/one.md", "top/c/deep/x.md", "top/c/y.md"]:
        write_fixture(name, "")
    listed = []
    real_scandir = os.scandir

    def counting_scandir(path):
        listed.append(os.path.relpath(path, tmp_path))
        return real_scandir(path)

    monkeypatch.setattr(sources.os, "scandir", counting_scandir)
    found = sources.find_fixture_files([tmp_path / "top"])
    assert found.total == 6
    listed.clear()  # the counting walk
    files = iter(found.files)
    assert os.path.relpath(next(files), tmp_path) == os.path.join("top", "a.md")
    assert listed == ["top"]  # its subfolders are listed when their turn comes
    rest = [os.path.relpath(path, tmp_path / "top") for path in files]
    assert rest == ["b.md", "c/y.md", "c/deep/x.md", "z/one.md", "z/two.md"]


def test_two_files_of_one_story_in_different_batches_are_a_duplicate(write_fixture, tmp_path):
    write_fixture("in/1-first.md", story_text(url="https://example.com/same"))
    for index in range(2, 6):
        write_fixture(f"in/{index}-other.md", story_text(url=f"https://example.com/{index}"))
    write_fixture("in/9-second.md", story_text(url="https://example.com/same", title="Again"))
    report = import_paths([tmp_path / "in"], batch_size=2)
    assert (report.created, report.duplicates) == (5, 1)
    assert "9-second.md: duplicate of" in report.results[0].message and "1-first.md" in report.results[0].message
    assert Article.objects.get(url_key="https://example.com/same").title == "A story"


def test_the_same_file_by_two_paths_is_imported_once(write_fixture, tmp_path):
    import os

    path = write_fixture("in/a.md", story_text())
    os.symlink(path, tmp_path / "in" / "b.md")
    assert (import_paths([tmp_path / "in"]).created, Article.objects.count()) == (1, 1)
    report = import_paths([tmp_path / "in", path])
    assert (report.unchanged, report.duplicates) == (1, 0)


def test_the_parse_works_out_the_canonical_urls_so_that_the_writer_does_not(write_fixture, monkeypatch):
    from articles.stories import data, sources

    path = write_fixture("a.md", story_text(url="https://example.com/a?utm_source=feed"))
    parsed = list(sources.parse_files([str(path)]))
    assert parsed[0][1].canonical_urls["https://example.com/a?utm_source=feed"] == "https://example.com/a"

    def not_again(url):
        raise AssertionError(f"canonical URL of {url} worked out again in the writing process")

    monkeypatch.setattr(data, "canonical_url", not_again)
    report = write.import_parsed(parsed)
    assert report.created == 1, report.results
    article = Article.objects.get()
    assert article.canonical_url == "https://example.com/a"
    assert article.related_links.get().canonical_url == "https://other.example/1"


@pytest.mark.parametrize("names_in_memory", [1 << 20, 256], ids=["names in memory", "names on disk"])
def test_the_runs_claims_keep_the_first_name_of_each_story_through_growth_and_colliding_slots(
    monkeypatch, names_in_memory
):
    from articles.stories import claims as module
    from articles.stories.claims import Claims, claim_key

    monkeypatch.setattr(module, "_NAMES_IN_MEMORY", names_in_memory)
    claims = Claims(size=8)
    keys = [claim_key(f"https://example.com/{index}") for index in range(3000)]
    # Keys of the same slot in a small table probe past each other.
    claims.add(8 * 1 + 3, "eleven.md")
    claims.add(8 * 2 + 3, "nineteen.md")
    for index, key in enumerate(keys):
        claims.add(key, f"dossier-é-{index}.md")
        claims.add(key, "a later file.md")
    claims.add(claim_key("https://example.com/odd"), "bad-\udcff.md")
    assert len(claims) == 3003
    assert [claims.get(key) for key in keys[:3]] == ["dossier-é-0.md", "dossier-é-1.md", "dossier-é-2.md"]
    assert claims.get(keys[-1]) == "dossier-é-2999.md"
    assert (claims.get(11), claims.get(19), claims.get(27)) == ("eleven.md", "nineteen.md", None)
    assert claims.get(claim_key("https://example.com/odd")) == "bad-\udcff.md"
    assert claims.get(claim_key("https://example.com/never")) is None
    assert claims._names._rolled == (names_in_memory < 60_000)


def test_the_objects_alive_before_an_import_are_left_to_the_collector_again_after_it(write_fixture, monkeypatch):
    import gc

    seen = []
    write_stories = write.write_stories
    monkeypatch.setattr(
        write, "write_stories", lambda *a, **k: seen.append(gc.get_freeze_count()) or write_stories(*a, **k)
    )
    import_paths([write_fixture("a.md", story_text(url="https://example.com/a"))])
    # Frozen while it wrote, and unfrozen once it was done, so nothing made before is kept for ever.
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
    assert Article.objects.count() == 1


def test_an_import_leaves_objects_frozen_by_the_process_frozen(write_fixture):
    import gc

    gc.freeze()
    try:
        import_paths([write_fixture("a.md", story_text(url="https://example.com/a"))])
        # Not unfrozen by the import (which would make the count 0).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_imported_storys_revision_keeps_its_file_byte_for_byte_with_or_without_parse_workers(tmp_path, jobs):
    files = {}
    for n in range(60):
        text = story_text(title=f"Story {n}", url=f"https://example.com/{n}")
        path = tmp_path / f"{n:03d}.txt"
        path.write_bytes(text.replace("\n", "\r\n").encode() if n % 2 else text.encode())
        files[f"https://example.com/{n}"] = path.read_bytes()

    report = import_paths([tmp_path], jobs=jobs)

    assert report.created == 60
    kept = {
        url: zlib.decompress(bytes(data)) for url, data in Revision.objects.values_list("article__url_key", "file_data")
    }
    assert kept == files
