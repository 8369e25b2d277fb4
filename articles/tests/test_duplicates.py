"""Duplicates: flagged before anything is written, merged by editors; wrong clusters split."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.merging import MergeError, merge_story, split_stories
from articles.models import Article, RelatedLink, Revision
from articles.stories.write import CREATED, import_paths

from .factories import make_article
from .test_admin import apply_action, editorial_groups, post_action, staff_user  # noqa: F401 (a fixture)
from .test_import import story_text

pytestmark = pytest.mark.django_db

TITLE = "Provance releases ServiceTeam, a new family of ITSM apps"


def dated(text, when):
    return text.replace("type: article", f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}\ntype: article")


def test_a_file_at_another_address_of_a_stored_page_is_flagged_in_a_dry_run(write_fixture):
    stored = make_article(title="Budget passes", web_url="https://www.example.com/budget/")
    path = write_fixture("b.md", story_text(title="Other words", url="https://example.com/budget?utm_source=x"))
    report = import_paths([path], dry_run=True, keep_all=True)
    (result,) = report.results
    assert result.status == CREATED
    assert result.duplicate_of == [
        {
            "story": stored.pk,
            "title": "Budget passes",
            "url": "https://www.example.com/budget/",
            "reason": "same canonical URL https://example.com/budget under another webUrl",
        }
    ]
    assert f"looks like a duplicate of story {stored.pk}" in result.warnings[0]
    assert Article.objects.count() == 1


def test_a_near_duplicate_title_the_same_day_is_flagged_and_another_day_is_not(write_fixture):
    when = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    stored = make_article(title=TITLE, published_at=when)
    same_day = write_fixture("a.md", dated(story_text(title=f"RE: {TITLE}", url="https://b.example/1"), when))
    next_week = write_fixture(
        "b.md", dated(story_text(title=TITLE, url="https://c.example/1"), when + dt.timedelta(days=7))
    )
    report = import_paths([same_day, next_week], dry_run=True, keep_all=True)
    flags = {result.path.split("/")[-1]: result.duplicate_of for result in report.results}
    assert [flag["story"] for flag in flags["a.md"]] == [stored.pk]
    assert flags["a.md"][0]["reason"] == "a near-duplicate title the same day"
    assert flags["b.md"] == []


def test_a_re_import_of_a_story_does_not_flag_the_story_itself(write_fixture):
    path = write_fixture("a.md", story_text(title=TITLE, url="https://a.example/1"))
    import_paths([path])
    path.write_text(story_text(title=TITLE + " again", url="https://a.example/1"))
    report = import_paths([path], keep_all=True)
    assert report.results[0].duplicate_of == []


def test_the_command_prints_the_flag(write_fixture, capsys):
    make_article(web_url="https://example.com/page")
    path = write_fixture("a.md", story_text(url="http://www.example.com/page/"))
    call_command("import_stories", str(path), "--dry-run", "--jobs", "1", verbosity=1)
    assert "looks like a duplicate of story" in capsys.readouterr().err


def test_the_upload_preview_shows_the_flag(admin_client, settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path)}
    stored = make_article(web_url="https://example.com/page")
    upload = SimpleUploadedFile("a.md", story_text(url="https://example.com/page#x").encode())
    response = admin_client.post(reverse("admin:articles_article_import"), {"step": "upload", "files": [upload]})
    assert f"looks like a duplicate of story {stored.pk}" in response.text
    assert Article.objects.count() == 1


def test_merging_makes_the_duplicate_related_coverage_and_records_both_revisions(admin_user):
    into = make_article(title="Budget passes", related=1)
    duplicate = make_article(
        title="Lawmakers pass the budget",
        web_url="https://aggregator.example/budget",
        original_url="https://other.example/budget",
    )
    link = merge_story(duplicate=duplicate, into=into, user=admin_user)
    assert (link.web_url, link.title, link.provider_id) == (
        "https://other.example/budget",
        "Lawmakers pass the budget",
        duplicate.provider_id,
    )
    merged = Article.objects.get(pk=duplicate.pk)
    assert not merged.published and merged.status == Article.Status.REJECTED and merged.reviewed_by == admin_user
    assert "https://other.example/budget" in [item["web_url"] for item in to_content_of(into)["related"]]
    messages = list(Revision.objects.order_by("id").values_list("article_id", "message"))[-2:]
    assert messages[0][0] == into.pk and f"duplicate story {duplicate.pk}" in messages[0][1]
    assert messages[1][0] == duplicate.pk and "unpublished" in messages[1][1]
    # The duplicate is now related coverage of the story: one cluster.
    assert Article.objects.get(pk=into.pk).cluster == Article.objects.get(pk=duplicate.pk).cluster == into.pk


def to_content_of(article):
    return Revision.objects.filter(article=article).order_by("-id").first().content


def test_a_merge_into_itself_or_twice_is_refused(admin_user):
    into, duplicate = make_article(), make_article()
    with pytest.raises(MergeError):
        merge_story(duplicate=into, into=into, user=admin_user)
    merge_story(duplicate=duplicate, into=into, user=admin_user)
    with pytest.raises(MergeError, match="already lists"):
        merge_story(duplicate=duplicate, into=into, user=admin_user)
    assert RelatedLink.objects.filter(article=into).count() == 1


def test_a_split_keeps_the_stories_apart_through_a_re_import(admin_user, write_fixture):
    paths = [write_fixture(f"{n}.md", story_text(title=TITLE, url=f"https://{n}.example/1")) for n in "abc"]
    import_paths(paths)
    a, b, c = Article.objects.order_by("pk")
    assert {a.cluster, b.cluster, c.cluster} == {a.pk}
    assert split_stories(queryset=Article.objects.filter(pk=c.pk), user=admin_user) == 1
    assert [row.cluster for row in Article.objects.order_by("pk")] == [a.pk, a.pk, None]
    paths[2].write_text(story_text(title=TITLE + "!", url="https://c.example/1"))
    import_paths(paths)
    assert Article.objects.get(pk=c.pk).cluster is None
    assert Revision.objects.filter(article=c, message__startswith="Split off its cluster").exists()


def test_editors_merge_and_split_from_the_story_list(client, editorial_groups):  # noqa: F811
    client.force_login(staff_user("editor", groups=["Editors"]))
    into, duplicate = make_article(title=TITLE), make_article(title=TITLE)
    response = post_action(client, "merge_into", [duplicate])
    assert "Into story (id)" in response.text
    apply_action(client, "merge_into", [duplicate], into=into.pk)
    assert RelatedLink.objects.filter(article=into, web_url=duplicate.web_url).exists()
    post_action(client, "split_cluster", [duplicate])
    assert Article.objects.get(pk=duplicate.pk).cluster_split is not None


def test_a_user_who_may_only_view_cannot_merge(client, editorial_groups):  # noqa: F811
    from .test_admin import apply_action, editorial_groups, post_action, staff_user  # noqa: F401 (a fixture)

    viewer = staff_user("viewer", permissions=["view_article"])
    client.force_login(viewer)
    into, duplicate = make_article(), make_article()
    apply_action(client, "merge_into", [duplicate], into=into.pk)
    assert not RelatedLink.objects.filter(article=into).exists()
    assert Article.objects.get(pk=duplicate.pk).published
