"""Lists of stories kept under the listing version (pagecache.public_page's `listed`): through an
edit of a story they do not show, rebuilt when a card they show or what they select changes."""

import datetime

import pytest
from django.utils import timezone

from articles import editorial, views
from articles.images.uploads import store_uploaded_image
from articles.models import Article, ContentChanges, RankOverride
from articles.ranking import pin_story
from articles.services import stories_changed

from .factories import make_article, make_provider
from .test_admin import change_form_data, change_url
from .test_pictures import png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


@pytest.fixture
def no_rebuild(refuse_rebuilding):
    return lambda: refuse_rebuilding(views.ArticleListView)


def _saved(story, **fields):
    """An editor's save of `story` with `fields` changed (articles.editorial.save_story, as the admin's form)."""
    story = Article.objects.get(pk=story.pk)
    for name, value in fields.items():
        setattr(story, name, value)
    return editorial.save_story(article=story, expected_version=story.version, user=None)


def _listed_changes():
    return ContentChanges.objects.values_list("listed", flat=True).first()


def test_a_list_stays_cached_when_a_story_it_does_not_show_gets_a_new_headline(client, no_rebuild):
    make_article(topics=["Space"])
    other = make_article(topics=["Oceans"], title="Old headline")
    page = client.get("/topics/space/").text
    no_rebuild()

    _saved(other, title="New headline")

    assert client.get("/topics/space/").text == page


def test_the_list_that_shows_the_story_shows_its_new_headline(client):
    story = make_article(title="Old headline")
    make_article(title="Another story")
    assert "Old headline" in client.get("/").text

    _saved(story, title="New headline")

    html = client.get("/").text
    assert "New headline" in html and "Old headline" not in html


def test_a_search_finds_a_new_headline_at_once(client):
    story = make_article(title="Council budget")
    assert "Council budget" not in client.get("/?q=harbour").text

    _saved(story, title="Harbour budget")

    assert "Harbour budget" in client.get("/?q=harbour").text


def test_a_headline_edit_counts_a_change_but_moves_no_list():
    story = make_article(title="Old headline")
    listed, count = _listed_changes(), ContentChanges.objects.get().count

    _saved(story, title="New headline", excerpt="A new excerpt.")

    assert _listed_changes() == listed
    assert ContentChanges.objects.get().count == count + 1


def _later(hours):
    return timezone.now() + datetime.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("fields", "path", "shown"),
    [
        ({"published": False}, "/", False),
        ({"publish_at": "later"}, "/", False),
        ({"unpublish_at": "earlier"}, "/", False),
        ({"category": "sport"}, "/?category=sport", True),
        ({"type": "video"}, "/?type=video", True),
        ({"quality": 95}, "/?top=on", True),
        ({"published_at": "earlier"}, "/?until=2001-01-01", True),
        ({"provider": "other"}, "/providers/moved-outlet/", True),
    ],
)
def test_a_change_to_what_lists_select_by_moves_every_list(client, fields, path, shown):
    story = make_article(title="The story that moves", category="news", type="article", quality=10)
    make_article(title="A story that stays", category="sport", type="video", quality=95, provider=make_provider())
    moved = make_provider(name="Moved Outlet", slug="moved-outlet")
    make_article(title="The outlet's own story", provider=moved)
    client.get(path)
    listed = _listed_changes()
    values = {
        "later": _later(5),
        "earlier": _later(-5) if "unpublish_at" in fields else timezone.make_aware(datetime.datetime(2000, 1, 1)),
        "other": moved,
    }

    _saved(story, **{name: values.get(value, value) for name, value in fields.items()})

    assert _listed_changes() == listed + 1
    assert ("The story that moves" in client.get(path).text) is shown


def test_a_topic_set_by_an_editor_shows_on_its_topic_page_and_in_the_header(client):
    story = make_article(topics=["Oceans"], title="Whales return")
    make_article(topics=["Space"])
    assert "Whales return" not in client.get("/topics/space/").text

    editorial.set_topics(article=story, names=["Space"])

    assert "Whales return" in client.get("/topics/space/").text
    assert 'href="/topics/oceans/"' not in client.get("/").text


def test_an_admin_edit_of_the_headline_alone_moves_no_list(client, admin_client):
    # To the second, as the form shows it and as real files have it.
    story = make_article(title="Old headline", topics=["Space"], published_at=_later(-2).replace(microsecond=0))
    assert "Old headline" in client.get("/topics/space/").text
    listed = _listed_changes()

    response = admin_client.post(change_url(story), change_form_data(admin_client, story, title="New headline"))

    assert response.status_code == 302
    assert _listed_changes() == listed
    assert "New headline" in client.get("/topics/space/").text


@pytest.mark.parametrize("changes", [{"category": "sport"}, {"topic_names": "Oceans"}])
def test_an_admin_edit_of_what_lists_select_by_moves_them(admin_client, changes):
    story = make_article(title="The story", topics=["Space"], category="news")
    listed = _listed_changes()

    response = admin_client.post(change_url(story), change_form_data(admin_client, story, **changes))

    assert response.status_code == 302
    assert _listed_changes() > listed


def test_an_uploaded_lead_image_shows_on_the_cards_of_a_kept_list(client, settings, tmp_path):
    settings.MEDIA_ROOT, settings.MEDIA_URL = tmp_path / "media", "/media/"
    story = make_article(title="Pictured later")
    assert "card--pictured" not in client.get("/").text

    # As the admin's form stores an upload: it moves no list, the card shows it.
    store_uploaded_image(article=story, uploaded_file=png(), base_url="https://news.example/")
    stories_changed([story.pk], text=False, listed=False)

    assert "card--pictured" in client.get("/").text


def test_top_stories_follow_a_heat_edit_though_it_moves_no_list(client, admin_client, settings):
    # Heat ranks Top stories but no list selects by it: Top's count is not kept under the listing version.
    settings.NEWSROOM_RANKING = {"SIZE": 2}
    now = timezone.now().replace(microsecond=0)
    make_article(title="Sport leader", category="sport", heat=100, published_at=now)
    make_article(title="News second", category="news", heat=90, published_at=now)
    riser = make_article(title="Sport riser", category="sport", heat=0, published_at=now)
    html = client.get("/top/?category=sport").text
    assert "1 story match these filters" in html and "Sport leader" in html

    response = admin_client.post(change_url(riser), change_form_data(admin_client, riser, heat=200))

    assert response.status_code == 302
    html = client.get("/top/?category=sport").text
    assert "Sport riser" in html and "Sport leader" in html
    assert "2 stories match these filters" in html


def test_top_stories_count_follows_a_pin_that_expires(client, admin_user, settings):
    settings.NEWSROOM_RANKING = {"SIZE": 1}
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    make_article(title="Strong sport", category="sport", heat=90, published_at=an_hour_ago)
    weak = make_article(title="Weak news", category="news", heat=1, published_at=an_hour_ago)
    pin_story(article=weak, slot=1, hours=2, user=admin_user)
    assert "Strong sport" not in client.get("/top/?category=sport").text

    RankOverride.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert "Strong sport" in client.get("/top/?category=sport").text
