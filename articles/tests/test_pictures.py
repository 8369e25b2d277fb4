"""Cached images on the pages (<picture> with renditions) and in the admin (upload, our copy)."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage

from articles.images.uploads import store_uploaded_image
from articles.models import Image

from .factories import make_article, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"


def png(width=900, height=600):
    buffer = io.BytesIO()
    PillowImage.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def test_a_cached_lead_image_is_a_picture_with_webp_and_jpeg_renditions_on_the_story_page(client):
    article = make_article()
    store_uploaded_image(article=article, uploaded_file=png(), base_url="https://news.example/")
    page = client.get(article.get_absolute_url()).content.decode()
    picture = re.search(r"<picture>.*?</picture>", page, re.S).group()
    assert re.search(
        r'<source type="image/webp" srcset="/media/images/\d+/\w+-320w\.webp 320w, [^"]+ 640w, [^"]+ 900w"', picture
    )
    assert re.search(r'srcset="/media/images/\d+/\w+-320w\.jpg 320w, [^"]+ 640w, [^"]+ 900w"', picture)
    assert 'width="900" height="600"' in picture
    assert 'loading="lazy"' not in picture, "the lead image is above the fold"


def test_listing_cards_use_renditions_without_a_query_per_image(client, django_assert_max_num_queries):
    for _ in range(3):
        article = make_article()
        store_uploaded_image(article=article, uploaded_file=png(), base_url="https://news.example/")
    remote = make_article()
    make_image(article=remote, position=0, url="https://img.example/remote.jpg", width=640, height=360)
    # Six whatever the number of images: test_a_listing_costs_at_most_six_queries says which.
    with django_assert_max_num_queries(6):
        page = client.get("/").content.decode()
    assert page.count('<picture class="card__image">') == 3
    assert page.count('loading="lazy"') == 2, "every card but the first"


def test_decorative_card_images_have_empty_alt_text(client):
    article = make_article(title="A headline that says it all")
    store_uploaded_image(article=article, uploaded_file=png(), base_url="https://news.example/")
    page = client.get("/").content.decode()
    card_image = re.search(r'<picture class="card__image">.*?<img ([^>]*)>', page, re.S).group(1)
    assert 'alt=""' in card_image


def test_an_image_not_cached_yet_is_not_shown_and_no_box_waits_for_it(client):
    article = make_article(images=1, title="Waiting for its picture")
    image = article.images.get()
    for url in ["/", article.get_absolute_url()]:
        # The head may name the outlet's image for crawlers (og:image); the page never shows it.
        body = client.get(url).content.decode().split("</head>")[1]
        assert image.url not in body, url
        assert "<img" not in body and "<picture" not in body, url
    card = re.search(r'<article class="card[^"]*">', client.get("/").content.decode()).group()
    assert "card--pictured" not in card


def test_a_story_whose_first_image_is_not_cached_leads_with_the_first_cached_one(client):
    article = make_article()
    make_image(article=article, position=0, url="https://img.example/not-yet.jpg")
    store_uploaded_image(article=article, uploaded_file=png(), base_url="https://news.example/")
    page = client.get(article.get_absolute_url()).content.decode()
    lead = re.search(r'<figure class="story__lead">.*?</figure>', page, re.S).group()
    assert "<picture>" in lead and "/media/images/" in lead
    assert "not-yet.jpg" not in page.split("</head>")[1]
    assert "story__gallery" not in page


def test_images_may_come_only_from_our_own_site(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "img-src 'self';" in policy


def test_images_may_come_from_the_media_host_when_media_is_on_object_storage(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"base_url": "https://media.example.net/newsroom/"},
        },
    }
    from django.test import Client

    policy = Client().get("/")["Content-Security-Policy"]
    assert "img-src 'self' https://media.example.net;" in policy


def editor(client):
    user = get_user_model().objects.create_user("editor", password="pw-123456789", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


def change_form_data(client, article):
    page = client.get(f"/admin/articles/article/{article.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        {
            "version": article.version,
            "published_at_0": article.published_at.strftime("%Y-%m-%d"),
            "published_at_1": article.published_at.strftime("%H:%M:%S"),
            "provider": article.provider_id,
            "reviewed": "on",
        }
    )
    for prefix in ("related_links", "images"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def test_an_editor_adds_an_image_by_upload_and_it_gets_renditions(client):
    editor(client)
    article = make_article(images=1)
    data = change_form_data(client, article)
    data["images-TOTAL_FORMS"] = data["images-INITIAL_FORMS"] = 1
    existing = article.images.get()
    data.update(
        {
            "images-0-id": existing.pk,
            "images-0-article": article.pk,
            "images-0-order": 0,
            "images-0-url": existing.url,
            "images-0-width": 800,
            "images-0-height": 450,
        }
    )
    data["upload_image"] = png(1000, 500)
    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    uploaded = article.images.get(position=1)
    assert (uploaded.stored_width, uploaded.stored_height, uploaded.stored_format) == (1000, 500, "PNG")
    assert uploaded.url.startswith("http://testserver/media/images/")
    assert sorted(uploaded.picture_files) == ["jpeg", "webp"]
    assert uploaded.thumbnail_url.endswith("-320w.jpg")


def test_an_upload_that_is_not_an_image_is_refused_with_a_clear_error(client):
    editor(client)
    article = make_article()
    data = change_form_data(client, article)
    data["upload_image"] = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["upload_image"]
    assert "photo.jpg" in errors[0]
    assert Image.objects.count() == 0


def test_the_admin_shows_where_the_fixture_claims_were_wrong_and_why_a_fetch_failed(admin_client):
    article = make_article()
    cached = store_uploaded_image(article=article, uploaded_file=png(900, 600), base_url="https://news.example/")
    Image.objects.filter(pk=cached.pk).update(width=2000, height=600)
    make_image(article=article, position=5, fetch_error="timed out after 10 s")
    page = admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "900×600 PNG" in page
    assert "the file claims width 2000, it is 900" in page
    assert "timed out after 10 s" in page


def test_caching_an_image_refreshes_the_cached_story_page(client):
    from articles.images.copies import save_local_copy

    article = make_article(images=1)
    image = article.images.get()
    assert "<picture>" not in client.get(article.get_absolute_url()).content.decode()
    save_local_copy(image=image, data=png().read())
    assert "<picture>" in client.get(article.get_absolute_url()).content.decode()


def test_prune_images_deletes_only_old_unreferenced_files(settings, capsys):
    import datetime
    import os

    from django.core.management import call_command

    kept = make_article()
    store_uploaded_image(article=kept, uploaded_file=png(), base_url="https://news.example/")
    gone = make_article()
    store_uploaded_image(article=gone, uploaded_file=png(), base_url="https://news.example/")
    gone_folder = settings.MEDIA_ROOT / "images" / str(gone.images.get().pk)
    gone.delete()
    kept_files = sorted((settings.MEDIA_ROOT / "images").rglob("*.*"))
    # Files stored a moment ago are spared: a caching run may not have recorded them yet.
    call_command("prune_images")
    assert "deleted 0 unreferenced" in capsys.readouterr().out
    hour_ago = (datetime.datetime.now() - datetime.timedelta(hours=2)).timestamp()
    for path in kept_files:
        os.utime(path, (hour_ago, hour_ago))
    call_command("prune_images", "--dry-run")
    assert "would delete 7 unreferenced" in capsys.readouterr().out
    call_command("prune_images")
    assert not list(gone_folder.rglob("*.*"))
    remaining = sorted((settings.MEDIA_ROOT / "images").rglob("*.*"))
    assert remaining and all(str(kept.images.get().pk) in str(path) for path in remaining)
    kept_image = kept.images.get()
    assert (settings.MEDIA_ROOT / kept_image.file.name).exists()
