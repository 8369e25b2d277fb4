"""The editorial workflow (issue #14): states, the quality gate on every route, imports, exports, scheduling."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles import editorial
from articles.models import Article, Revision
from articles.revisions.restore import restore_revision
from articles.schedule import apply_due_schedules
from articles.stories.export import export_stories
from articles.stories.write import import_paths

from .factories import make_article, make_provider
from .test_import import story_text

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def editor():
    user = get_user_model().objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def clock(monkeypatch):
    """The machine's clock, set by the test: clock.now = ... moves it."""

    class Clock:
        now = NOW

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


def waiting(**overrides):
    return make_article(published=False, **overrides)


def state(article):
    article.refresh_from_db()
    return article.status


# --- States ------------------------------------------------------------------------


def test_a_new_unpublished_story_waits_and_a_published_one_is_live():
    assert waiting().status == Article.Status.WAITING
    assert make_article(published=True).status == Article.Status.LIVE


def test_approve_makes_a_waiting_story_live_and_records_the_decision(editor):
    story = waiting()
    decided = editorial.approve_stories(queryset=Article.objects.all(), user=editor)
    assert decided.changed == [story.pk] and decided.below_gate == []
    story.refresh_from_db()
    assert (story.status, story.published, story.status_by, story.reviewed_by) == ("live", True, "editor", editor)
    assert story.revisions.get().source_name == "Published."


def test_approve_with_a_future_time_schedules_the_story(editor, clock):
    story = waiting()
    editorial.approve_stories(queryset=Article.objects.all(), user=editor, publish_at=NOW + dt.timedelta(hours=2))
    story.refresh_from_db()
    assert story.status == Article.Status.SCHEDULED and story.published and not story.is_public
    assert story.revisions.get().source_name == "Scheduled for 2026-12-04 14:00."


def test_reject_keeps_the_story_off_the_site_with_its_reason(editor):
    story = make_article(published=True)
    assert editorial.reject_stories(queryset=Article.objects.all(), user=editor, reason="Duplicate") == 1
    story.refresh_from_db()
    assert (story.status, story.published) == ("rejected", False)
    assert story.revisions.get().source_name == "Rejected: Duplicate"
    assert editorial.reject_stories(queryset=Article.objects.all(), user=editor) == 0


def test_unpublish_takes_a_live_story_down(editor):
    story = make_article(published=True)
    editorial.unpublish_stories(queryset=Article.objects.all(), user=editor)
    assert state(story) == Article.Status.TAKEN_DOWN


def test_hold_keeps_the_story_waiting_at_the_back_of_the_queue(editor):
    held, later = waiting(quality=90), waiting(quality=45)
    editorial.hold_stories(queryset=Article.objects.filter(pk=held.pk), user=editor)
    assert state(held) == Article.Status.WAITING
    assert list(Article.objects.needs_review()) == [later, held]
    # A decision takes the hold off.
    editorial.reject_stories(queryset=Article.objects.filter(pk=held.pk), user=editor)
    held.refresh_from_db()
    assert held.held_at is None


# --- The quality gate ------------------------------------------------------------------


def test_a_bulk_publish_publishes_those_above_the_gate_and_lists_the_others(editor):
    good, poor = waiting(quality=40), waiting(quality=39, title="Thin")
    decided = editorial.publish_stories(queryset=Article.objects.all(), user=editor)
    assert decided.changed == [good.pk] and [story.title for story in decided.below_gate] == ["Thin"]
    assert (state(good), state(poor)) == ("live", "waiting")


def test_an_override_publishes_below_the_gate_and_its_reason_is_in_the_revision(editor):
    poor = waiting(quality=5)
    decided = editorial.publish_stories(queryset=Article.objects.all(), user=editor, override_reason="Exclusive")
    assert decided.changed == [poor.pk]
    assert state(poor) == "live"
    assert poor.revisions.get().source_name == "Published. Below the quality gate; override: Exclusive"


def test_trusted_providers_pass_at_their_lower_bar(editor, settings):
    trusted = make_provider(domain="wire.example")
    settings.NEWSROOM_WORKFLOW = {"TRUSTED_PROVIDERS": ["Wire.example"], "TRUSTED_MIN_QUALITY": 20}
    ours, theirs = waiting(quality=25, provider=trusted), waiting(quality=25)
    decided = editorial.publish_stories(queryset=Article.objects.all(), user=editor)
    assert decided.changed == [ours.pk] and decided.below_gate == [theirs]


def test_the_gate_is_a_setting(editor, settings):
    settings.NEWSROOM_WORKFLOW = {"MIN_QUALITY": 60}
    story = waiting(quality=50)
    assert editorial.publish_stories(queryset=Article.objects.all(), user=editor).below_gate == [story]


def test_save_story_refuses_to_publish_below_the_gate_without_a_reason(editor):
    story = waiting(quality=10)
    story.published = True
    with pytest.raises(ValidationError, match="below the publishing gate"):
        editorial.save_story(article=story, expected_version=1, user=editor)
    assert state(story) == "waiting" and story.version == 1
    story.published = True
    editorial.save_story(article=story, expected_version=1, user=editor, override_reason="Breaking")
    assert state(story) == "live"


# --- Imports and exports -----------------------------------------------------------


def test_an_import_publishes_a_recommended_story_only_through_the_gate(write_fixture):
    good = write_fixture("good.md", story_text(url="https://example.com/good", quality=40, published="true"))
    poor = write_fixture("poor.md", story_text(url="https://example.com/poor", quality=39, published="true"))
    plain = write_fixture("plain.md", story_text(url="https://example.com/plain", quality=90, published="false"))
    report = import_paths([good, poor, plain])
    states = dict(Article.objects.values_list("url_key", "status"))
    assert states == {
        "https://example.com/good": "live",
        "https://example.com/poor": "waiting",
        "https://example.com/plain": "waiting",
    }
    assert any("below the publishing gate" in w for r in report.results for w in r.warnings)
    assert Article.objects.get(url_key="https://example.com/poor").imported_published is True


def test_a_story_the_gate_holds_still_exports_byte_for_byte_as_its_file(write_fixture, tmp_path):
    text = story_text(quality=10, published="true")
    import_paths([write_fixture("a.md", text)])
    story = Article.objects.get()
    assert not story.published and story.status == "waiting"
    export_stories(Article.objects.all(), tmp_path / "out")
    (exported,) = (tmp_path / "out").rglob("*.md")
    assert exported.read_text() == text


def test_a_rejected_story_exports_the_editors_decision(write_fixture, tmp_path, editor):
    import_paths([write_fixture("a.md", story_text(quality=10, published="true"))])
    editorial.reject_stories(queryset=Article.objects.all(), user=editor)
    export_stories(Article.objects.all(), tmp_path / "out")
    (exported,) = (tmp_path / "out").rglob("*.md")
    assert "published: false" in exported.read_text()


def test_a_reimport_keeps_an_editors_rejection_over_the_files_recommendation(write_fixture, editor):
    path = write_fixture("a.md", story_text(quality=50, published="false"))
    import_paths([path])
    editorial.reject_stories(queryset=Article.objects.all(), user=editor)
    path.write_text(story_text(quality=55, published="true"))
    report = import_paths([path])
    story = Article.objects.get()
    assert (story.status, story.published, story.quality) == ("rejected", False, 55)
    assert any("as an editor decided" in w for w in report.results[0].warnings)


def test_a_reimport_recommending_publishing_keeps_an_editors_hold_and_says_so(write_fixture, editor):
    path = write_fixture("a.md", story_text(quality=80, published="false"))
    import_paths([path])
    editorial.hold_stories(queryset=Article.objects.all(), user=editor, reason="check the figures")
    path.write_text(story_text(quality=80, published="true"))
    report = import_paths([path])
    story = Article.objects.get()
    assert (story.status, story.published, story.held_at is not None) == ("waiting", False, True)
    assert any("the story stays held, as an editor decided" in w for w in report.results[0].warnings)


def test_overwriting_editors_decisions_publishes_a_held_story_and_lifts_the_hold(write_fixture, editor):
    path = write_fixture("a.md", story_text(quality=80, published="false"))
    import_paths([path])
    editorial.hold_stories(queryset=Article.objects.all(), user=editor)
    path.write_text(story_text(quality=80, published="true"))
    import_paths([path], overwrite_editorial=True)
    story = Article.objects.get()
    assert (story.status, story.published, story.held_at) == ("live", True, None)


def test_a_reimport_saying_unpublished_takes_a_live_story_down_by_import(write_fixture):
    path = write_fixture("a.md", story_text(quality=50, published="true"))
    import_paths([path])
    assert Article.objects.get().status == "live"
    path.write_text(story_text(quality=50, published="false"))
    import_paths([path])
    assert Article.objects.taken_down_by_import().count() == 1


def test_a_waiting_story_goes_live_when_a_reimport_lifts_it_over_the_gate(write_fixture):
    path = write_fixture("a.md", story_text(quality=10, published="true"))
    import_paths([path])
    path.write_text(story_text(quality=60, published="true"))
    import_paths([path])
    assert Article.objects.get().status == "live"


def test_a_restore_passes_the_gate_again(write_fixture, editor):
    path = write_fixture("a.md", story_text(quality=10, published="true"))
    import_paths([path])
    story = Article.objects.get()
    editorial.publish_stories(queryset=Article.objects.all(), user=editor, override_reason="Exclusive")
    # The upstream takes it down (an import's take-down, not an editor's decision).
    path.write_text(story_text(quality=10, published="false"))
    import_paths([path])
    override = story.revisions.get(source_name__startswith="Published.")
    restore_revision(override, user=editor)
    story.refresh_from_db()
    assert (story.status, story.published) == ("waiting", False)


def test_a_restore_leaves_an_editors_take_down_as_it_is(write_fixture, editor):
    import_paths([write_fixture("a.md", story_text(quality=80, published="true"))])
    story = Article.objects.get()
    editorial.unpublish_stories(queryset=Article.objects.all(), user=editor)
    restore_revision(story.revisions.get(source="import"), user=editor)
    story.refresh_from_db()
    assert (story.status, story.published) == ("taken_down", False)


# --- Scheduling ----------------------------------------------------------------------


@pytest.fixture
def expired(editor, clock):
    """A story approved until an hour that has passed, and taken down by the schedule then."""
    story = waiting(quality=80)
    editorial.approve_stories(
        queryset=Article.objects.filter(pk=story.pk), user=editor, unpublish_at=NOW + dt.timedelta(hours=1)
    )
    clock.now = NOW + dt.timedelta(hours=2)
    apply_due_schedules()
    assert state(story) == "taken_down"
    return story


@pytest.mark.parametrize("route", ["the form", "a restore"])
def test_a_story_published_again_after_its_end_stays_live(expired, editor, route):
    story = Article.objects.get(pk=expired.pk)
    if route == "the form":
        story.published = True
        editorial.save_story(article=story, expected_version=story.version, user=editor)
    else:
        restore_revision(story.revisions.filter(source="action").first(), user=editor)
    apply_due_schedules()
    story.refresh_from_db()
    assert (story.status, story.unpublish_at, story.is_public) == ("live", None, True)


def test_a_scheduled_story_is_public_exactly_between_its_times(clock):
    story = make_article(publish_at=NOW + dt.timedelta(hours=1), unpublish_at=NOW + dt.timedelta(hours=3))
    assert not Article.objects.published().exists() and not story.is_public
    clock.now = NOW + dt.timedelta(hours=1)
    assert list(Article.objects.published()) == [story] and story.is_public
    clock.now = NOW + dt.timedelta(hours=3)
    assert not Article.objects.published().exists() and not story.is_public


def test_apply_due_schedules_flips_the_stored_state_once_and_records_revisions(editor, clock):
    going_up, coming_off = waiting(), make_article(published=True)
    editorial.approve_stories(
        queryset=Article.objects.filter(pk=going_up.pk), user=editor, publish_at=NOW + dt.timedelta(minutes=5)
    )
    Article.objects.filter(pk=coming_off.pk).update(unpublish_at=NOW + dt.timedelta(minutes=10))
    assert apply_due_schedules(now=NOW) == 0
    clock.now = NOW + dt.timedelta(minutes=10)
    assert apply_due_schedules() == 2
    assert (state(going_up), state(coming_off)) == ("live", "taken_down")
    assert coming_off.published is False and coming_off.status_by == "schedule"
    assert going_up.revisions.filter(source=Revision.Source.SCHEDULE).get().message == "Published on schedule."
    assert apply_due_schedules() == 0


def test_a_story_whose_whole_window_passed_ends_taken_down(editor, clock):
    story = waiting()
    editorial.approve_stories(
        queryset=Article.objects.all(),
        user=editor,
        publish_at=NOW + dt.timedelta(minutes=1),
        unpublish_at=NOW + dt.timedelta(minutes=2),
    )
    assert apply_due_schedules(now=NOW + dt.timedelta(hours=1)) == 1
    assert state(story) == "taken_down"


@pytest.mark.parametrize(
    "path",
    ["/", "/feeds/rss/", "/feeds/atom/", "/sitemap.xml", "story"],
)
def test_every_public_surface_shows_a_scheduled_story_on_time_without_the_scheduler(client, clock, path):
    story = make_article(title="Embargoed scoop", publish_at=NOW + dt.timedelta(hours=1))
    url = story.get_absolute_url() if path == "story" else path
    before = client.get(url)
    assert before.status_code == (404 if path == "story" else 200)
    assert story.slug not in before.content.decode()
    clock.now = NOW + dt.timedelta(hours=1)
    after = client.get(url)
    assert after.status_code == 200 and story.slug in after.content.decode()


@pytest.mark.parametrize("path", ["/", "/feeds/rss/", "/sitemap.xml", "story"])
def test_every_public_surface_drops_an_expired_story_on_time(client, clock, path):
    story = make_article(title="Short-lived", unpublish_at=NOW + dt.timedelta(hours=1))
    url = story.get_absolute_url() if path == "story" else path
    assert story.slug in client.get(url).content.decode()
    clock.now = NOW + dt.timedelta(hours=1)
    after = client.get(url)
    assert after.status_code == 404 if path == "story" else story.slug not in after.content.decode()


def test_a_page_cached_before_a_story_goes_public_is_not_served_after(client, clock, settings):
    settings.NEWSROOM_PAGE_CACHE = True
    other = make_article(title="Already out")
    story = make_article(title="Embargoed", publish_at=NOW + dt.timedelta(minutes=30))
    assert "Embargoed" not in client.get("/").content.decode()
    # A story leaving at the same moment keeps the count of public stories the same.
    Article.objects.filter(pk=other.pk).update(unpublish_at=NOW + dt.timedelta(minutes=30))
    client.get("/")
    clock.now = NOW + dt.timedelta(minutes=30)
    page = client.get("/").content.decode()
    assert "Embargoed" in page and "Already out" not in page
    assert story.pk
