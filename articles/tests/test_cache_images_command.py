"""manage.py cache_images: selection, retries, idempotence, summary and exit status."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Image, Rendition

from .factories import make_article, make_image, make_related
from .test_images import ImageServer, Route, files, image_settings, stored_files  # noqa: F401 (files is a fixture)


@pytest.fixture
def server(files):  # noqa: F811 (the fixture imported above)
    with ImageServer(files) as server:
        yield server


@pytest.fixture
def media(settings, tmp_path):
    return image_settings(settings, tmp_path)


def run(*args, verbosity=1):
    out, err = io.StringIO(), io.StringIO()
    call_command("cache_images", *args, stdout=out, stderr=err, verbosity=verbosity)
    return out.getvalue(), err.getvalue()


def story_with_images(server, *names):
    article = make_article()
    for position, name in enumerate(names):
        make_image(article=article, position=position, url=server.url(f"/{name}"))
    return article


@pytest.mark.django_db
def test_caches_every_image_and_prints_a_summary(server, media):
    story_with_images(server, "gps.jpg", "alpha.png", "small.webp")

    out, err = run()

    assert out == "cached 3, failed 0, skipped 0\n"
    assert err == ""
    assert Image.objects.filter(file="").count() == 0
    # gps.jpg 800 wide: 320, 640, 800; alpha.png 500 wide: 320, 500; small.webp: 200. Each in WebP and JPEG.
    assert Rendition.objects.count() == 2 * (3 + 2 + 1)


@pytest.mark.django_db
def test_a_second_run_downloads_nothing(server, media):
    story_with_images(server, "gps.jpg", "small.webp")
    run()
    files_before, requests_before = stored_files(media), len(server.requests)

    out, _ = run()

    assert out == "cached 0, failed 0, skipped 0\n"
    assert len(server.requests) == requests_before
    assert stored_files(media) == files_before


@pytest.mark.django_db
def test_limit_caches_at_most_that_many_images_in_id_order(server, media):
    article = story_with_images(server, "gps.jpg", "alpha.png", "small.webp")

    out, _ = run("--limit", "2")

    assert out == "cached 2, failed 0, skipped 0\n"
    cached = list(Image.objects.filter(article=article).exclude(file="").values_list("position", flat=True))
    assert sorted(cached) == [0, 1]


@pytest.mark.django_db
def test_limit_must_be_positive(media):
    with pytest.raises(CommandError, match="--limit"):
        run("--limit", "0")


@pytest.mark.django_db
def test_story_caches_only_that_story_and_its_related_items(server, media):
    story = story_with_images(server, "gps.jpg")
    link = make_related(story, images=0)
    make_image(related_link=link, url=server.url("/small.webp"))
    other = story_with_images(server, "alpha.png")

    out, _ = run("--story", str(story.pk))

    assert out == "cached 2, failed 0, skipped 0\n"
    assert not Image.objects.filter(article=story, file="").exists()
    assert not Image.objects.filter(related_link=link, file="").exists()
    assert Image.objects.get(article=other).file.name == ""
    assert "/alpha.png" not in server.requests


@pytest.mark.django_db
def test_an_unknown_story_is_an_error(media):
    with pytest.raises(CommandError, match="no story with id 999999"):
        run("--story", "999999")


@pytest.mark.django_db
def test_failures_are_reported_and_do_not_stop_the_run_or_fail_it(server, media):
    article = story_with_images(server, "not-an-image.jpg", "gps.jpg", "missing.jpg")
    bad = Image.objects.get(article=article, position=0)

    out, err = run()

    assert out == "cached 1, failed 2, skipped 0\n"
    assert f"failed: image {bad.pk} ({bad.url}): not an image" in err
    assert "HTTP 404" in err
    assert Image.objects.exclude(fetch_error="").count() == 2


@pytest.mark.django_db
def test_failed_images_wait_for_retry_failed(server, media):
    article = story_with_images(server, "later.jpg")
    run()
    assert server.requests == ["/later.jpg"]
    server.routes["/later.jpg"] = Route(server.files["gps.jpg"])

    out, _ = run()
    assert out.splitlines()[0] == "cached 0, failed 0, skipped 1"
    assert "--retry-failed" in out
    assert server.requests == ["/later.jpg"]

    out, _ = run("--retry-failed")
    assert out == "cached 1, failed 0, skipped 0\n"
    image = Image.objects.get(article=article)
    assert (image.stored_width, image.fetch_error, image.fetch_failed_at, image.attempts) == (800, "", None, 2)


@pytest.mark.django_db
def test_verbosity_zero_prints_nothing(server, media):
    story_with_images(server, "gps.jpg", "not-an-image.jpg")
    assert run(verbosity=0) == ("", "")


@pytest.mark.django_db
def test_unwritable_storage_stops_the_run_with_an_error(server, settings, tmp_path):
    (tmp_path / "a-file").write_text("")
    image_settings(settings, tmp_path)
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    story_with_images(server, "gps.jpg", "small.webp")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="stopped: storage refused images/"):
        call_command("cache_images", stdout=out, stderr=err)

    assert out.getvalue() == "cached 0, failed 0, skipped 0\n"
    # The run stopped at the first image: the second was not fetched for nothing.
    assert server.requests == ["/gps.jpg"]
    assert not Image.objects.exclude(fetch_error="").exists()
