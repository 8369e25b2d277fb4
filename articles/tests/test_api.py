"""The JSON API: live stories only, filters, ordering, pages, ETags, no private field; the importers' endpoint."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Article, IntakeRule, Revision, Topic
from articles.services import topics_changed

from .factories import make_article, make_provider, make_related
from .test_admin import editorial_groups  # noqa: F401 (a fixture)
from .test_import import story_text

pytestmark = pytest.mark.django_db

SECRET = "opaque upstream token 8c1f"


@pytest.fixture
def api():
    return APIClient()


def token_client(username, *groups):
    user = get_user_model().objects.create_user(username, password="secret-pass-1", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_list_has_live_stories_only_newest_first(api):
    old = make_article(title="Old", published_at=make_article().published_at.replace(year=2020))
    make_article(title="Draft", published=False)
    body = api.get("/api/stories/").json()
    titles = [story["title"] for story in body["results"]]
    assert "Draft" not in titles
    assert titles[-1] == old.title
    assert body["count"] == 2


def test_filters_search_and_ordering_are_the_readers(api):
    verge = make_provider(name="The Verge", domain="theverge.com")
    make_article(title="Mars rover lands", provider=verge, topics=["Space"], quality=90)
    make_article(title="Budget passes", topics=["Politics"], quality=10)
    assert [s["title"] for s in api.get("/api/stories/?topic=space").json()["results"]] == ["Mars rover lands"]
    assert [s["title"] for s in api.get(f"/api/stories/?provider={verge.slug}").json()["results"]] == [
        "Mars rover lands"
    ]
    assert [s["title"] for s in api.get("/api/stories/?q=budget").json()["results"]] == ["Budget passes"]
    assert [s["title"] for s in api.get("/api/stories/?ordering=quality").json()["results"]] == [
        "Budget passes",
        "Mars rover lands",
    ]
    assert [s["title"] for s in api.get("/api/stories/?top=true").json()["results"]] == ["Mars rover lands"]


def test_pages_are_bounded(api):
    for _ in range(3):
        make_article()
    body = api.get("/api/stories/?page_size=2").json()
    assert (len(body["results"]), body["count"]) == (2, 3)
    assert body["next"] and "page=2" in body["next"]
    assert api.get("/api/stories/?page=9").status_code == 404
    assert len(api.get("/api/stories/?page_size=1000").json()["results"]) == 3


def test_the_detail_has_related_coverage_cluster_topics_and_provider_and_nothing_private(api):
    title = "Provance releases ServiceTeam, a new family of ITSM apps"
    article = make_article(title=title, topics=["AI"], images=2, secured=SECRET, featured_content="<iframe>")
    make_related(article, title="Elsewhere", web_url="https://elsewhere.example/x")
    other = make_article(title=title)
    Revision.objects.create(article=article, source="upload", status="pending", version=1, message="waiting")
    response = api.get(f"/api/stories/{article.slug}/")
    body = response.json()
    assert body["topics"] == [{"name": "AI", "slug": "ai"}]
    assert body["provider"]["name"] == article.provider.name
    assert [item["title"] for item in body["related"]] == ["Elsewhere"]
    assert [item["slug"] for item in body["cluster_stories"]] == [other.slug]
    assert len(body["images"]) == 2
    text = response.content.decode()
    for private in (SECRET, "secured", "reviewed", "waiting", "pending", "featured", "imported_", "version"):
        assert private not in text, private


def test_an_unpublished_story_is_not_found(api):
    draft = make_article(published=False)
    assert api.get(f"/api/stories/{draft.slug}/").status_code == 404


def test_a_conditional_request_gets_304_until_a_story_changes(api):
    article = make_article()
    first = api.get("/api/stories/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert api.get("/api/stories/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get("/api/stories/?page_size=5", HTTP_IF_NONE_MATCH=etag).status_code == 200
    Article.objects.filter(pk=article.pk).update(title="Changed", updated_at=article.updated_at.replace(year=2030))
    assert api.get("/api/stories/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_topic_renamed_changes_the_etag_though_no_story_changed(api, django_capture_on_commit_callbacks):
    article = make_article(topics=["AI"])
    first = api.get(f"/api/stories/{article.slug}/")
    topic = Topic.objects.get(name="AI")
    topic.name = "Artificial intelligence"
    with django_capture_on_commit_callbacks(execute=True):
        topic.save()
        topics_changed()  # as the topic admin does
    again = api.get(f"/api/stories/{article.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Artificial intelligence" in json.dumps(again.json()["topics"])


def test_a_story_going_live_as_another_expires_changes_the_etag(api):
    # The same number of live stories and the same latest edit before and after: only the
    # schedule's boundary passed tells the ETag that the list changed.
    when = timezone.now() + dt.timedelta(minutes=5)
    leaving = make_article(title="Leaving", unpublish_at=when)
    make_article(title="Arriving", publish_at=when)
    Article.objects.update(updated_at=timezone.now() - dt.timedelta(days=1))
    first = api.get("/api/stories/")
    assert "Leaving" in first.text and "Arriving" not in first.text
    with mock.patch("django.utils.timezone.now", return_value=when + dt.timedelta(seconds=1)):
        again = api.get("/api/stories/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Arriving" in again.text and leaving.title not in again.text


def test_topics_and_outlets_with_live_stories_are_listed_with_links_to_them(api, django_assert_max_num_queries):
    verge = make_provider(name="The Verge", domain="theverge.com")
    make_article(provider=verge, topics=["AI", "Space"])
    make_article(provider=verge, topics=["AI"])
    make_article(published=False, provider=make_provider(name="Drafts", domain="drafts.example"), topics=["Hidden"])
    with django_assert_max_num_queries(3):
        topics = api.get("/api/topics/").json()
    assert [(t["name"], t["stories"]) for t in topics["results"]] == [("AI", 2), ("Space", 1)]
    assert topics["results"][0]["stories_url"] == "http://testserver/api/stories/?topic=ai"
    assert topics["results"][0]["url"] == "http://testserver/topics/ai/"
    providers = api.get("/api/providers/").json()["results"]
    names = {p["name"]: p for p in providers}
    assert names["The Verge"]["stories"] == 2 and names["The Verge"]["domain"] == "theverge.com"
    assert "Drafts" not in names
    listed = api.get(names["The Verge"]["stories_url"].removeprefix("http://testserver")).json()
    assert listed["count"] == 2


def test_the_list_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for _ in range(20):
        make_article(topics=["AI", "Space"], images=2, related=2)
    with django_assert_max_num_queries(6):
        response = api.get("/api/stories/")
    assert len(response.json()["results"]) == 20


def test_the_openapi_description_is_served(api):
    schema = api.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/stories/", "/api/stories/{slug}/", "/api/stories/import/"} <= set(schema["paths"])


# --- Import --------------------------------------------------------------------


def test_an_editors_token_imports_fixture_text_with_a_revision(editorial_groups):  # noqa: F811
    client = token_client("editor", "Editors", "Importers")
    text = story_text(url="https://example.com/api", published="true")
    response = client.post("/api/stories/import/?name=a.md", text, content_type="text/plain")
    assert response.status_code == 200, response.content
    assert response.json()["summary"]["created"] == 1
    article = Article.objects.get(url_key="https://example.com/api")
    assert article.published
    assert Revision.objects.get(article=article).source == Revision.Source.API


def test_the_json_equivalent_is_validated_like_a_file(editorial_groups):  # noqa: F811
    client = token_client("editor", "Editors", "Importers")
    good = {"title": "From JSON", "webUrl": "https://example.com/json", "quality": 3, "topics": ["AI"]}
    bad = {"title": "Bad", "webUrl": "javascript:alert(1)"}
    response = client.post(
        "/api/stories/import/",
        {"files": [{"name": "good.json", "story": good}, {"name": "bad.json", "story": bad}]},
        format="json",
    )
    assert response.status_code == 400
    files = {item["path"]: item for item in response.json()["files"]}
    assert files["good.json"]["status"] == "created"
    assert files["bad.json"]["status"] == "failed"
    assert "bad.json:4: webUrl: javascript: URLs are not allowed" in files["bad.json"]["message"]
    assert Article.objects.get(url_key="https://example.com/json").topic_list[0].name == "AI"


def test_an_importer_may_not_publish_and_a_live_story_waits_for_an_editor(editorial_groups):  # noqa: F811
    client = token_client("importer", "Importers")
    response = client.post(
        "/api/stories/import/?name=a.md",
        story_text(url="https://example.com/i", published="true"),
        content_type="text/plain",
    )
    assert response.status_code == 200
    article = Article.objects.get(url_key="https://example.com/i")
    assert not article.published
    Article.objects.filter(pk=article.pk).update(published=True)
    changed = story_text(title="Changed by importer", url="https://example.com/i", published="true")
    body = client.post("/api/stories/import/?name=a.md", changed, content_type="text/plain").json()
    assert body["files"][0]["pending"] is True
    assert Article.objects.get(pk=article.pk).title == "A story"


def test_a_dry_run_writes_nothing(editorial_groups):  # noqa: F811
    client = token_client("editor", "Editors", "Importers")
    body = client.post(
        "/api/stories/import/?dry_run=1&name=a.md", story_text(url="https://example.com/d"), content_type="text/plain"
    ).json()
    assert body["dry_run"] is True and body["summary"]["created"] == 1
    assert not Article.objects.exists()


def test_import_needs_a_token_with_the_import_permission(api, editorial_groups):  # noqa: F811
    text = story_text(url="https://example.com/x")
    assert api.post("/api/stories/import/?name=a.md", text, content_type="text/plain").status_code == 401
    nobody = token_client("nobody")
    assert nobody.post("/api/stories/import/?name=a.md", text, content_type="text/plain").status_code == 403
    assert not Article.objects.exists()


def test_a_malformed_request_is_a_400_naming_the_field(editorial_groups):  # noqa: F811
    client = token_client("editor", "Editors", "Importers")
    response = client.post("/api/stories/import/", {"files": [{"name": "a.md"}]}, format="json")
    assert response.status_code == 400
    assert "give either text or story" in json.dumps(response.json())


def test_the_detail_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    title = "Provance releases ServiceTeam, a new family of ITSM apps"
    article = make_article(title=title, topics=["AI", "Space"], images=3, related=5)
    for _ in range(4):
        make_article(title=title, related=2)
    with django_assert_max_num_queries(7):
        body = api.get(f"/api/stories/{article.slug}/").json()
    assert (len(body["related"]), len(body["cluster_stories"])) == (5, 4)


def test_intake_rules_apply_to_an_api_import_and_are_reported_per_file(editorial_groups):  # noqa: F811
    rule = IntakeRule.objects.create(name="Hold the example", domains="example.com", decision=IntakeRule.Decision.HOLD)
    client = token_client("importer", "Importers")
    text = story_text(url="https://example.com/ruled", published="true")
    response = client.post("/api/stories/import/?name=ruled.md", text, content_type="text/plain")
    assert response.status_code == 200, response.content
    (result,) = response.json()["files"]
    assert result["rules"] == ["ruled.md: intake rule “Hold the example”: held"]
    article = Article.objects.get(url_key="https://example.com/ruled")
    assert not article.published and article.held_at is not None
    revision = Revision.objects.get(article=article)
    assert revision.source == Revision.Source.API and list(revision.intake_rules.all()) == [rule]
    assert "Intake rule “Hold the example”: held" in revision.message


def test_an_api_reimport_merges_three_ways_and_reports_the_conflict(editorial_groups):  # noqa: F811
    client = token_client("editor", "Editors", "Importers")
    url = "/api/stories/import/?name=merge.md"
    first = story_text(title="Upstream title", url="https://example.com/merge")
    assert client.post(url, first, content_type="text/plain").status_code == 200
    article = Article.objects.get(url_key="https://example.com/merge")
    Article.objects.filter(pk=article.pk).update(title="Editor's title")
    changed = story_text(title="Upstream's new title", url="https://example.com/merge").replace("heat: 3", "heat: 40")
    response = client.post(url, changed, content_type="text/plain")
    assert response.status_code == 200, response.content
    (result,) = response.json()["files"]
    assert result["status"] == "updated" and result["conflicts"] == ["title"]
    article.refresh_from_db()
    # The editor's title stands, the file's other change lands.
    assert (article.title, article.heat) == ("Editor's title", 40)


def test_a_story_published_while_the_list_is_built_is_not_hidden_behind_a_304(api, monkeypatch):
    from articles.api import views

    make_article(title="First")
    original = views.StoryListView.list

    def list_then_a_colleague_publishes(self, request, *args, **kwargs):
        response = original(self, request, *args, **kwargs)
        make_article(title="Published meanwhile")  # another process commits now
        return response

    monkeypatch.setattr(views.StoryListView, "list", list_then_a_colleague_publishes)
    first = api.get("/api/stories/")
    monkeypatch.setattr(views.StoryListView, "list", original)
    assert "Published meanwhile" not in first.content.decode()
    assert api.get("/api/stories/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
