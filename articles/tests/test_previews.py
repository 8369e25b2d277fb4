"""Preview links (issue #14): signed, expiring, revocable, never indexed or cached, every visit logged."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import PreviewLink, PreviewVisit, Revision
from articles.previews import create_preview_link, preview_token, revoke_preview_link

from .factories import make_article
from .test_admin import login, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return staff_user("editor", groups=["Editors"])


def preview_url(link):
    return reverse("articles:preview", args=[preview_token(link)])


def test_a_preview_link_shows_an_unpublished_story_to_someone_without_an_account(client, editor):
    story = make_article(published=False, title="Not out yet")
    assert client.get(story.get_absolute_url()).status_code == 404
    link = create_preview_link(article=story, user=editor)
    response = client.get(preview_url(link), HTTP_USER_AGENT="Reviewer's browser")
    assert response.status_code == 200 and "Not out yet" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex' in response.content.decode()
    visit = PreviewVisit.objects.get()
    assert (visit.link, visit.address, visit.user_agent) == (link, "127.0.0.1", "Reviewer's browser")


def test_a_preview_link_expires(client, editor):
    link = create_preview_link(article=make_article(published=False), user=editor, days=1)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(preview_url(link)).status_code == 404
    assert not PreviewVisit.objects.exists()


def test_a_revoked_link_stops_working_at_once(client, editor):
    link = create_preview_link(article=make_article(published=False), user=editor)
    assert client.get(preview_url(link)).status_code == 200
    assert revoke_preview_link(link=link) is True
    assert client.get(preview_url(link)).status_code == 404
    assert revoke_preview_link(link=link) is False


def test_a_forged_or_guessed_token_is_refused(client, editor):
    link = create_preview_link(article=make_article(published=False), user=editor)
    token = preview_token(link)
    assert client.get(reverse("articles:preview", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("articles:preview", args=[str(link.pk)])).status_code == 404


def test_a_pending_revision_is_previewed_with_its_own_title(client, editor):
    story = make_article(title="The story now")
    pending = Revision.objects.create(
        article=story, source="upload", status="pending", version=1, content={"title": "The importer's title"}
    )
    link = create_preview_link(article=story, user=editor, revision=pending)
    page = client.get(preview_url(link)).content.decode()
    assert "The importer&#x27;s title" in page or "The importer's title" in page
    story.refresh_from_db()
    assert story.title == "The story now"


def test_robots_txt_keeps_crawlers_off_previews(client):
    assert "Disallow: /preview/" in client.get("/robots.txt").content.decode()


def test_an_editor_shares_sees_visits_and_revokes_in_the_admin(editor, client):
    story = make_article(published=False)
    admin = login(editor)
    page = reverse("admin:articles_article_preview_links", args=[story.pk])
    assert "Share a preview" in admin.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert admin.post(page, {"share": "1", "days": "3"}).status_code == 302
    link = PreviewLink.objects.get()
    assert link.created_by == editor and link.expires_at - link.created_at == dt.timedelta(days=3)
    client.get(preview_url(link))
    listing = admin.get(page)
    assert listing.context["links"][0].visit_count == 1
    assert preview_url(link) in listing.content.decode()
    admin.post(page, {"revoke": str(link.pk)})
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_staff_who_may_not_change_stories_cannot_share_previews(client):
    viewer = staff_user("viewer", permissions=["view_article"])
    story = make_article(published=False)
    page = reverse("admin:articles_article_preview_links", args=[story.pk])
    assert login(viewer).post(page, {"share": "1", "days": "3"}).status_code == 403
    assert not PreviewLink.objects.exists()
