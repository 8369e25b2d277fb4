"""Export: files written back byte for byte, and import(export(story)) gives the same story."""

import pytest
from django.core.management import call_command

from articles.fixtures.export import render_story, render_story_bytes
from articles.fixtures.parse import parse_story, parse_story_bytes
from articles.fixtures.write import import_paths
from articles.models import Article

from .conftest import EXAMPLE, FIXTURES_DIR, SAMPLES_DIR
from .factories import make_article, make_image, make_related

FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*.txt"))
SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*")) if SAMPLES_DIR.is_dir() else []


def export_one(tmp_path, article):
    call_command("export_stories", str(tmp_path / "out"), verbosity=0)
    return (tmp_path / "out" / article.source_name).read_bytes()


@pytest.mark.django_db
def test_exporting_the_imported_example_reproduces_it_byte_for_byte(tmp_path):
    import_paths([EXAMPLE])
    assert export_one(tmp_path, Article.objects.get()) == EXAMPLE.read_bytes()


@pytest.mark.django_db
def test_exporting_all_fixtures_reproduces_the_folder(tmp_path):
    import_paths([FIXTURES_DIR])
    call_command("export_stories", str(tmp_path / "out"), verbosity=0)
    exported = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert exported == [path.name for path in FIXTURE_FILES]
    for path in FIXTURE_FILES:
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.skipif(not SAMPLE_FILES, reason=f"{SAMPLES_DIR} is not here (it is not part of the repository)")
@pytest.mark.django_db
def test_every_real_sample_survives_import_and_export_byte_for_byte(tmp_path):
    # One file at a time: two of the samples are the same story (same URL).
    for path in SAMPLE_FILES:
        report = import_paths([path])
        assert report.failed == 0, report.errors
        article = Article.objects.get(source_name=path.name)
        exported = render_story_bytes_of(article)
        assert exported == path.read_bytes(), path.name
    assert any(b"\r\n" in path.read_bytes() for path in SAMPLE_FILES)


def render_story_bytes_of(article):
    from articles.fixtures.export import story_from_article

    return render_story_bytes(story_from_article(Article.objects.for_export().get(pk=article.pk)))


@pytest.mark.parametrize("path", FIXTURE_FILES + SAMPLE_FILES, ids=lambda p: p.name)
def test_parse_then_render_is_the_identity_on_real_files(path):
    data = path.read_bytes()
    assert render_story_bytes(parse_story_bytes(data, filename=path.name)) == data


@pytest.mark.django_db
def test_unknown_keys_featured_content_and_secured_survive_a_round_trip(tmp_path):
    text = (
        "---\n"
        'title: "Video with extras"\n'
        "language: en\n"
        'originalUrl: "https://youtube.com/watch?v=abc"\n'
        "type: video\n"
        "quality: 120\n"
        "heat: 7\n"
        "published: true\n"
        "\n"
        'featuredContent: "<iframe src=\\"https://www.youtube.com/embed/abc\\"></iframe>"\n'
        "\n"
        "provider:\n"
        "  name: Microsoft\n"
        "  domain: microsoft.com\n"
        "  images:\n"
        '    - url: "https://example.com/logo.jpg"\n'
        "      width: 50\n"
        "      height: 50\n"
        "\n"
        "topics:\n"
        "  - Power Apps\n"
        "\n"
        "metrics:\n"
        "  views: 10\n"
        "  tags:\n"
        "    - a\n"
        "\n"
        "images: []\n"
        "\n"
        'secured: "abc+/=;def=="\n'
        "---\n"
        "A body line.\n"
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "video.md").write_text(text)
    import_paths([tmp_path / "in"])
    call_command("export_stories", str(tmp_path / "out"), verbosity=0)
    assert (tmp_path / "out" / "video.md").read_text() == text


@pytest.mark.django_db
def test_story_made_in_the_admin_exports_a_file_that_imports_back_the_same(tmp_path):
    article = make_article(title='Quotes "and" ünïcode ✓', topics=["AI", "Climate"], category="tech")
    make_image(article=article, position=0)
    make_related(article, position=0)
    call_command("export_stories", str(tmp_path / "out"), verbosity=0)
    files = list((tmp_path / "out").iterdir())
    assert len(files) == 1
    assert files[0].name.startswith(f"{article.pk:03d}_") and files[0].suffix == ".txt"
    story = parse_story(files[0].read_text(), filename=files[0].name)
    assert story.title == article.title
    assert story.topics == ["AI", "Climate"]
    assert story.web_url == article.web_url
    assert story.published is True and story.category == "tech"
    assert story.related[0].title == article.related_links.get().title
    assert len(story.images) == 1


@pytest.mark.django_db
def test_published_only_export_leaves_out_unpublished_stories(tmp_path):
    make_article(published=True, source_name="yes.md")
    make_article(published=False, source_name="no.md")
    call_command("export_stories", str(tmp_path / "out"), "--published-only", verbosity=0)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["yes.md"]


@pytest.mark.django_db
def test_export_reflects_editorial_changes(tmp_path):
    import_paths([EXAMPLE])
    Article.objects.update(published=True, quality=77)
    exported = export_one(tmp_path, Article.objects.get()).decode()
    assert "quality: 77\nheat: -1\npublished: true\n" in exported


@pytest.mark.django_db
def test_export_then_import_into_an_empty_database_restores_every_story(tmp_path):
    import_paths([FIXTURES_DIR])
    Article.objects.filter(pk__in=Article.objects.order_by("pk")[:3].values("pk")).update(published=True, quality=3)

    def snapshot():
        stories = {}
        for a in Article.objects.for_export():
            stories[a.url_key] = (
                [getattr(a, f) for f in ("title", "excerpt", "published_at", "quality", "published", "secured")],
                a.provider.domain if a.provider else None,
                [t.name for t in a.topic_list],
                [(i.url, i.width, i.height, i.is_cached) for i in a.images.all()],
                [(r.title, r.web_url, r.quality, [i.url for i in r.images.all()]) for r in a.related_links.all()],
                a.extra,
                a.featured_content,
            )
        return stories

    before = snapshot()
    call_command("export_stories", str(tmp_path / "backup"), verbosity=0)
    Article.objects.all().delete()
    report = import_paths([tmp_path / "backup"])
    assert (report.created, report.failed) == (41, 0)
    assert snapshot() == before


def test_render_writes_plain_scalars_only_where_yaml_reads_them_back():
    story = parse_story(
        '---\ntitle: "T"\ncategory: "yes"\noriginalUrl: "https://e.example/"\ntopics:\n  - "2021"\n  - "a: b"\n---\n',
        filename="t.md",
    )
    text = render_story(story)
    assert 'category: "yes"' in text and '  - "2021"\n  - "a: b"' in text
    assert parse_story(text, filename="t.md").topics == ["2021", "a: b"]
