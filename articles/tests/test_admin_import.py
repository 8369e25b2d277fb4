import io
import zipfile
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles.admin.imports import UPLOAD_SESSION_KEY
from articles.models import Article, Topic
from providers.models import Provider

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "000_8e5473f5569516b7.txt"
EXAMPLE_TITLE = "Minneapolis bans police, government use of facial recognition"


def story(title, url, *, quality=50):
    return (
        f'---\ntitle: "{title}"\noriginalUrl: "{url}"\nquality: {quality}\npublished: false\n'
        "provider:\n  name: Example News\n  domain: example.com\ntopics:\n  - Uploads\n---\n"
    ).encode()


def import_url():
    return reverse("admin:articles_article_import")


@pytest.fixture(autouse=True)
def editorial_groups():
    """The groups migration 0002 makes: a transactional test elsewhere flushes them with everything else."""
    migration = import_module("articles.migrations.0002_editorial_groups")
    migration.create_groups(apps, SimpleNamespace(connection=connection))


def user_in(username, *groups):
    user = get_user_model().objects.create_user(username, password="secret-pass-1", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def importer():
    return user_in("importer", "Importers")


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path / "uploads")}
    return tmp_path / "uploads"


def upload(client, *files):
    data = {"step": "upload", "files": [SimpleUploadedFile(name, content) for name, content in files]}
    return client.post(import_url(), data)


def confirm(client, token):
    return client.post(import_url(), {"step": "confirm", "token": token})


def make_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def rows(response):
    return [(result.path, result.status) for result in response.context["report"].results]


# --- Who may import ----------------------------------------------------------


def test_the_import_page_is_forbidden_without_the_import_permission():
    _, editor = user_in("editor", "Editors")
    assert editor.get(import_url()).status_code == 403
    assert upload(editor, ("a.txt", story("A", "https://example.com/a"))).status_code == 403
    assert not Article.objects.exists()


def test_the_import_page_needs_a_staff_login(client):
    response = client.get(import_url())
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_importers_see_the_button_on_the_list_and_editors_do_not(importer):
    _, importer_client = importer
    _, editor = user_in("editor", "Editors")
    changelist = reverse("admin:articles_article_changelist")
    assert f'href="{import_url()}"' in importer_client.get(changelist).content.decode()
    assert f'href="{import_url()}"' not in editor.get(changelist).content.decode()


def test_the_upload_form_states_its_limits(importer, settings):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "MAX_UPLOAD_FILES": 500}
    _, client = importer
    html = client.get(import_url()).content.decode()
    assert 'type="file" name="files"' in html and "multiple" in html
    assert "At most 500 story files" in html


# --- Preview, then confirm ---------------------------------------------------


def test_preview_classifies_each_file_and_writes_nothing(importer):
    _, client = importer
    response = upload(
        client,
        ("000_8e5473f5569516b7.txt", EXAMPLE.read_bytes()),
        ("broken.txt", b"no front matter here"),
        ("notes.pdf", b"%PDF"),
    )
    assert response.status_code == 200
    assert rows(response) == [("000_8e5473f5569516b7.txt", "created"), ("broken.txt", "failed")]
    html = response.content.decode()
    assert "the file must start with a &#x27;---&#x27; line" in html
    assert "notes.pdf" in html  # listed as skipped
    assert not Article.objects.exists()
    assert not Provider.objects.exists() and not Topic.objects.exists()
    assert not LogEntry.objects.exists()


def test_preview_of_an_edited_story_shows_the_changed_fields(importer):
    _, client = importer
    token = upload(client, ("a.txt", story("Old title", "https://example.com/a"))).context["token"]
    confirm(client, token)
    response = upload(client, ("a.txt", story("New title", "https://example.com/a")))
    assert rows(response) == [("a.txt", "updated")]
    assert response.context["report"].results[0].changes["title"] == ("Old title", "New title")
    html = response.content.decode()
    assert "<del>Old title</del> &rarr; <ins>New title</ins>" in html
    assert Article.objects.get().title == "Old title"


def test_confirm_imports_exactly_the_previewed_files(importer):
    user, client = importer
    preview = upload(
        client,
        ("a.txt", story("First upload", "https://example.com/a")),
        ("b.md", story("Second upload", "https://example.com/b")),
    )
    response = confirm(client, preview.context["token"])
    assert response.status_code == 200
    assert rows(response) == [("a.txt", "created"), ("b.md", "created")]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["First upload", "Second upload"]
    assert Article.objects.get(title="First upload").source_name == "a.txt"
    assert set(LogEntry.objects.filter(user=user).values_list("action_flag", flat=True)) == {ADDITION}
    assert UPLOAD_SESSION_KEY not in client.session


def test_updates_are_logged_as_changes(importer):
    user, client = importer
    confirm(client, upload(client, ("a.txt", story("Old", "https://example.com/a"))).context["token"])
    confirm(client, upload(client, ("a.txt", story("New", "https://example.com/a"))).context["token"])
    assert LogEntry.objects.filter(user=user, action_flag=CHANGE).count() == 1


def test_confirm_imports_the_stored_files_whatever_the_client_sends(importer):
    _, client = importer
    preview = upload(client, ("a.txt", story("Previewed", "https://example.com/a")))
    data = {
        "step": "confirm",
        "token": preview.context["token"],
        "files": [SimpleUploadedFile("a.txt", story("Swapped in", "https://example.com/a"))],
    }
    client.post(import_url(), data)
    assert list(Article.objects.values_list("title", flat=True)) == ["Previewed"]


def test_a_forged_token_imports_nothing(importer):
    _, client = importer
    upload(client, ("a.txt", story("A", "https://example.com/a")))
    response = confirm(client, "A" * 32)
    assert response.status_code == 302
    assert not Article.objects.exists()


def test_another_users_token_imports_nothing(importer):
    _, owner = importer
    token = upload(owner, ("a.txt", story("A", "https://example.com/a"))).context["token"]
    _, other = user_in("other", "Importers")
    upload(other, ("b.txt", story("B", "https://example.com/b")))
    response = confirm(other, token)
    assert response.status_code == 302
    assert not Article.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["This import is unknown or was already done; upload the files again."]


def test_a_token_can_be_confirmed_once(importer):
    _, client = importer
    token = upload(client, ("a.txt", story("A", "https://example.com/a"))).context["token"]
    assert confirm(client, token).status_code == 200
    Article.objects.all().delete()
    assert confirm(client, token).status_code == 302
    assert not Article.objects.exists()


def test_files_changed_on_the_server_since_the_preview_are_not_imported(importer, upload_dir):
    _, client = importer
    token = upload(client, ("a.txt", story("A", "https://example.com/a"))).context["token"]
    (upload_dir / token / "00000").write_bytes(story("Tampered", "https://example.com/a"))
    response = confirm(client, token)
    assert response.status_code == 302
    assert not Article.objects.exists()


def test_cancel_discards_the_upload(importer, upload_dir):
    _, client = importer
    token = upload(client, ("a.txt", story("A", "https://example.com/a"))).context["token"]
    assert (upload_dir / token).is_dir()
    client.post(import_url(), {"step": "cancel"})
    assert not (upload_dir / token).exists()
    assert confirm(client, token).status_code == 302
    assert not Article.objects.exists()


# --- Archives and limits -----------------------------------------------------


def test_a_zip_of_fixture_files_is_previewed_and_imported(importer):
    _, client = importer
    archive = make_zip(
        {
            "batch/a.txt": story("Zipped A", "https://example.com/a"),
            "batch/b.yaml": story("Zipped B", "https://example.com/b"),
            "__MACOSX/batch/._a.txt": b"\0junk",
            "batch/readme.html": b"<p>hi</p>",
        }
    )
    preview = upload(client, ("batch.zip", archive))
    assert rows(preview) == [("batch.zip/batch/a.txt", "created"), ("batch.zip/batch/b.yaml", "created")]
    assert preview.context["upload"].skipped == ["batch.zip/__MACOSX/batch/._a.txt", "batch.zip/batch/readme.html"]
    confirm(client, preview.context["token"])
    assert sorted(Article.objects.values_list("source_name", flat=True)) == ["a.txt", "b.yaml"]


def test_zip_slip_is_refused_with_a_message(importer):
    _, client = importer
    archive = make_zip({"ok.txt": story("A", "https://example.com/a"), "../../evil.txt": b"x"})
    response = upload(client, ("slip.zip", archive))
    assert response.status_code == 200
    assert "points outside the archive" in response.content.decode()
    assert response.context["form"].errors
    assert UPLOAD_SESSION_KEY not in client.session
    assert not Article.objects.exists()


def test_zip_bomb_is_refused_with_a_message(importer, settings):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "MAX_EXPANDED_BYTES": 1_000_000}
    _, client = importer
    response = upload(client, ("bomb.zip", make_zip({"bomb.txt": b"\0" * 5_000_000})))
    assert "zip bomb" in response.content.decode()
    assert not Article.objects.exists()


def test_too_large_an_upload_is_refused_with_a_message(importer, settings):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "MAX_UPLOAD_BYTES": 1000}
    _, client = importer
    response = upload(client, ("a.txt", b"x" * 600), ("b.txt", b"x" * 600))
    assert "more than the limit of 1,000 bytes" in response.content.decode()


def test_too_many_files_are_refused_with_a_message(importer, settings):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "MAX_UPLOAD_FILES": 2}
    _, client = importer
    files = [(f"{n}.txt", story(f"S{n}", f"https://example.com/{n}")) for n in range(3)]
    response = upload(client, *files)
    assert "3 files, more than the limit of 2" in response.content.decode()


def test_an_upload_without_fixture_files_says_so(importer):
    _, client = importer
    response = upload(client, ("photo.jpg", b"\xff\xd8"))
    assert "No story file in this upload" in response.content.decode()


@pytest.mark.parametrize(
    "data", [{"step": "upload"}, {"step": "no-such-step"}, {}], ids=["no file", "unknown step", "empty post"]
)
def test_submitting_no_file_shows_the_form_again_with_an_error(importer, data):
    _, client = importer
    response = client.post(import_url(), data)
    assert response.status_code == 200
    assert response.context["step"] == "upload"
    html = response.content.decode()
    assert "Choose at least one file." in html and 'type="file" name="files"' in html
    assert UPLOAD_SESSION_KEY not in client.session


def test_a_file_over_the_size_limit_is_an_error_row(importer, settings):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "MAX_FILE_BYTES": 200}
    _, client = importer
    response = upload(client, ("big.txt", story("Big " + "x" * 300, "https://example.com/big")))
    assert rows(response) == [("big.txt", "failed")]
    assert "larger than the limit of 200 bytes" in response.content.decode()


def test_two_files_of_one_story_are_reported(importer):
    _, client = importer
    response = upload(
        client,
        ("a.txt", story("A", "https://example.com/same")),
        ("b.txt", story("B", "https://example.com/same")),
    )
    assert rows(response) == [("a.txt", "created"), ("b.txt", "duplicates")]
    assert "duplicate of a.txt" in response.content.decode()


def test_an_importer_who_may_not_publish_imports_stories_unpublished(importer):
    user, client = importer
    published = story("Wants to be public", "https://example.com/p").replace(b"published: false", b"published: true")
    preview = upload(client, ("p.md", published))
    assert "only editors may publish" in preview.content.decode()
    confirm(client, preview.context["token"])
    assert Article.objects.get().published is False


def test_an_editor_who_may_publish_imports_the_files_publish_flag():
    user, client = user_in("both", "Importers", "Editors")
    published = story("Public at once", "https://example.com/p").replace(b"published: false", b"published: true")
    confirm(client, upload(client, ("p.md", published)).context["token"])
    assert Article.objects.get().published is True


def test_a_zip_of_million_value_files_is_refused_file_by_file_with_a_clear_error(importer):
    _, client = importer
    values = ",".join(["1"] * 1_000_000)
    bomb = f'---\ntitle: "A"\noriginalUrl: "https://example.com/b"\nx: [{values}]\n---\n'.encode()
    archive = make_zip({f"bomb{n}.txt": bomb for n in range(5)} | {"good.txt": story("Good", "https://example.com/g")})
    response = upload(client, ("stories.zip", archive))
    expected = [*((f"stories.zip/bomb{n}.txt", "failed") for n in range(5)), ("stories.zip/good.txt", "created")]
    assert sorted(rows(response)) == expected
    assert "bomb0.txt:4: more than 20,000 values in the front matter" in response.content.decode()
