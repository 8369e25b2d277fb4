"""The editorial workflow in the admin (issue #14): the gate on every route, states in the list, schedule actions."""

import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article

from .factories import make_article
from .test_admin import (
    apply_action,
    change_form_data,
    change_url,
    changelist,
    list_toggle_publish,
    listed,
    login,
    post_action,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return staff_user("editor", groups=["Editors"])


def test_the_form_refuses_to_publish_below_the_gate_without_a_reason(editor):
    story = make_article(published=False, quality=12)
    client = login(editor)
    response = client.post(change_url(story), change_form_data(client, story, published="on"))
    assert response.status_code == 200
    assert "below the publishing gate (40)" in response.content.decode()
    story.refresh_from_db()
    assert story.status == "waiting" and not story.published


def test_the_form_publishes_below_the_gate_with_a_reason_recorded_in_the_revision(editor):
    story = make_article(published=False, quality=12)
    client = login(editor)
    data = change_form_data(client, story, published="on", override_reason="Only source on the ground")
    assert client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.status == "live" and story.reviewed_by == editor
    assert "override: Only source on the ground" in story.revisions.get().message


def test_the_form_schedules_a_story(editor):
    story = make_article(published=False)
    client = login(editor)
    when = timezone.localtime() + dt.timedelta(days=1)
    data = change_form_data(
        client, story, published="on", publish_at_0=when.strftime("%Y-%m-%d"), publish_at_1=when.strftime("%H:%M:%S")
    )
    assert client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.status == "scheduled" and not story.is_public


def test_the_form_refuses_an_end_before_the_start(editor):
    story = make_article(published=False)
    client = login(editor)
    data = change_form_data(
        client,
        story,
        publish_at_0="2030-01-02",
        publish_at_1="10:00:00",
        unpublish_at_0="2030-01-01",
        unpublish_at_1="10:00:00",
    )
    assert "must come off after it goes up" in client.post(change_url(story), data).content.decode()


def test_the_form_refuses_an_end_that_has_passed(editor):
    story = make_article(published=True)
    client = login(editor)
    data = change_form_data(client, story, unpublish_at_0="2020-01-01", unpublish_at_1="10:00:00")
    assert "That time has passed" in client.post(change_url(story), data).content.decode()
    story.refresh_from_db()
    assert story.unpublish_at is None and story.is_public


def test_a_list_toggle_below_the_gate_is_refused_on_its_row(editor):
    story = make_article(published=False, quality=12)
    response = login(editor).post(changelist(), list_toggle_publish(story))
    assert response.status_code == 200
    html = response.content.decode()
    # The list has no field for a reason: the error says where one can be given.
    assert "below the publishing gate" in html and "The list has no place for a reason" in html
    story.refresh_from_db()
    assert not story.published


def test_the_bulk_publish_lists_the_stories_the_gate_held_back(editor):
    make_article(published=False, quality=80, title="Solid")
    make_article(published=False, quality=3, title="Thin")
    response = login(editor).post(
        changelist(),
        {"action": "publish", "_selected_action": list(Article.objects.values_list("pk", flat=True)), "index": "0"},
        follow=True,
    )
    text = response.content.decode()
    assert "Published 1 story." in text
    assert "Not published, below the quality gate: “Thin” (quality 3, gate 40)" in text
    assert set(Article.objects.filter(published=True).values_list("title", flat=True)) == {"Solid"}


def test_the_schedule_action_asks_for_times_then_schedules(editor):
    story = make_article(published=False, quality=3)
    client = login(editor)
    assert "Publish at" in post_action(client, "schedule", [story]).content.decode()
    when = timezone.localtime() + dt.timedelta(hours=5)
    apply_action(
        client,
        "schedule",
        [story],
        publish_at_0=when.strftime("%Y-%m-%d"),
        publish_at_1=when.strftime("%H:%M:%S"),
        override_reason="Embargoed report",
    )
    story.refresh_from_db()
    assert story.status == "scheduled" and "override: Embargoed report" in story.revisions.get().source_name


def test_reject_asks_for_an_optional_reason(editor):
    story = make_article(published=True)
    apply_action(login(editor), "reject", [story], reason="Paywalled")
    story.refresh_from_db()
    assert story.status == "rejected" and story.revisions.get().source_name == "Rejected: Paywalled"


def test_a_forged_reject_by_someone_who_may_not_publish_changes_nothing(editor):
    assistant = staff_user("assistant", permissions=["view_article", "change_article"])
    story = make_article(published=True)
    apply_action(login(assistant), "reject", [story], reason="x")
    story.refresh_from_db()
    assert story.status == "live"


def test_the_list_shows_and_filters_states_and_arrivals(admin_client):
    make_article(title="Live")
    make_article(title="New", published=False)
    old = make_article(title="Old", published=False)
    Article.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    assert sorted(listed(admin_client.get(changelist(state="waiting")))) == ["New", "Old"]
    assert sorted(listed(admin_client.get(changelist(imported="today")))) == ["Live", "New"]
    assert listed(admin_client.get(changelist(state="live"))) == ["Live"]
    assert "review-state--waiting" in admin_client.get(changelist()).content.decode()


# --- Corrections -----------------------------------------------------------------------


def test_a_correction_of_a_live_story_is_shown_on_its_page_in_json_ld_and_in_feeds(editor, client):
    story = make_article(title="Mayor resigns", quality=60)
    editor_client = login(editor)
    data = change_form_data(editor_client, story, title="Deputy mayor resigns", correction="It was the deputy mayor.")
    assert editor_client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.correction_note == "It was the deputy mayor." and story.corrected_at is not None
    assert "Correction: It was the deputy mayor." in story.revisions.get().message
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Updated <time" in page and "It was the deputy mayor." in page
    assert f'"dateModified": "{story.corrected_at.isoformat()}"' in page
    atom = client.get("/feeds/atom/").content.decode()
    assert f"<updated>{story.corrected_at.isoformat()}</updated>" in atom


def test_a_correction_needs_a_changed_title_or_excerpt_on_a_live_story(editor):
    live, draft = make_article(quality=60), make_article(published=False)
    client = login(editor)
    response = client.post(change_url(live), change_form_data(client, live, correction="Nothing changed"))
    assert "A correction changes the title or the excerpt" in response.content.decode()
    response = client.post(change_url(draft), change_form_data(client, draft, title="New", correction="Not public yet"))
    assert "Only a live story" in response.content.decode()
    live.refresh_from_db()
    assert live.corrected_at is None


def test_a_plain_edit_is_not_a_correction(editor, client):
    story = make_article(quality=60)
    editor_client = login(editor)
    editor_client.post(change_url(story), change_form_data(editor_client, story, title="Typo fixed"))
    story.refresh_from_db()
    assert story.corrected_at is None
    assert "Updated <time" not in client.get(story.get_absolute_url()).content.decode()


def test_a_bulk_publish_names_ten_stories_held_back_and_counts_the_rest(editor):
    for n in range(12):
        make_article(published=False, quality=n, title=f"Thin {n}")
    response = login(editor).post(
        changelist(),
        {"action": "publish", "_selected_action": list(Article.objects.values_list("pk", flat=True)), "index": "0"},
        follow=True,
    )
    text = response.content.decode()
    assert "Published 0 stories." in text and "“Thin 11” (quality 11, gate 40)" in text and "; and 2 more." in text
    assert not Article.objects.filter(published=True).exists()
