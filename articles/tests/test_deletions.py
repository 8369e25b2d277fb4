"""Deleting a story in the admin: the decision survives the next import, leaves a trace, and can be taken back."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, User
from django.urls import reverse

from articles.models import Article, Deletion, Revision
from articles.stories.write import import_paths

from .conftest import EXAMPLE
from .test_import import story_text
from .test_revisions import exported

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(write_fixture):
    path = write_fixture(EXAMPLE.name, EXAMPLE.read_bytes())
    assert import_paths([path]).created == 1
    return path, Article.objects.get()


def delete_in_admin(client, article):
    response = client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    assert response.status_code == 302


def restore(client, *deletions):
    return client.post(
        reverse("admin:articles_deletion_changelist"),
        {"action": "restore", "_selected_action": [deletion.pk for deletion in deletions]},
        follow=True,
    )


def test_deleting_a_story_records_who_deleted_it_when_and_what_it_was(admin_client, admin_user, example):
    _, article = example
    delete_in_admin(admin_client, article)
    assert not Article.objects.exists()
    deletion = Deletion.objects.get()
    assert (deletion.url_key, deletion.title, deletion.story_id) == (article.url_key, article.title, article.pk)
    assert deletion.deleted_by == admin_user and deletion.was_published == article.published
    assert deletion.content["title"] == article.title


def test_the_bulk_delete_action_records_every_story_it_deletes(admin_client, write_fixture):
    paths = [write_fixture(f"{n}.md", story_text(title=f"Story {n}", url=f"https://example.com/{n}")) for n in "ab"]
    import_paths(paths)
    ids = list(Article.objects.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Article.objects.exists()
    assert sorted(Deletion.objects.values_list("title", flat=True)) == ["Story a", "Story b"]


def test_a_reimport_leaves_a_deleted_story_deleted_and_names_who_deleted_it(admin_client, example):
    path, article = example
    delete_in_admin(admin_client, article)
    report = import_paths([path], keep_all=True)
    assert (report.created, report.unchanged) == (0, 1)
    assert not Article.objects.exists()
    (warning,) = [w for result in report.results for w in result.warnings if "deleted by" in w]
    assert "deleted by admin" in warning and "not imported again" in warning and "--overwrite-editorial" in warning


def test_a_reimport_of_a_changed_file_leaves_a_deleted_story_deleted_too(admin_client, write_fixture):
    path = write_fixture("a.md", story_text(title="First"))
    import_paths([path])
    delete_in_admin(admin_client, Article.objects.get())
    path.write_text(story_text(title="Changed upstream"))
    assert import_paths([path]).created == 0
    assert not Article.objects.exists()


def test_overwrite_editorial_imports_a_deleted_story_again_and_ends_its_deletion(admin_client, example):
    path, article = example
    delete_in_admin(admin_client, article)
    report = import_paths([path], overwrite_editorial=True, keep_all=True)
    assert report.created == 1
    assert Article.objects.get().url_key == article.url_key
    assert not Deletion.objects.exists()
    assert any("imported again" in w for result in report.results for w in result.warnings)


def test_restoring_a_deleted_story_brings_it_back_as_its_file_waiting_for_an_editor(admin_client, admin_user, example):
    path, article = example
    delete_in_admin(admin_client, article)
    response = restore(admin_client, Deletion.objects.get())
    assert "is back, waiting for an editor" in response.content.decode()
    restored = Article.objects.get()
    assert restored.url_key == article.url_key and restored.title == article.title
    assert (restored.published, restored.status) == (False, Article.Status.WAITING)
    assert exported(restored) == path.read_bytes()
    (revision,) = restored.revisions.all()
    assert (revision.source, revision.user) == (Revision.Source.RESTORE, admin_user)
    assert "deletion by admin" in revision.message
    assert not Deletion.objects.exists()
    assert LogEntry.objects.filter(object_id=str(restored.pk), action_flag=ADDITION).exists()
    # Back, it is a story like any other: an unchanged file leaves it be.
    assert import_paths([path]).unchanged == 1


def test_a_restore_is_refused_when_another_story_took_the_address(admin_client, example):
    path, article = example
    delete_in_admin(admin_client, article)
    deletion = Deletion.objects.get()
    import_paths([path], overwrite_editorial=True)
    # The same record again, over an address a story holds now.
    deletion.pk = None
    deletion.save()
    response = restore(admin_client, deletion)
    assert "Another story now has the address" in response.content.decode()
    assert Article.objects.count() == 1 and Deletion.objects.exists()


def test_editors_see_who_deleted_a_story_but_only_those_who_may_delete_restore_it(client, admin_client, example):
    _, article = example
    delete_in_admin(admin_client, article)
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    listing = client.get(reverse("admin:articles_deletion_changelist"))
    assert listing.status_code == 200 and article.title in listing.content.decode()
    restore(client, Deletion.objects.get())
    assert Deletion.objects.exists() and not Article.objects.exists()
    importer = User.objects.create_user("importer", password="x", is_staff=True)
    importer.groups.add(Group.objects.get(name="Importers"))
    client.force_login(importer)
    assert client.get(reverse("admin:articles_deletion_changelist")).status_code == 403


def test_nobody_edits_or_forgets_a_deletion_in_the_admin(admin_client, example):
    _, article = example
    delete_in_admin(admin_client, article)
    deletion = Deletion.objects.get()
    assert (
        admin_client.post(reverse("admin:articles_deletion_delete", args=[deletion.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        admin_client.post(reverse("admin:articles_deletion_change", args=[deletion.pk]), {"title": "x"}).status_code
        == 403
    )
    assert Deletion.objects.get().title == article.title


def test_an_editors_change_survives_deletion_restore_and_the_next_import(admin_client, write_fixture):
    path = write_fixture("a.md", story_text(title="Upstream title"))
    import_paths([path])
    Article.objects.update(title="The editor's title")
    delete_in_admin(admin_client, Article.objects.get())
    restore(admin_client, Deletion.objects.get())
    assert Article.objects.get().title == "The editor's title"
    # The restore keeps the last import's base: the file's new heat applies, the editor's title stays.
    path.write_text(story_text(title="Upstream title").replace("heat: 3", "heat: 40"))
    assert import_paths([path]).updated == 1
    assert Article.objects.values_list("title", "heat").get() == ("The editor's title", 40)
