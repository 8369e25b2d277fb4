"""Request bodies: large ones are refused before they are read, except uploads by users allowed to make them."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles.conf import newsroom_settings

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
STORY = (
    b'---\ntitle: "A big upload"\noriginalUrl: "https://example.com/big"\npublished: false\n'
    b"provider:\n  name: Example News\n  domain: example.com\n---\n"
)


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def post_unread(client, path, *, length):
    """POST that claims `length` bytes of body; reading any of it fails the test."""
    environ = {"wsgi.input": UnreadableBody(), "CONTENT_TYPE": "application/octet-stream"}
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    return client.generic("POST", path, **environ)


def staff_client(*permissions):
    user = get_user_model().objects.create_user("staff", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    return client


def test_the_limits_are_set_explicitly():
    assert django_settings.NEWSROOM_MAX_REQUEST_BYTES == MIB
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == MIB
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == MIB
    assert newsroom_settings.IMPORT["MAX_UPLOAD_BYTES"] == 20 * MIB
    middleware = django_settings.MIDDLEWARE
    assert middleware.index("core.middleware.RequestBodyLimitMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_an_anonymous_large_body_is_refused_before_it_is_read(client, path):
    response = post_unread(client, path, length=200 * MIB)
    assert response.status_code == 413


def test_a_body_within_the_limit_goes_through(client):
    response = client.post("/admin/login/", {"username": "someone", "password": "x" * (MIB // 2)})
    assert response.status_code == 200
    assert "Please enter the correct username" in response.content.decode()


def test_a_body_without_content_length_is_never_read(client):
    """Chunked: Django's WSGIRequest takes a missing Content-Length as an empty body, so nothing streams in."""
    response = post_unread(client, "/admin/login/", length=None)
    assert response.status_code == 200
    assert response.wsgi_request.body == b""


def test_an_importer_uploads_a_large_body_to_the_import_page(settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path)}
    client = staff_client("articles.import_stories")
    files = [SimpleUploadedFile("story.txt", STORY), SimpleUploadedFile("padding.bin", b"\0" * 3 * MIB)]

    response = client.post(reverse("admin:articles_article_import"), {"step": "upload", "files": files})

    assert response.status_code == 200
    assert response.context["step"] == "preview"
    assert response.context["upload"].skipped == ["padding.bin"]


def test_an_importer_is_held_to_the_import_limit():
    client = staff_client("articles.import_stories")
    response = post_unread(client, reverse("admin:articles_article_import"), length=22 * MIB)
    assert response.status_code == 413


def test_a_signed_in_user_without_the_import_permission_is_refused_before_the_body_is_read():
    client = staff_client("articles.change_article")
    response = post_unread(client, reverse("admin:articles_article_import"), length=2 * MIB)
    assert response.status_code == 413


def test_an_editor_may_send_an_image_sized_body_to_the_story_form():
    client = staff_client("articles.change_article")
    photo = SimpleUploadedFile("photo.jpg", b"\xff" * 3 * MIB, content_type="image/jpeg")
    response = client.post(reverse("admin:articles_article_change", args=[999_999]), {"upload_image": photo})
    # The story does not exist: the admin says so, having read the body.
    assert response.status_code == 302
