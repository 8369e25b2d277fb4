"""The story page's own cache key (views.story_page_content): kept through unrelated changes,
new when the story, its coverage, their providers or the header's topics change."""

import pytest
from django.core.cache import caches

from articles import views
from articles.models import Article, RelatedLink
from articles.services import clusters_changed, providers_changed, stories_changed

from .factories import make_article, make_provider, make_related

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


@pytest.fixture
def no_rebuild(refuse_rebuilding):
    return lambda: refuse_rebuilding(views.ArticleDetailView)


def _edit(story, *, text=True, **fields):
    story.refresh_from_db()
    for name, value in fields.items():
        setattr(story, name, value)
    story.save()
    # text=False: the clusters are left as the test made them (a new headline could take a story out).
    stories_changed([story.pk], text=text)


def _kept_under_its_own_stamp(client, story):
    """The story page built twice, the second time after an unrelated change: it is under its own stamp now."""
    page = client.get(story.get_absolute_url()).text
    _edit(make_article(title="An unrelated story"), title="An unrelated story, edited")
    assert client.get(story.get_absolute_url()).text == page
    return page


def test_the_story_page_stays_cached_when_an_unrelated_story_changes(client, no_rebuild):
    story, other = make_article(title="Our story"), make_article(title="Another story")
    first = client.get(story.get_absolute_url()).text
    # Built once, the page is under its own stamp already: a long tail of story pages, each
    # asked for now and then, is found again after the edits in between.
    _edit(other, title="Another story, edited")
    assert "Another story, edited" in client.get("/").text  # the content at large did change

    no_rebuild()
    assert client.get(story.get_absolute_url()).text == first
    _edit(other, title="Another story, edited again")
    assert client.get(story.get_absolute_url()).text == first


def test_a_story_page_found_again_after_other_changes_is_kept_once(client, monkeypatch):
    story = make_article(title="Our story")
    first = client.get(story.get_absolute_url()).text
    _edit(make_article(title="An unrelated story"), title="An unrelated story, edited")
    written = []
    pages = caches["pages"]
    set_page = pages.set
    monkeypatch.setattr(
        pages, "set", lambda key, *args, **kwargs: (written.append(key), set_page(key, *args, **kwargs))
    )

    assert client.get(story.get_absolute_url()).text == first
    # Under its own stamp only: not copied under the content's new freshness as well.
    assert not [key for key in written if "page" in key]


def test_the_story_page_stays_cached_when_other_clusters_are_recomputed(
    client, no_rebuild, django_capture_on_commit_callbacks
):
    story = make_article(title="Our story")
    others = [make_article(title="A landing on Mars"), make_article(title="The budget vote tonight")]
    first = client.get(story.get_absolute_url()).text
    assert "more story on this" not in client.get("/?grouped=on").text
    # As a bulk refresh (articles.clusters) writes them: no story's updated_at moves.
    Article.objects.filter(pk__in=[o.pk for o in others]).update(cluster=others[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        clusters_changed()

    # The listings start afresh (their cards count a cluster's other stories) ...
    assert "1 more story on this" in client.get("/?grouped=on").text
    # ... the story page, whose own stamp lists its cluster's stories, is kept.
    no_rebuild()
    assert client.get(story.get_absolute_url()).text == first


def test_the_story_page_is_new_when_a_cluster_recomputed_in_bulk_takes_it_in(
    client, django_capture_on_commit_callbacks
):
    story, sibling = make_article(title="Our story"), make_article(title="Same event elsewhere")
    assert "Same event elsewhere" not in _kept_under_its_own_stamp(client, story)

    Article.objects.filter(pk__in=[story.pk, sibling.pk]).update(cluster=story.pk)
    with django_capture_on_commit_callbacks(execute=True):
        clusters_changed()
    assert "Same event elsewhere" in client.get(story.get_absolute_url()).text


def test_the_story_page_is_new_when_the_story_changes(client):
    story = make_article(title="Before the edit")
    _kept_under_its_own_stamp(client, story)
    _edit(story, title="After the edit")
    assert "After the edit" in client.get(story.get_absolute_url()).text


def test_the_story_page_is_new_when_a_story_of_its_cluster_changes(client):
    story, sibling = make_article(title="Our story"), make_article(title="Same event elsewhere")
    Article.objects.filter(pk__in=[story.pk, sibling.pk]).update(cluster=story.pk)
    stories_changed([story.pk, sibling.pk], text=False)
    assert "Same event elsewhere" in _kept_under_its_own_stamp(client, story)

    _edit(sibling, title="Same event, new headline", text=False)
    page = client.get(story.get_absolute_url()).text
    assert "Same event, new headline" in page and "Same event elsewhere" not in page


def test_the_story_page_is_new_when_a_cluster_story_goes(client):
    story, sibling = make_article(title="Our story"), make_article(title="Same event elsewhere")
    Article.objects.filter(pk__in=[story.pk, sibling.pk]).update(cluster=story.pk)
    assert "Same event elsewhere" in _kept_under_its_own_stamp(client, story)

    _edit(sibling, published=False, text=False)
    assert "Same event elsewhere" not in client.get(story.get_absolute_url()).text


def test_the_story_page_is_new_when_a_related_coverage_provider_is_renamed(client):
    story = make_article(title="Our story")
    outlet = make_provider(name="Old Outlet Name")
    # On the outlet's own domain: the page names it (RelatedLink.outlet).
    make_related(story, provider=outlet, web_url=f"https://{outlet.domain}/coverage")
    assert RelatedLink.objects.filter(article=story, provider=outlet).exists()
    assert "Old Outlet Name" in _kept_under_its_own_stamp(client, story)

    outlet.name = "New Outlet Name"
    outlet.save()
    providers_changed()
    page = client.get(story.get_absolute_url()).text
    assert "New Outlet Name" in page and "Old Outlet Name" not in page


def test_the_story_page_is_new_when_the_headers_topics_change(client):
    story = make_article(title="Our story", topics=["Courts"])
    assert 'href="/topics/courts/"' in _kept_under_its_own_stamp(client, story)
    make_article(title="Elsewhere", topics=["Space"])
    make_article(title="Elsewhere too", topics=["Space"])
    # The header lists the most-covered topics: Space now comes first, on every page.
    header = client.get(story.get_absolute_url()).text.split('aria-label="Top topics"')[1].split("</nav>")[0]
    assert header.index("/topics/space/") < header.index("/topics/courts/")


def test_a_story_no_longer_public_is_not_served_from_its_own_key(client):
    story = make_article(title="Our story")
    _kept_under_its_own_stamp(client, story)
    _edit(story, published=False)
    assert client.get(story.get_absolute_url()).status_code == 404
