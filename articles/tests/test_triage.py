"""Triage and the dashboard (issue #14), through Django's test client: decisions, filters kept, counts, queries."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Revision

from .factories import make_article
from .test_admin import login, staff_user

pytestmark = pytest.mark.django_db
TRIAGE = "/admin/articles/article/triage/"


@pytest.fixture
def editor():
    return staff_user("editor", groups=["Editors"])


def shown(response):
    assert response.status_code == 200, response
    return response.context["story"]


def decide(client, story, decision, query="", at=0, **extra):
    data = {"story": story.pk, f"version-{story.pk}": story.version, "at": at, "decision": decision, **extra}
    return client.post(f"{TRIAGE}?{query}", data)


def test_triage_shows_the_best_waiting_story_first_with_what_an_editor_needs(editor):
    make_article(published=False, quality=45, title="Second")
    best = make_article(published=False, quality=90, title="Best", topics=["AI"], images=1, related=1)
    make_article(published=True, quality=99, title="Already live")
    response = login(editor).get(TRIAGE)
    assert shown(response) == best
    html = response.content.decode()
    assert "Story 1 of 2" in html and "Best" in html and "AI" in html and "Related coverage (1)" in html
    assert 'src="/static/admin_extra/triage.js"' in html and "<script>" not in html
    assert 'aria-keyshortcuts="a"' in html


def test_a_decision_is_one_post_redirecting_to_the_next_story_with_the_filters_kept(editor):
    first = make_article(published=False, quality=90)
    second = make_article(published=False, quality=80)
    client = login(editor)
    response = decide(client, first, "approve", query="imported=today")
    assert response.status_code == 302 and response.url == f"{TRIAGE}?imported=today&at=0"
    first.refresh_from_db()
    assert first.status == "live" and first.reviewed_by == editor
    assert shown(client.get(response.url)) == second


def test_reject_and_hold_record_the_reason(editor):
    first, second = make_article(published=False, quality=90), make_article(published=False, quality=80)
    client = login(editor)
    decide(client, first, "reject", **{"decision-reason": "Off topic"})
    decide(client, second, "hold", **{"decision-reason": "Check the figures"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "rejected" and first.revisions.get().source_name == "Rejected: Off topic"
    assert second.held_at is not None and second.revisions.get().source_name == "Held: Check the figures"


def test_skip_moves_on_and_changes_nothing(editor):
    first = make_article(published=False, quality=90)
    second = make_article(published=False, quality=80)
    client = login(editor)
    response = decide(client, first, "skip")
    assert response.url == f"{TRIAGE}?at=1"
    assert shown(client.get(response.url)) == second
    first.refresh_from_db()
    assert first.version == 1 and not Revision.objects.exists()


def test_approve_in_triage_passes_the_gate_or_needs_a_reason(editor):
    thin = make_article(published=False, quality=5)
    client = login(editor)
    response = decide(client, thin, "approve")
    assert "below the quality gate" in client.get(response.url).content.decode()
    thin.refresh_from_db()
    assert thin.status == "waiting"
    decide(client, thin, "approve", **{"decision-override_reason": "Eyewitness video"})
    thin.refresh_from_db()
    assert thin.status == "live" and "override: Eyewitness video" in thin.revisions.get().source_name


def test_approve_in_triage_can_schedule(editor):
    story = make_article(published=False, quality=60)
    when = timezone.localtime() + dt.timedelta(days=2)
    extra = {"decision-publish_at_0": when.strftime("%Y-%m-%d"), "decision-publish_at_1": "09:00:00"}
    decide(login(editor), story, "approve", **extra)
    story.refresh_from_db()
    assert story.status == "scheduled"


def test_a_stale_triage_decision_changes_nothing(editor):
    story = make_article(published=False, quality=60)
    Article.objects.filter(pk=story.pk).update(version=5)
    client = login(editor)
    response = decide(client, story, "approve")
    assert "changed since you opened it" in client.get(response.url).content.decode()
    story.refresh_from_db()
    assert story.status == "waiting"


def test_a_forged_approve_from_someone_who_may_not_publish_is_refused(editor):
    assistant = staff_user("assistant", permissions=["view_article", "change_article"])
    story = make_article(published=False, quality=60)
    client = login(assistant)
    assert 'value="approve"' not in client.get(TRIAGE).content.decode()
    assert decide(client, story, "approve").status_code == 403
    story.refresh_from_db()
    assert story.status == "waiting"


def test_triage_pages_take_a_constant_number_of_queries(editor, django_assert_max_num_queries):
    client = login(editor)
    for _ in range(3):
        make_article(published=False, topics=["A", "B"], images=2, related=3)
    with django_assert_max_num_queries(14):
        assert client.get(TRIAGE).status_code == 200
    for _ in range(10):
        make_article(published=False, topics=["A", "B"], images=2, related=3)
    with django_assert_max_num_queries(14):
        assert client.get(f"{TRIAGE}?at=5").status_code == 200


# --- The dashboard ---------------------------------------------------------------------


def counts(response):
    return {entry.label: (entry.count, entry.url) for entry in response.context["counts"]}


def test_the_dashboard_counts_what_needs_attention_and_links_to_the_same_stories(admin_client, editor):
    make_article(published=False, quality=90)
    make_article(published=False, quality=10)
    taken = make_article(published=True)
    Article.objects.filter(pk=taken.pk).update(status="taken_down", status_by="import", published=False)
    old = make_article(published=True)
    Article.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    soon = make_article(published=False, quality=70)
    Article.objects.filter(pk=soon.pk).update(
        status="scheduled", published=True, publish_at=timezone.now() + dt.timedelta(minutes=1)
    )
    pending = make_article()
    Revision.objects.create(article=pending, source="upload", status="pending", version=1, content={})
    broken = make_article(published=True)
    Article.objects.filter(pk=broken.pk).update(source_failures=2, source_broken_at=timezone.now())
    response = admin_client.get(reverse("admin:index"))
    found = counts(response)
    assert {label: count for label, (count, _) in found.items()} == {
        "Waiting for a decision": 2,
        "Waiting, below the quality gate": 1,
        "Imported today": 6,
        "Taken down by an import": 1,
        "Scheduled for today": 1,
        "Importers' changes waiting": 1,
        "Source link broken": 1,
    }
    for label, (count, url) in found.items():
        assert admin_client.get(url).context["cl"].result_count == count, label
    html = response.content.decode()
    assert "Needs attention" in html and "Triage the waiting stories" in html


def test_the_dashboard_takes_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(20):
        make_article(published=False)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:index"))
    assert len(re.findall('<li class="dashboard-attention__item', response.content.decode())) == 7


def test_the_dashboard_is_not_shown_to_staff_who_may_not_see_stories():
    nobody = staff_user("nobody")
    html = login(nobody).get(reverse("admin:index")).content.decode()
    assert "Needs attention" not in html


def test_the_story_list_links_to_triage_of_the_same_filters(editor):
    html = login(editor).get("/admin/articles/article/?imported=today&state=waiting").content.decode()
    assert f'href="{TRIAGE}?state=waiting&amp;imported=today"' in html


def test_the_change_form_says_where_the_story_stands(editor):
    story = make_article(published=True)
    Article.objects.filter(pk=story.pk).update(status_by="import")
    html = login(editor).get(f"/admin/articles/article/{story.pk}/change/").content.decode()
    assert "Live, published by an import." in html


def test_triage_says_where_to_give_a_reason_for_a_story_below_the_gate(editor):
    story = make_article(published=False, quality=5)
    client = login(editor)
    response = decide(client, story, "approve")
    text = client.get(response.url).content.decode()
    assert "below the quality gate" in text and "give a reason in “Reason, schedule, override”" in text


def test_triage_says_when_a_story_was_already_held_and_who_changed_a_stale_one(editor):
    opened = make_article(published=False, quality=60)
    client = login(editor)
    decide(client, opened, "hold", **{"decision-reason": "Wait for the agency"})
    story = Article.objects.get(pk=opened.pk)
    response = decide(client, story, "hold", **{"decision-reason": "Still waiting"})
    assert "was already held: nothing changed" in client.get(response.url).content.decode()
    stale = decide(client, opened, "approve")  # a page that showed the story before the hold
    assert "changed since you opened it (by editor at" in client.get(stale.url).content.decode()
