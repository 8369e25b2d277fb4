"""Revisions: every change recorded, an import merged with editors' changes, history, restore, moderation."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from articles import editorial
from articles.models import Article, Revision
from articles.stories.export import render_story_bytes, story_from_article
from articles.stories.write import import_paths
from providers.models import Provider

from .conftest import EXAMPLE
from .test_import import story_text

pytestmark = pytest.mark.django_db


def exported(article):
    return render_story_bytes(story_from_article(Article.objects.for_export().get(pk=article.pk)))


@pytest.fixture
def imported(write_fixture):
    path = write_fixture("a.md", story_text(title="Upstream title"))
    report = import_paths([path])
    assert report.created == 1
    return path, Article.objects.get()


# Every change records a revision


def test_a_command_line_import_records_a_revision_naming_the_file(imported):
    path, article = imported
    (revision,) = Revision.objects.filter(article=article)
    assert (revision.source, revision.user, revision.source_name) == ("import", None, str(path))
    assert revision.content["title"] == "Upstream title" and revision.version == article.version
    assert revision.author == f"import of {path}"


def test_an_unchanged_reimport_records_nothing_and_a_changed_one_records_a_revision(imported):
    path, article = imported
    import_paths([path])
    assert Revision.objects.count() == 1
    path.write_text(story_text(title="Upstream title").replace("heat: 3", "heat: 40"))
    import_paths([path])
    assert Revision.objects.count() == 2
    assert Revision.objects.first().content["heat"] == 40


def test_bulk_actions_record_a_revision_per_story_with_the_editor(imported, admin_user):
    _, article = imported
    editorial.publish_stories(queryset=Article.objects.all(), user=admin_user)
    revision = Revision.objects.first()
    assert (revision.source, revision.user, revision.content["published"]) == ("action", admin_user, True)


def test_the_change_form_records_one_revision_and_logs_only_what_changed(imported, admin_client):
    _, article = imported
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("upload_image",)}
    data.update(title="Editor's title", reviewed="on", version=article.version)
    data["published_at_0"], data["published_at_1"] = "2024-01-01", "10:00:00"
    data.update(
        {
            f"{prefix}-{key}": value
            for prefix in ("related_links", "images")
            for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    revision = Revision.objects.first()
    assert (revision.source, revision.content["title"]) == ("form", "Editor's title")
    assert "topics" not in LogEntry.objects.first().get_change_message().lower()


# Three-way merge on re-import


def test_a_reimport_that_changed_only_heat_keeps_the_editors_title_topics_and_related_order(imported):
    path, article = imported
    article.title = "Editor's title"
    article.save()
    editorial.set_topics(article=article, names=["Policy", "AI"])
    path.write_text(story_text(title="Upstream title").replace("heat: 3", "heat: 40"))
    report = import_paths([path])
    article.refresh_from_db()
    assert (article.title, article.heat) == ("Editor's title", 40)
    assert [topic.name for topic in article.topic_list] == ["Policy", "AI"]
    assert report.results[0].conflicts == []


def test_a_field_both_changed_keeps_the_editors_value_and_is_reported_as_a_conflict(imported, capsys):
    path, article = imported
    Article.objects.filter(pk=article.pk).update(title="Editor's title")
    path.write_text(story_text(title="Upstream's new title"))
    call_command("import_stories", str(path), "--jobs", "1")
    err = capsys.readouterr().err
    assert Article.objects.get().title == "Editor's title"
    assert 'title: kept the editor\'s value "Editor\'s title"; the file says "Upstream\'s new title"' in err
    revision = Revision.objects.first()
    assert revision.conflicts == [{"field": "title", "editor": "Editor's title", "file": "Upstream's new title"}]
    # The next import starts from the file's own content, not the editor's.
    assert revision.base_content["title"] == "Upstream's new title"


def test_overwrite_editorial_takes_the_files_title(imported):
    path, article = imported
    Article.objects.filter(pk=article.pk).update(title="Editor's title")
    path.write_text(story_text(title="Upstream's new title"))
    import_paths([path], overwrite_editorial=True)
    assert Article.objects.get().title == "Upstream's new title"


def test_an_untouched_story_still_exports_byte_for_byte_after_reimports(tmp_path):
    import_paths([EXAMPLE])
    import_paths([EXAMPLE])
    assert exported(Article.objects.get()) == EXAMPLE.read_bytes()


# History, compare, restore


def test_the_history_lists_revisions_with_what_changed_and_compares_any_two(imported, admin_client):
    path, article = imported
    path.write_text(story_text(title="Second upstream title"))
    import_paths([path])
    response = admin_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert response.status_code == 200
    first, second = Revision.objects.order_by("id")
    assert "Title" in response.text and "First revision." in response.text
    compare = admin_client.get(
        reverse("admin:articles_article_revisions_compare", args=[article.pk]), {"from": first.pk, "to": second.pk}
    )
    assert "Upstream title" in compare.text and "Second upstream title" in compare.text
    now = admin_client.get(
        reverse("admin:articles_article_revisions_compare", args=[article.pk]), {"from": first.pk, "to": "current"}
    )
    assert [change.field for change in now.context["changes"]] == ["title"]


def test_restoring_a_revision_brings_the_story_back_and_exports_its_file_byte_for_byte(admin_client, admin_user):
    import_paths([EXAMPLE])
    article = Article.objects.get()
    original = Revision.objects.get()
    Article.objects.filter(pk=article.pk).update(title="Vandalised")
    editorial.set_topics(article=article, names=["Nonsense"])
    response = admin_client.post(
        reverse("admin:articles_article_revisions_restore", args=[article.pk, original.pk]), follow=True
    )
    assert response.status_code == 200
    assert exported(article) == EXAMPLE.read_bytes()
    restore = Revision.objects.first()
    assert (restore.source, restore.user) == ("restore", admin_user)


def test_a_restore_that_takes_a_story_down_is_the_restoring_editors_decision_and_logged(admin_client, admin_user):
    import_paths([EXAMPLE])
    article = Article.objects.get()
    before = Revision.objects.get()
    other = User.objects.create_user("other", is_staff=True)
    editorial.publish_stories(queryset=Article.objects.all(), user=other)
    admin_client.post(reverse("admin:articles_article_revisions_restore", args=[article.pk, before.pk]))
    article.refresh_from_db()
    assert (article.status, article.status_by, article.reviewed_by) == ("taken_down", "editor", admin_user)
    entry = LogEntry.objects.get(object_id=str(article.pk), user=admin_user)
    assert entry.get_change_message().startswith("Restored the revision of")
    # An editor's take-down stands against the file's later recommendation, as any other does.
    import_paths([EXAMPLE], overwrite_editorial=False)
    article.refresh_from_db()
    assert article.status == "taken_down"


def test_a_restore_says_when_the_storys_state_stays_as_it_is(imported, admin_client, admin_user):
    _, article = imported
    before = Revision.objects.get()
    editorial.reject_stories(queryset=Article.objects.all(), user=admin_user, reason="off topic")
    response = admin_client.post(
        reverse("admin:articles_article_revisions_restore", args=[article.pk, before.pk]), follow=True
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "It is still rejected: a revision keeps the story, not the decisions on it" in text
    article.refresh_from_db()
    assert article.status == "rejected"


def test_a_restore_does_not_undo_a_rejection_of_a_live_story(write_fixture, admin_client, admin_user):
    path = write_fixture("a.md", story_text(quality=80, published="true"))
    import_paths([path])
    article = Article.objects.get()
    assert article.status == "live"
    editorial.reject_stories(queryset=Article.objects.all(), user=admin_user, reason="Legal asked us to pull it")
    response = admin_client.post(
        reverse("admin:articles_article_revisions_restore", args=[article.pk, article.revisions.last().pk]),
        follow=True,
    )
    article.refresh_from_db()
    assert (article.status, article.published) == ("rejected", False)
    assert "It is still rejected" in " ".join(str(m) for m in response.context["messages"])
    assert article.revisions.first().content["published"] is False


def test_a_restore_that_changes_the_storys_state_says_where_it_stands(write_fixture, admin_client, admin_user):
    path = write_fixture("a.md", story_text(quality=80, published="false"))
    import_paths([path])
    path.write_text(story_text(quality=80, published="true"))
    import_paths([path])
    article = Article.objects.get()
    assert article.status == "live"
    first = article.revisions.order_by("pk").first()
    response = admin_client.post(
        reverse("admin:articles_article_revisions_restore", args=[article.pk, first.pk]), follow=True
    )
    assert "It is now taken down" in " ".join(str(m) for m in response.context["messages"])


def test_restore_and_compare_refuse_other_stories_revisions_and_forged_requests(imported, admin_client, client):
    _, article = imported
    revision = Revision.objects.get()
    other = Article.objects.create(title="Other", slug="other", original_url="https://o.example/", url_key="x")
    url = reverse("admin:articles_article_revisions_restore", args=[other.pk, revision.pk])
    assert admin_client.post(url).status_code == 404
    assert (
        admin_client.get(
            reverse("admin:articles_article_revisions_restore", args=[article.pk, revision.pk])
        ).status_code
        == 405
    )
    assert (
        client.post(reverse("admin:articles_article_revisions_restore", args=[article.pk, revision.pk])).status_code
        == 302
    )


# Importers' changes to live stories wait for an editor


def importer_client(client):
    user = User.objects.create_user("importer", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Importers"))
    client.force_login(user)
    return user


def upload(client, name, content):
    url = reverse("admin:articles_article_import")
    preview = client.post(url, {"step": "upload", "files": [SimpleUploadedFile(name, content)]})
    return preview, client.post(url, {"step": "confirm", "token": preview.context["token"]})


def test_an_importers_upload_to_a_live_story_waits_for_review_and_readers_keep_the_live_version(
    imported, client, admin_client
):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(published=True)
    importer_client(client)
    preview, _ = upload(client, "a.md", story_text(title="Importer's title").encode())
    assert "waits for an editor" in preview.text
    article.refresh_from_db()
    assert article.title == "Upstream title" and article.published
    pending = Revision.objects.get(status="pending")
    assert pending.content["title"] == "Importer's title"
    history = admin_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert "Approve and publish" in history.text

    decide = reverse("admin:articles_article_revisions_decide", args=[article.pk, pending.pk])
    admin_client.post(decide, {"decision": "approve"})
    article.refresh_from_db()
    assert article.title == "Importer's title"
    assert Revision.objects.filter(source="moderation").exists()
    pending.refresh_from_db()
    assert pending.status == "live" and pending.decided_by is not None


def test_a_rejected_importers_change_leaves_the_story_as_it_was(imported, client, admin_client):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(published=True)
    importer_client(client)
    upload(client, "a.md", story_text(title="Importer's title").encode())
    pending = Revision.objects.get(status="pending")
    decide = reverse("admin:articles_article_revisions_decide", args=[article.pk, pending.pk])
    admin_client.post(decide, {"decision": "reject", "reason": "Clickbait"})
    pending.refresh_from_db()
    assert (pending.status, pending.message) == ("rejected", "Rejected: Clickbait")
    assert Article.objects.get().title == "Upstream title"


def test_an_importer_cannot_restore_or_decide(imported, client):
    _, article = imported
    importer_client(client)
    revision = Revision.objects.get()
    assert (
        client.post(reverse("admin:articles_article_revisions_restore", args=[article.pk, revision.pk])).status_code
        == 403
    )


# Pruning


def test_prune_keeps_the_newest_per_story_the_last_import_and_pending_changes(imported, admin_user):
    _, article = imported
    for n in range(5):
        editorial.set_category(queryset=Article.objects.all(), user=admin_user, category=f"c{n}")
    Revision.objects.create(article=article, source="upload", status="pending", version=1, content={})
    Revision.objects.update(created_at=timezone.now() - dt.timedelta(days=400))
    call_command("prune_revisions", "--keep", "2", verbosity=0)
    left = list(Revision.objects.order_by("id").values_list("source", "status"))
    assert left == [("import", "live"), ("action", "live"), ("upload", "pending")]


def test_a_conflict_is_reported_once_and_the_editors_decision_stands_on_later_imports(imported):
    path, article = imported
    Article.objects.filter(pk=article.pk).update(title="Editor's title")
    path.write_text(story_text(title="Upstream's new title"))
    assert import_paths([path]).results[0].conflicts
    path.write_text(story_text(title="Upstream's new title").replace("heat: 3", "heat: 9"))
    report = import_paths([path])
    assert report.results[0].conflicts == []
    assert Article.objects.get().title == "Editor's title"


# No lost updates from the story list


def test_the_list_carries_each_rows_version(admin_client, imported):
    _, article = imported
    page = admin_client.get(reverse("admin:articles_article_changelist")).text
    assert f'<input type="hidden" name="version-{article.pk}" value="{article.version}">' in page


def test_a_stale_row_of_a_list_edit_is_refused_naming_who_changed_it_and_other_rows_save(
    admin_client, admin_user, write_fixture
):
    # Editor A loads the list: both stories live.
    for name in ("x", "y"):
        import_paths([write_fixture(f"{name}.md", story_text(title=name.upper(), url=f"https://e.example/{name}"))])
    x, y = Article.objects.get(title="X"), Article.objects.get(title="Y")
    Article.objects.update(published=True, version=5)
    loaded = {"x": 5, "y": 5}
    # Editor B takes X down meanwhile.
    editorial.unpublish_stories(queryset=Article.objects.filter(pk=x.pk), user=admin_user)
    # A unticks Y, and the form posts X's box as A saw it: ticked.
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(x.pk),
        "form-0-published": "on",
        "form-1-id": str(y.pk),
        f"version-{x.pk}": loaded["x"],
        f"version-{y.pk}": loaded["y"],
        "_save": "Save",
    }
    response = admin_client.post(reverse("admin:articles_article_changelist"), data, follow=True)
    x.refresh_from_db()
    y.refresh_from_db()
    assert x.published is False  # B's decision stands
    assert y.published is False  # A's own change went through
    text = " ".join(str(m) for m in response.context["messages"])
    assert "“X” (changed by admin at" in text and "1 story was changed successfully" in text


def test_a_bulk_action_leaves_out_stale_rows_and_says_so(admin_client, admin_user, write_fixture):
    for name in ("x", "y"):
        import_paths([write_fixture(f"{name}.md", story_text(title=name.upper(), url=f"https://e.example/{name}"))])
    x, y = Article.objects.get(title="X"), Article.objects.get(title="Y")
    versions = {f"version-{a.pk}": a.version for a in (x, y)}
    editorial.set_category(queryset=Article.objects.filter(pk=x.pk), user=admin_user, category="moved")
    data = {"action": "publish", "_selected_action": [x.pk, y.pk], **versions}
    response = admin_client.post(reverse("admin:articles_article_changelist"), data, follow=True)
    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.published, y.published) == (False, True)
    assert "Left out of this action, because someone changed it since you loaded the list: “X”" in " ".join(
        str(m) for m in response.context["messages"]
    )


def hidden_inputs(html):
    """What the intermediate page of an action posts back: its hidden inputs, as a browser sends them."""
    form = html[html.index('<form method="post">') :]
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


@pytest.mark.parametrize("colleague_acts", ["before the list's action", "while the action's page is open"])
def test_an_action_with_a_second_page_leaves_out_a_story_a_colleague_changed(
    admin_client, admin_user, write_fixture, colleague_acts
):
    for name in ("x", "y"):
        import_paths([write_fixture(f"{name}.md", story_text(title=name.upper(), url=f"https://e.example/{name}"))])
    x, y = Article.objects.get(title="X"), Article.objects.get(title="Y")
    loaded = {f"version-{a.pk}": a.version for a in (x, y)}
    colleague = User.objects.create_user("colleague", is_staff=True, is_superuser=True)
    url = reverse("admin:articles_article_changelist")

    def colleague_publishes_x():
        editorial.publish_stories(queryset=Article.objects.filter(pk=x.pk), user=colleague)

    if colleague_acts == "before the list's action":
        colleague_publishes_x()
    page = admin_client.post(url, {"action": "reject", "_selected_action": [x.pk, y.pk], "index": "0", **loaded})
    if colleague_acts == "while the action's page is open":
        colleague_publishes_x()
    admin_client.post(url, {**hidden_inputs(page.text), "apply": "1", "reason": "duplicate"})

    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.status, x.reviewed_by, y.status) == ("live", colleague, "rejected")


# The change form's conflict


def test_the_loser_of_a_form_conflict_sees_who_changed_what_keeps_their_text_and_can_save_over_it(
    imported, admin_client, admin_user
):
    from .test_admin import change_form_data

    _, article = imported
    editor = User.objects.create_user("colleague", is_staff=True, is_superuser=True)
    mine = change_form_data(admin_client, article, excerpt="My new excerpt")
    colleague = type(admin_client)()
    colleague.force_login(editor)
    assert (
        colleague.post(*_change(article, change_form_data(colleague, article, title="Their title"))).status_code == 302
    )

    refused = admin_client.post(*_change(article, mine))
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "colleague saved it at" in text
    assert "Title: theirs “Their title”, yours “Upstream title”" in text
    form = refused.context["adminform"].form
    assert form["excerpt"].value() == "My new excerpt"  # what they typed is kept
    assert (form["version"].value(), form["base_version"].value()) == ("2", "1")

    again = {**mine, "version": "2", "base_version": "1"}
    assert admin_client.post(*_change(article, again)).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.excerpt) == ("Their title", "My new excerpt")


def _change(article, data):
    return reverse("admin:articles_article_change", args=[article.pk]), data


class _FormFields(HTMLParser):
    """The name/value pairs a browser would submit from the page's story form (inputs, textareas, selects)."""

    def __init__(self):
        super().__init__()
        self.pairs, self._in_form, self._textarea, self._select = [], False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self._select and "selected" in attrs:
            self.pairs.append((self._select, attrs.get("value", "")))
        if tag == "form" and attrs.get("id") == "article_form":
            self._in_form = True
        elif not self._in_form or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "file", "checkbox", "radio"):
            self.pairs.append((attrs["name"], attrs.get("value", "")))
        elif tag == "input" and "checked" in attrs:
            self.pairs.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select = attrs["name"]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea:
            self.pairs.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None


def page_data(response, **changes):
    """What a browser posts from the change form `response` shows, with `changes` typed in."""
    parser = _FormFields()
    parser.feed(response.text)
    data = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value.removeprefix("\n") if name in ("excerpt",) else value)
    return {**data, **{name: [value] for name, value in changes.items()}}


def test_saving_again_after_a_conflict_keeps_a_colleagues_new_end_of_publication_and_outlet(
    imported, admin_client, admin_user
):
    _, article = imported
    opened = admin_client.get(_change(article, None)[0])
    mine = page_data(opened, title="My title")
    other = Provider.objects.create(name="Other outlet", domain="other-outlet.example")
    ends = timezone.now() + dt.timedelta(days=3)
    Article.objects.filter(pk=article.pk).update(unpublish_at=ends, provider=other, version=F("version") + 1)

    refused = admin_client.post(*_change(article, mine))
    assert refused.status_code == 200
    assert "theirs “Other outlet”" in refused.text
    assert admin_client.post(*_change(article, page_data(refused))).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.unpublish_at, article.provider) == ("My title", ends, other)


def test_saving_again_after_a_conflict_keeps_the_end_of_publication_the_editor_typed(imported, admin_client):
    _, article = imported
    opened = admin_client.get(_change(article, None)[0])
    mine, theirs = ((timezone.now() + dt.timedelta(days=days)).replace(microsecond=0) for days in (10, 3))
    local = timezone.localtime(mine)
    typed = {"unpublish_at_0": local.strftime("%Y-%m-%d"), "unpublish_at_1": local.strftime("%H:%M:%S")}
    Article.objects.filter(pk=article.pk).update(unpublish_at=theirs, version=F("version") + 1)

    refused = admin_client.post(*_change(article, page_data(opened, title="My title", **typed)))
    assert refused.status_code == 200
    assert admin_client.post(*_change(article, page_data(refused))).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.unpublish_at) == ("My title", mine)


def test_a_form_opened_before_an_import_rewrote_its_tables_can_still_be_saved(imported, admin_client):
    path, article = imported
    opened = admin_client.get(_change(article, None)[0])
    assert opened.context["inline_admin_formsets"][0].formset.forms  # a related item's row is shown
    path.write_text(path.read_text().replace("heat: 3", "heat: 4"))
    assert import_paths([path]).updated == 1

    refused = admin_client.post(*_change(article, page_data(opened, title="My title")))
    assert refused.status_code == 200
    assert "were replaced since you opened it" in refused.text
    assert admin_client.post(*_change(article, page_data(refused))).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.heat, article.related_links.count()) == ("My title", 4, 1)


def test_saving_again_after_a_conflict_keeps_a_colleagues_change_to_the_related_coverage(
    imported, admin_client, admin_user
):
    _, article = imported
    mine = admin_client.get(_change(article, None)[0])
    theirs = admin_client.get(_change(article, None)[0])
    saved = admin_client.post(*_change(article, page_data(theirs, **{"related_links-0-title": "Their new title"})))
    assert saved.status_code == 302

    refused = admin_client.post(*_change(article, page_data(mine, title="My title")))
    assert refused.status_code == 200
    assert "changed the story&#x27;s related coverage since you opened it" in refused.text
    assert admin_client.post(*_change(article, page_data(refused))).status_code == 302
    article.refresh_from_db()
    assert article.title == "My title"
    assert list(article.related_links.values_list("title", flat=True)) == ["Their new title"]


def test_an_editors_own_change_to_the_tables_survives_a_colleagues_change_elsewhere(imported, admin_client):
    _, article = imported
    mine = admin_client.get(_change(article, None)[0])
    theirs = admin_client.get(_change(article, None)[0])
    assert admin_client.post(*_change(article, page_data(theirs, excerpt="Their excerpt"))).status_code == 302

    refused = admin_client.post(*_change(article, page_data(mine, **{"related_links-0-title": "My row title"})))
    assert refused.status_code == 200 and "related coverage since you opened it" not in refused.text
    assert admin_client.post(*_change(article, page_data(refused))).status_code == 302
    article.refresh_from_db()
    assert article.excerpt == "Their excerpt"
    assert list(article.related_links.values_list("title", flat=True)) == ["My row title"]


def test_stories_with_an_importers_change_waiting_are_a_review_queue_of_their_own(imported, client, admin_client):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(published=True)
    Article.objects.create(title="Quiet", slug="quiet", original_url="https://q.example/", url_key="https://q.example/")
    importer_client(client)
    upload(client, "a.md", story_text(title="Importer's title").encode())
    response = admin_client.get(reverse("admin:articles_article_changelist"), {"review": "pending"})
    assert [story.pk for story in response.context["cl"].result_list] == [article.pk]


def test_a_story_with_an_importers_change_waiting_says_so_on_its_form(imported, client, admin_client):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(published=True)
    importer_client(client)
    upload(client, "a.md", story_text(title="Importer's title").encode())
    response = admin_client.get(_change(article, None)[0])
    text = " ".join(str(m) for m in response.context["messages"])
    assert "uploaded in a.md by importer is waiting for review" in text
    assert reverse("admin:articles_article_history", args=[article.pk]) in text


def test_the_upload_preview_reports_conflicts_and_lets_an_editor_take_the_files_values(imported, admin_client):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(title="Editor's title")
    preview, _ = upload(admin_client, "a.md", story_text(title="Upstream's new title").encode())
    assert "title: kept the editor&#x27;s value" in preview.text and 'name="overwrite_editorial"' in preview.text
    assert Article.objects.get().title == "Editor's title"
    url = reverse("admin:articles_article_import")
    preview = admin_client.post(
        url, {"step": "upload", "files": [SimpleUploadedFile("a.md", story_text(title="Upstream's third").encode())]}
    )
    admin_client.post(url, {"step": "confirm", "token": preview.context["token"], "overwrite_editorial": "1"})
    assert Article.objects.get().title == "Upstream's third"


def test_an_importer_is_not_offered_and_cannot_forge_the_overwrite(imported, client):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(title="Editor's title")
    importer_client(client)
    url = reverse("admin:articles_article_import")
    preview = client.post(
        url, {"step": "upload", "files": [SimpleUploadedFile("a.md", story_text(title="Upstream's new").encode())]}
    )
    assert 'name="overwrite_editorial"' not in preview.text
    client.post(url, {"step": "confirm", "token": preview.context["token"], "overwrite_editorial": "1"})
    assert Article.objects.get().title == "Editor's title"


def test_an_importers_change_made_against_an_older_version_cannot_be_approved_over_newer_work(
    imported, client, admin_client, admin_user
):
    _, article = imported
    Article.objects.filter(pk=article.pk).update(published=True)
    importer_client(client)
    upload(client, "a.md", story_text(title="Importer's title").encode())
    pending = Revision.objects.get(status="pending")
    editorial.unpublish_stories(queryset=Article.objects.all(), user=admin_user)  # taken down meanwhile
    decide = reverse("admin:articles_article_revisions_decide", args=[article.pk, pending.pk])
    response = admin_client.post(decide, {"decision": "approve"}, follow=True)
    assert "The story changed since this upload" in response.text
    article.refresh_from_db()
    assert (article.title, article.published) == ("Upstream title", False)


def test_a_topic_spelled_otherwise_by_the_file_is_no_editors_change(write_fixture):
    from articles.stories.references import ensure_topics

    ensure_topics(["AI"])
    path = write_fixture("a.md", story_text(title="T").replace("  - AI", "  - ai"))
    import_paths([path])
    path.write_text(story_text(title="T").replace("  - AI", "  - ai\n  - Policy"))
    report = import_paths([path])
    # Neither a conflict nor a warning: results keep only the files worth telling about.
    assert report.updated == 1 and report.results == []
    assert [t.name for t in Article.objects.get().topic_list] == ["AI", "Policy"]


def with_image_width(width, *, where):
    """story_text() whose story (or its related item) has an image `width` wide."""
    if where == "related item":
        return story_text().replace("        width: 10\n", f"        width: {width}\n")
    image = f'images:\n  - url: "https://example.com/a.jpg"\n    width: {width}\n    height: 10\n    isCached: true\n\n'
    return story_text().replace("provider:\n", image + "provider:\n", 1)


@pytest.mark.parametrize("where", ["story", "related item"])
def test_a_reimport_takes_the_files_new_image_sizes_with_no_editor_involved(write_fixture, where):
    path = write_fixture("a.md", with_image_width(10, where=where))
    import_paths([path])
    path.write_text(with_image_width(20, where=where))
    report = import_paths([path])
    assert report.updated == 1
    assert not [warning for result in report.results for warning in result.warnings]
    assert exported(Article.objects.get()) == path.read_bytes()
    assert import_paths([path]).unchanged == 1


def test_a_form_save_that_changes_only_a_table_says_so_in_its_revision(imported, admin_client):
    _, article = imported
    opened = admin_client.get(_change(article, None)[0])
    saved = admin_client.post(*_change(article, page_data(opened, **{"related_links-0-title": "New"})))
    assert saved.status_code == 302
    assert article.revisions.first().message == "Changed related coverage."
