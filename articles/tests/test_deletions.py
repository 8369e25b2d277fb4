"""Deleting a story in the admin: the decision survives every import, leaves a trace, and can be taken back."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import call_command
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


def warnings(report):
    return [warning for result in report.results for warning in result.warnings]


# Deleting


def test_deleting_a_story_records_who_deleted_it_when_and_what_it_was(admin_client, admin_user, example):
    _, article = example
    delete_in_admin(admin_client, article)
    assert not Article.objects.exists()
    deletion = Deletion.objects.get()
    assert (deletion.url_key, deletion.title, deletion.story_id) == (article.url_key, article.title, article.pk)
    assert (deletion.slug, deletion.content_hash) == (article.slug, article.content_hash)
    assert deletion.deleted_by == admin_user and deletion.was_published == article.published
    assert deletion.content["title"] == article.title


def test_a_deleted_storys_revisions_are_kept_with_its_deletion(admin_client, write_fixture):
    path = write_fixture("a.md", story_text(title="A story"))
    import_paths([path])
    path.write_text(story_text(title="A story").replace("heat: 3", "heat: 40"))
    import_paths([path])
    delete_in_admin(admin_client, Article.objects.get())
    deletion = Deletion.objects.get()
    assert list(Revision.objects.values_list("article_id", "deletion")) == [(None, deletion.pk)] * 2
    # Pruning leaves them whole until the story comes back.
    call_command("prune_revisions", "--keep", "1", "--days", "0", verbosity=0)
    assert Revision.objects.count() == 2


def test_an_importers_change_waiting_on_a_deleted_story_is_turned_down(admin_client, admin_user, example):
    _, article = example
    pending = Revision.objects.create(
        article=article, source=Revision.Source.UPLOAD, status=Revision.Status.PENDING, version=article.version
    )
    delete_in_admin(admin_client, article)
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (Revision.Status.REJECTED, admin_user)
    assert "deleted" in pending.message


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


# Imports leave a deleted story deleted


def test_a_reimport_leaves_a_deleted_story_deleted_and_names_who_deleted_it(admin_client, example):
    path, article = example
    delete_in_admin(admin_client, article)
    report = import_paths([path], keep_all=True)
    assert (report.created, report.unchanged) == (0, 1)
    assert not Article.objects.exists()
    (warning,) = [w for w in warnings(report) if "deleted by" in w]
    assert "deleted by admin" in warning and "not imported again" in warning and "Restore" in warning


@pytest.mark.parametrize("overwrite", [False, True], ids=["plain", "overwrite-editorial"])
def test_no_import_of_a_changed_file_brings_a_deleted_story_back(admin_client, write_fixture, overwrite):
    path = write_fixture("a.md", story_text(title="First", published="true"))
    import_paths([path])
    delete_in_admin(admin_client, Article.objects.get())
    path.write_text(story_text(title="Changed upstream", published="true"))
    assert import_paths([path], overwrite_editorial=overwrite).created == 0
    assert not Article.objects.exists()
    assert Deletion.objects.get().restored_at is None


def test_a_second_deletion_at_one_address_keeps_the_first(admin_client, example):
    path, article = example
    delete_in_admin(admin_client, article)
    restore(admin_client, Deletion.objects.get())
    delete_in_admin(admin_client, Article.objects.get())
    first, second = Deletion.objects.order_by("pk")
    assert first.restored_at is not None and second.restored_at is None
    assert import_paths([path]).created == 0


# Restoring


def test_restoring_brings_the_story_back_as_its_file_with_its_history_held_for_an_editor(
    admin_client, admin_user, example
):
    path, article = example
    delete_in_admin(admin_client, article)
    response = restore(admin_client, Deletion.objects.get())
    assert "is back, held for an editor" in response.content.decode()
    restored = Article.objects.get()
    assert (restored.pk, restored.url_key, restored.slug) == (article.pk, article.url_key, article.slug)
    assert (restored.published, restored.status, restored.reviewed_by) == (False, Article.Status.WAITING, admin_user)
    assert restored.held_at is not None
    assert exported(restored) == path.read_bytes()
    # Its import's revision is back with it, and the restore is a revision of its own.
    sources = list(restored.revisions.order_by("pk").values_list("source", flat=True))
    assert sources == [Revision.Source.IMPORT, Revision.Source.RESTORE]
    restore_revision = restored.revisions.get(source=Revision.Source.RESTORE)
    assert restore_revision.user == admin_user and "deletion by admin" in restore_revision.message
    assert restore_revision.version == restored.version > article.version
    deletion = Deletion.objects.get()
    assert (deletion.restored_by, deletion.revisions.count()) == (admin_user, 2)
    assert LogEntry.objects.filter(object_id=str(restored.pk), action_flag=ADDITION).exists()
    # Back, it is a story like any other: an unchanged file leaves it be.
    assert import_paths([path]).unchanged == 1


@pytest.mark.parametrize("published", ["true", "false"])
def test_a_restored_story_stays_held_when_its_file_changes(admin_client, write_fixture, published):
    path = write_fixture("a.md", story_text(title="A story", quality=90, published=published))
    import_paths([path])
    article = Article.objects.get()
    if published == "false":
        # An editor had published it before it was deleted.
        Article.objects.update(published=True, status=Article.Status.LIVE)
    delete_in_admin(admin_client, article)
    restore(admin_client, Deletion.objects.get())
    path.write_text(story_text(title="A story", quality=90, published=published).replace("heat: 3", "heat: 40"))
    report = import_paths([path], keep_all=True)
    assert report.updated == 1
    story = Article.objects.get()
    assert (story.heat, story.published, story.held_at is not None) == (40, False, True)
    assert story.imported_published is (published == "true")


def test_an_editors_change_survives_deletion_restore_and_the_next_import(admin_client, write_fixture):
    path = write_fixture("a.md", story_text(title="Upstream title"))
    import_paths([path])
    Article.objects.update(title="The editor's title")
    delete_in_admin(admin_client, Article.objects.get())
    restore(admin_client, Deletion.objects.get())
    assert Article.objects.get().title == "The editor's title"
    # The last import's revision came back: the file's new heat applies, the editor's title stays.
    path.write_text(story_text(title="Upstream title").replace("heat: 3", "heat: 40"))
    assert import_paths([path]).updated == 1
    assert Article.objects.values_list("title", "heat").get() == ("The editor's title", 40)


def test_a_restore_is_refused_when_another_story_took_the_address(admin_client, example):
    _, article = example
    delete_in_admin(admin_client, article)
    deletion = Deletion.objects.get()
    restore(admin_client, deletion)
    # A standing record of the same address, as though a second story there were deleted.
    deletion.pk, deletion.restored_at, deletion.restored_by = None, None, None
    deletion.save()
    response = restore(admin_client, deletion)
    assert "Another story now has the address" in response.content.decode()
    assert Article.objects.count() == 1 and Deletion.objects.filter(restored_at__isnull=True).exists()


def test_a_restored_deletion_cannot_be_restored_twice(admin_client, example):
    _, article = example
    delete_in_admin(admin_client, article)
    deletion = Deletion.objects.get()
    restore(admin_client, deletion)
    response = restore(admin_client, deletion)
    assert "already restored" in response.content.decode()
    assert Article.objects.count() == 1


# Who may do what


def test_editors_see_who_deleted_a_story_but_only_those_who_may_delete_restore_it(client, admin_client, example):
    _, article = example
    delete_in_admin(admin_client, article)
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    listing = client.get(reverse("admin:articles_deletion_changelist"))
    assert listing.status_code == 200 and article.title in listing.content.decode()
    restore(client, Deletion.objects.get())
    assert Deletion.objects.get().restored_at is None and not Article.objects.exists()
    importer = User.objects.create_user("importer", password="x", is_staff=True)
    importer.groups.add(Group.objects.get(name="Importers"))
    client.force_login(importer)
    assert client.get(reverse("admin:articles_deletion_changelist")).status_code == 403


def test_nobody_edits_or_forgets_a_deletion_in_the_admin(admin_client, example):
    _, article = example
    delete_in_admin(admin_client, article)
    deletion = Deletion.objects.get()
    delete_url = reverse("admin:articles_deletion_delete", args=[deletion.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    change_url = reverse("admin:articles_deletion_change", args=[deletion.pk])
    assert admin_client.post(change_url, {"title": "x"}).status_code == 403
    assert Deletion.objects.get().title == article.title


@pytest.mark.parametrize("selected", ["abc", str(2**70), "-1e3"])
@pytest.mark.parametrize("changelist", ["deletion", "article"])
def test_an_action_posted_with_ids_no_row_could_have_is_refused_not_a_server_error(
    admin_client, example, selected, changelist
):
    delete_in_admin(admin_client, example[1])
    action = "restore" if changelist == "deletion" else "delete_selected"
    response = admin_client.post(
        reverse(f"admin:articles_{changelist}_changelist"), {"action": action, "_selected_action": [selected]}
    )
    assert response.status_code == 302
    assert Deletion.objects.get().restored_at is None


def test_saving_a_story_deleted_meanwhile_says_who_deleted_it_and_where_it_is(client, admin_client, example):
    _, article = example
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    change = reverse("admin:articles_article_change", args=[article.pk])
    assert client.get(change).status_code == 200
    delete_in_admin(admin_client, article)
    response = client.post(change, {"title": "My new title"}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "was deleted by admin on" in text and "under Deleted stories" in text and "could not be saved" in text
    assert response.redirect_chain[-1][0] == reverse("admin:articles_deletion_change", args=[Deletion.objects.get().pk])


def test_the_deleted_stories_list_filters_by_restored_and_names_who_deleted(admin_client, admin_user, write_fixture):
    paths = [write_fixture(f"{n}.md", story_text(title=f"Story {n}", url=f"https://example.com/{n}")) for n in "ab"]
    import_paths(paths)
    for article in Article.objects.all():
        delete_in_admin(admin_client, article)
    restore(admin_client, Deletion.objects.get(title="Story a"))
    listing = reverse("admin:articles_deletion_changelist")
    standing = admin_client.get(listing, {"restored": "no"})
    assert [d.title for d in standing.context["cl"].result_list] == ["Story b"]
    restored = admin_client.get(listing, {"restored": "yes"})
    assert [d.title for d in restored.context["cl"].result_list] == ["Story a"]
    assert reverse("admin:auth_user_change", args=[admin_user.pk]) not in restored.content.decode()


def test_the_delete_confirmation_lists_what_editors_know_not_the_duplicate_index(admin_client, example):
    _, article = example
    assert article.title_bands.exists()
    page = admin_client.get(reverse("admin:articles_article_delete", args=[article.pk])).content.decode()
    assert "Related coverage" in page and "Title band" not in page and "title bands" not in page
