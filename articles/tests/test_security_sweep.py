"""Security sweeps: hostile markup in every field a fixture sets, every role on every admin URL, no secrets out."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache

from articles.models import Article, Topic
from articles.stories.write import import_paths

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'
PAYLOAD = SCRIPT + BREAKOUT
SECURED = "S3CR3T-upstream-token+/=;second-half=="
# The payload inside a double-quoted YAML string.
QUOTED = PAYLOAD.replace('"', '\\"')

HOSTILE = f"""---
category: "news{QUOTED}"
title: "Title {QUOTED}"
excerpt: "Excerpt {QUOTED}"
publishedDateTime: 2021-02-12T19:25:00Z
originalUrl: "https://hostile.example/story?q=%22%3E"
webUrl: "https://hostile.example/story?x=\\"><script>alert(3)</script>"
ampWebUrl: "https://hostile.example/amp?x=\\"><b>"
type: "<b>video</b>"
quality: 80
heat: 1
published: true

featuredContent: "<iframe src=\\"https://evil.example/\\"></iframe><script>alert(4)</script>"

provider:
  name: "Provider {QUOTED}"
  domain: hostile.example

topics:
  - "Topic {QUOTED}"

images:
  - url: "https://img.hostile.example/a.jpg?\\"><script>alert(5)</script>"
    width: 100
    height: 50
    isCached: true

related:
  - title: "Related {QUOTED}"
    excerpt: "Related excerpt {QUOTED}"
    webUrl: "https://other.example/r?\\"><script>alert(6)</script>"
    provider:
      name: "Other {QUOTED}"
      domain: other.example
    images:
      - url: "https://img.other.example/b.jpg?\\"onerror=\\"alert(7)"
        width: 10
        height: 10

secured: "{SECURED}"
---
"""

UNESCAPED = ["<script>alert", "<img src=x onerror", "<b>", 'onerror="alert', "evil.example"]


@pytest.fixture
def hostile_story(tmp_path):
    (tmp_path / "hostile.md").write_text(HOSTILE)
    report = import_paths([tmp_path])
    assert report.created == 1, report.results
    return Article.objects.get()


def public_urls(article):
    topic = Topic.objects.get()
    return [
        "/",
        f"/?q={article.title[:10]}",
        article.get_absolute_url(),
        topic.get_absolute_url(),
        article.provider.get_absolute_url(),
        "/feeds/rss/",
        "/feeds/atom/",
        f"/topics/{topic.slug}/rss/",
        f"/topics/{topic.slug}/atom/",
        "/providers/hostile-example/rss/",
        "/providers/hostile-example/atom/",
        "/sitemap.xml",
        "/robots.txt",
        "/no-such-page/",
    ]


def test_hostile_markup_in_every_fixture_field_is_escaped_on_every_public_response(client, hostile_story):
    cache.clear()
    for url in public_urls(hostile_story):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        for needle in UNESCAPED:
            assert needle not in body, f"{url} contains {needle!r} unescaped"
    story_page = client.get(hostile_story.get_absolute_url()).content.decode()
    assert "Title &lt;script&gt;" in story_page
    assert "Related &lt;script&gt;" in story_page


def test_the_json_ld_block_carries_the_payload_only_as_escaped_data(client, hostile_story):
    import json
    import re

    page = client.get(hostile_story.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    assert blocks
    for block in blocks:
        assert "<" not in block and ">" not in block
        data = json.loads(block)
        assert SCRIPT in json.dumps(data, ensure_ascii=False)


def test_the_secured_token_never_leaves_in_public_responses_or_logs(client, hostile_story, caplog, settings):
    caplog.set_level(logging.DEBUG)
    hostile_story.published = False
    hostile_story.save()
    for url in public_urls(hostile_story) + ["/healthz", "/admin/login/"]:
        assert SECURED not in client.get(url).content.decode(), url
    hostile_story.published = True
    hostile_story.save()
    for url in public_urls(hostile_story):
        assert SECURED not in client.get(url).content.decode(), url
    assert SECURED not in caplog.text


def test_a_server_error_page_shows_no_secret_or_traceback(client, hostile_story, monkeypatch, settings):
    from articles import views

    def explode(*args, **kwargs):
        raise RuntimeError(f"boom {settings.SECRET_KEY} {SECURED}")

    monkeypatch.setattr(views.ArticleDetailView, "get_object", explode)
    client.raise_request_exception = False
    response = client.get(hostile_story.get_absolute_url())
    assert response.status_code == 500
    body = response.content.decode()
    assert SECURED not in body and settings.SECRET_KEY not in body and "Traceback" not in body


# --- Who may reach which admin URL --------------------------------------------------------------

User = get_user_model()


def make_user(role):
    if role == "anonymous":
        return None
    user = User.objects.create_user(f"{role}-user", password="pw-123456789", is_staff=role != "reader")
    if role in ("importer", "editor"):
        user.groups.add(Group.objects.get(name={"importer": "Importers", "editor": "Editors"}[role]))
    if role == "superuser":
        user.is_superuser = True
        user.save()
    return user


ALLOWED, DENIED, LOGIN = "allowed", "denied", "login"
# url name -> expected outcome per role.
MATRIX = {
    "/admin/": {"anonymous": LOGIN, "reader": LOGIN, "importer": ALLOWED, "editor": ALLOWED},
    "/admin/articles/article/": {"anonymous": LOGIN, "reader": LOGIN, "importer": ALLOWED, "editor": ALLOWED},
    "/admin/articles/article/{pk}/change/": {
        "anonymous": LOGIN,
        "reader": LOGIN,
        "importer": ALLOWED,  # view only: see test below
        "editor": ALLOWED,
    },
    "/admin/articles/article/{pk}/delete/": {"anonymous": LOGIN, "reader": LOGIN, "importer": DENIED, "editor": DENIED},
    "/admin/articles/article/{pk}/history/": {
        "anonymous": LOGIN,
        "reader": LOGIN,
        "importer": ALLOWED,
        "editor": ALLOWED,
    },
    "/admin/articles/article/import/": {"anonymous": LOGIN, "reader": LOGIN, "importer": ALLOWED, "editor": DENIED},
    "/admin/providers/provider/": {"anonymous": LOGIN, "reader": LOGIN, "importer": DENIED, "editor": ALLOWED},
    "/admin/auth/user/": {"anonymous": LOGIN, "reader": LOGIN, "importer": DENIED, "editor": DENIED},
    "/admin/auth/group/": {"anonymous": LOGIN, "reader": LOGIN, "importer": DENIED, "editor": DENIED},
}


def outcome(response):
    if response.status_code == 302 and "/admin/login/" in response["Location"]:
        return LOGIN
    if response.status_code == 200:
        return ALLOWED
    if response.status_code in (403, 404):
        return DENIED
    return f"unexpected {response.status_code}"


@pytest.mark.parametrize("role", ["anonymous", "reader", "importer", "editor"])
def test_every_admin_url_gives_each_role_exactly_what_it_allows(client, role):
    from .factories import make_article

    article = make_article(published=False)
    user = make_user(role)
    if user:
        client.force_login(user)
    for template, expected in MATRIX.items():
        url = template.format(pk=article.pk)
        assert outcome(client.get(url)) == expected[role], (role, url)


@pytest.mark.parametrize("role", ["anonymous", "reader", "importer"])
def test_roles_without_change_rights_cannot_change_or_publish_by_forged_posts(client, role):
    from .factories import make_article

    article = make_article(published=False, title="Untouched")
    user = make_user(role)
    if user:
        client.force_login(user)
    client.post(f"/admin/articles/article/{article.pk}/change/", {"title": "Hacked", "published": "on"})
    client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [article.pk], "index": 0},
    )
    article.refresh_from_db()
    assert (article.title, article.published) == ("Untouched", False)


def test_unpublished_story_is_hidden_from_everyone_but_staff(client):
    from .factories import make_article

    draft = make_article(published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(make_user("reader"))
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(make_user("editor"))
    assert client.get(draft.get_absolute_url()).status_code == 200
