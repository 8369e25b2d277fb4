import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import connection

from articles import editorial
from articles.models import Article, Image, RelatedLink, TaggedArticle, Topic

from .factories import make_article, make_image, make_related

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return get_user_model().objects.create_user("editor", password="x", is_staff=True)


def topics_of(article):
    return [tagged.tag.name for tagged in TaggedArticle.objects.filter(content_object=article).select_related("tag")]


def test_publish_stories_publishes_only_the_unpublished_and_counts_them(editor):
    draft = make_article(published=False)
    live = make_article(published=True)
    count = editorial.publish_stories(queryset=Article.objects.all(), user=editor).count
    assert count == 1
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.published is True and draft.version == 2
    assert live.version == 1


def test_publishing_records_the_latest_decision_and_who_made_it(editor):
    # Issue #14: reviewed_by is whoever decided last (reject, then publish), not the first reviewer.
    first = get_user_model().objects.create_user("first")
    rejected = make_article(published=False)
    editorial.reject_stories(queryset=Article.objects.filter(pk=rejected.pk), user=first)
    waiting = make_article(published=False)
    editorial.publish_stories(queryset=Article.objects.all(), user=editor)
    rejected.refresh_from_db()
    waiting.refresh_from_db()
    assert rejected.reviewed_by == editor and rejected.status == Article.Status.LIVE
    assert waiting.reviewed_by == editor and waiting.reviewed_at is not None


def test_unpublish_stories_takes_published_ones_off_and_records_history(editor):
    live = make_article(published=True, title="Going away")
    make_article(published=False)
    assert editorial.unpublish_stories(queryset=Article.objects.all(), user=editor) == 1
    live.refresh_from_db()
    assert live.published is False
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.object_repr) == (editor, str(live.pk), "Going away")
    assert entry.action_flag == CHANGE and entry.get_change_message() == "Unpublished."


def test_hold_skips_stories_already_held_and_decided_ones(editor):
    stories = [make_article(published=False) for _ in range(3)]
    make_article(published=True)
    assert editorial.hold_stories(queryset=Article.objects.filter(pk=stories[0].pk), user=editor) == 1
    assert editorial.hold_stories(queryset=Article.objects.all(), user=editor) == 2
    assert Article.objects.filter(held_at__isnull=False).count() == 3
    assert LogEntry.objects.filter(change_message="Held.").count() == 3


def test_add_topic_appends_after_existing_topics_and_matches_case(editor):
    Topic.objects.create(name="AI", slug="ai")
    story = make_article(topics=["Climate", "Energy"])
    already = make_article(topics=["AI"])
    count = editorial.add_topic(queryset=Article.objects.all(), user=editor, topic="ai")
    assert count == 1
    assert topics_of(story) == ["Climate", "Energy", "AI"]
    assert topics_of(already) == ["AI"]
    assert Topic.objects.filter(name__iexact="ai").count() == 1
    story.refresh_from_db()
    already.refresh_from_db()
    assert (story.version, already.version) == (2, 1)


def test_add_topic_creates_a_new_topic(editor):
    story = make_article()
    editorial.add_topic(queryset=Article.objects.all(), user=editor, topic="  Space  ")
    assert topics_of(story) == ["Space"]
    assert LogEntry.objects.get().get_change_message() == "Added the topic “Space”."


def test_set_category_changes_only_stories_in_another_category(editor):
    make_article(category="news")
    make_article(category="tech")
    assert editorial.set_category(queryset=Article.objects.all(), user=editor, category="tech") == 1
    assert set(Article.objects.values_list("category", flat=True)) == {"tech"}


def test_bulk_functions_work_past_one_batch(editor, monkeypatch):
    monkeypatch.setattr(editorial, "BATCH_SIZE", 2)
    for _ in range(5):
        make_article(published=False)
    assert editorial.publish_stories(queryset=Article.objects.all(), user=editor).count == 5
    assert Article.objects.filter(published=True).count() == 5
    assert LogEntry.objects.count() == 5


def test_save_story_refuses_a_stale_version_and_writes_nothing(editor):
    story = make_article(title="Original")
    mine = Article.objects.get(pk=story.pk)
    theirs = Article.objects.get(pk=story.pk)
    theirs.title = "Theirs"
    editorial.save_story(article=theirs, expected_version=1, user=editor)
    mine.title = "Mine"
    with pytest.raises(editorial.StaleStoryError):
        editorial.save_story(article=mine, expected_version=1, user=editor)
    story.refresh_from_db()
    assert (story.title, story.version) == ("Theirs", 2)


def test_save_story_is_a_decision_only_when_published_changes(editor):
    story = make_article(published=False)
    story.title = "Typo fixed"
    editorial.save_story(article=story, expected_version=1, user=editor)
    story.refresh_from_db()
    assert story.reviewed_by is None and story.status == Article.Status.WAITING and story.version == 2
    story.published = True
    editorial.save_story(article=story, expected_version=2, user=editor)
    story.refresh_from_db()
    assert story.reviewed_by == editor and story.status == Article.Status.LIVE
    story.published = False
    editorial.save_story(article=story, expected_version=3, user=editor)
    story.refresh_from_db()
    assert story.status == Article.Status.TAKEN_DOWN


def test_set_topics_keeps_the_given_order():
    story = make_article(topics=["A", "B"])
    assert editorial.set_topics(article=story, names=["C", "a"]) is True
    assert topics_of(story) == ["C", "A"]
    assert editorial.set_topics(article=story, names=["c", "A"]) is False


def test_set_topics_makes_the_story_findable_by_its_new_topic_on_postgresql():
    story = make_article(title="A plain title", excerpt="", topics=["Gardening"])
    editorial.set_topics(article=story, names=["Astrophysics"])
    if connection.vendor == "postgresql":
        assert list(Article.objects.search("astrophysics")) == [story]
    else:
        assert not Article.objects.filter(search_vector__isnull=False).exists()


def test_set_positions_swaps_two_related_links():
    story = make_article()
    first = make_related(story, position=0, images=0)
    second = make_related(story, position=1, images=0)
    editorial.set_positions(queryset=RelatedLink.objects.all(), positions={first.pk: 1, second.pk: 0})
    assert list(story.related_links.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]


def test_set_positions_rotates_images():
    story = make_article()
    images = [make_image(article=story, position=index) for index in range(3)]
    editorial.set_positions(queryset=Image.objects.all(), positions={images[0].pk: 2, images[1].pk: 0, images[2].pk: 1})
    assert list(story.images.order_by("position").values_list("pk", flat=True)) == [
        images[1].pk,
        images[2].pk,
        images[0].pk,
    ]


def test_log_import_records_additions_and_changes(editor):
    created, updated = make_article(), make_article()
    editorial.log_import(user=editor, created=[created.pk], updated=[updated.pk], source="a test")
    assert LogEntry.objects.get(object_id=str(created.pk)).action_flag == ADDITION
    assert LogEntry.objects.get(object_id=str(updated.pk)).action_flag == CHANGE
