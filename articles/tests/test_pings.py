"""Publish pings against real local servers on 127.0.0.1: signed webhooks with their retries, WebSub hubs,
IndexNow, the feeds' hub links, and nothing at all while nothing is configured."""

import datetime
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles import editorial, tasks
from articles.checks import check_pings
from articles.jobs import pings as ping_jobs
from articles.jobs.pings import deliver_due
from articles.models import Article, Revision, WebhookDelivery, WebhookSubscription
from articles.revisions.restore import restore_revision
from articles.schedule import apply_due_schedules
from articles.stories.write import import_paths

from .factories import make_article, make_provider
from .local_server import LocalServer
from .test_admin import change_form_data, change_url, login, post_action, staff_user
from .test_import import story_text

pytestmark = pytest.mark.django_db

PUBLIC = "https://news.example/"
KEY = "a1b2c3d4e5f6a7b8"


class Receiver(LocalServer):
    """Records every request (method, path, headers, body); answers each path from its script, then 200."""

    def __init__(self):
        self.requests = []
        self.script = {}  # path -> [status, ...], used up in order
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.requests.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    statuses = receiver.script.get(self.path, [])
                    status = statuses.pop(0) if statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def at(self, path):
        return [request for request in self.requests if request["path"] == path]


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def pings(settings):
    """Pings allowed to reach 127.0.0.1, sent at once by the immediate backend; returns a function to configure."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.NEWSROOM_IMAGES = {"PUBLIC_URL": PUBLIC}
    settings.NEWSROOM_PINGS = {"ALLOW_LOOPBACK": True, "CONNECT_TIMEOUT": 2, "READ_TIMEOUT": 2, "TOTAL_TIMEOUT": 5}

    def configure(**values):
        settings.NEWSROOM_PINGS = {**settings.NEWSROOM_PINGS, **values}

    return configure


@pytest.fixture
def editor():
    return get_user_model().objects.create_user("editor", password="x", is_staff=True)


def subscribe(url, events=("published", "corrected", "unpublished"), **values):
    return WebhookSubscription.objects.create(**{"name": "Partner", "url": url, "events": list(events), **values})


def publish(story, editor, capture):
    with capture(execute=True):
        editorial.publish_stories(queryset=Article.objects.filter(pk=story.pk), user=editor)


def verify(request, secret, *, tolerance=300):
    """The receiver's check, as docs/webhooks.md writes it."""
    headers = request["headers"]
    timestamp = headers["X-Newsroom-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Newsroom-Signature"], f"sha256={expected}")


# --- Off by default ------------------------------------------------------------------


def test_nothing_is_written_enqueued_or_sent_while_nothing_is_configured(
    editor, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(ping_jobs, "send", lambda *args, **kwargs: sent.append(args))
    story = make_article(published=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        editorial.publish_stories(queryset=Article.objects.filter(pk=story.pk), user=editor)
        editorial.unpublish_stories(queryset=Article.objects.filter(pk=story.pk), user=editor)
    assert Article.objects.get(pk=story.pk).status == "taken_down"
    assert not any("send_pings" in repr(callback) for callback in callbacks)
    assert WebhookDelivery.objects.count() == 0
    assert deliver_due(now=timezone.now() + datetime.timedelta(days=1)).summary().endswith("waiting 0")
    assert sent == []


def test_an_inactive_webhook_is_not_written_to(pings, receiver, editor, django_capture_on_commit_callbacks):
    subscribe(receiver.url("/hook"), active=False)
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


# --- Webhooks --------------------------------------------------------------------------


def test_publishing_delivers_a_signed_webhook_with_the_storys_public_fields(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver.url("/hook"))
    story = make_article(published=False, secured="UPSTREAM-TOKEN-123", provider=make_provider(name="Daily"))
    publish(story, editor, django_capture_on_commit_callbacks)

    [request] = receiver.at("/hook")
    assert verify(request, subscription.secret)
    assert not verify(request, "another secret")
    assert request["headers"]["X-Newsroom-Event"] == "published"
    assert request["headers"]["Content-Type"] == "application/json"
    body = json.loads(request["body"])
    assert body["event"] == "published"
    assert body["story"] == {
        "id": story.pk,
        "slug": story.slug,
        "title": story.title,
        "url": f"{PUBLIC}stories/{story.slug}/",
        "read_url": story.original_url,
        "provider": "Daily",
        "published_at": story.published_at.isoformat(),
        "updated_at": body["story"]["updated_at"],
    }
    assert b"UPSTREAM-TOKEN-123" not in request["body"]
    assert subscription.secret.encode() not in request["body"]
    delivery = WebhookDelivery.objects.get()
    assert body["delivery"] == str(delivery.pk) == request["headers"]["X-Newsroom-Delivery"]
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    assert delivery.payload_digest == hashlib.sha256(request["body"]).hexdigest()


def test_a_signature_does_not_verify_once_the_body_or_timestamp_is_changed(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver.url("/hook"))
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    assert not verify({**request, "body": request["body"].replace(b"published", b"unpublished")}, subscription.secret)
    replayed = {**request, "headers": {**request["headers"], "X-Newsroom-Timestamp": str(int(time.time()) + 1)}}
    assert not verify(replayed, subscription.secret)


def test_a_correction_delivers_the_corrected_event_with_its_note(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    subscribe(receiver.url("/hook"), events=["corrected"])
    story = make_article(published=True)
    story.title = "Corrected title"
    with django_capture_on_commit_callbacks(execute=True):
        editorial.save_story(
            article=story, expected_version=story.version, user=editor, correction_note="The name was misspelt."
        )
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert body["event"] == "corrected"
    assert body["story"]["title"] == "Corrected title"
    assert body["correction"]["note"] == "The name was misspelt."
    assert body["correction"]["corrected_at"]


def test_an_edit_that_is_no_correction_announces_nothing(pings, receiver, editor, django_capture_on_commit_callbacks):
    subscribe(receiver.url("/hook"))
    story = make_article(published=True)
    story.category = "science"
    with django_capture_on_commit_callbacks(execute=True):
        editorial.save_story(article=story, expected_version=story.version, user=editor)
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_a_rolled_back_publish_notifies_nobody(pings, receiver, editor, django_capture_on_commit_callbacks):
    pings(WEBSUB_HUBS=[receiver.url("/hub")], INDEXNOW={"KEY": KEY, "ENDPOINTS": [receiver.url("/indexnow")]})
    subscribe(receiver.url("/hook"))
    story = make_article(published=False)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            editorial.publish_stories(queryset=Article.objects.filter(pk=story.pk), user=editor)
            raise RuntimeError("the request failed after the publish")
    assert Article.objects.get(pk=story.pk).published is False
    assert WebhookDelivery.objects.count() == 0
    deliver_due(now=timezone.now() + datetime.timedelta(hours=1))
    assert receiver.requests == []


def test_a_server_error_schedules_a_retry_that_is_delivered_later(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    receiver.script["/hook"] = [500]
    subscription = subscribe(receiver.url("/hook"))
    before = timezone.now()
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("retrying", 1, 500)
    assert delivery.error.startswith("HTTP 500")
    assert before + datetime.timedelta(seconds=60) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=60)
    # Not before its time.
    deliver_due(now=timezone.now())
    assert len(receiver.requests) == 1

    report = deliver_due(now=delivery.next_attempt_at + datetime.timedelta(seconds=1))
    assert report.delivered == 1
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["X-Newsroom-Delivery"] == second["headers"]["X-Newsroom-Delivery"]
    assert verify(second, subscription.secret)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == ("delivered", 2, 200, "")
    assert [attempt["code"] for attempt in delivery.history] == [500, 200]


def test_the_retry_delays_grow_and_the_last_attempt_gives_up(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    pings(RETRY_DELAYS=[60, 300], MAX_ATTEMPTS=3)
    receiver.script["/hook"] = [503, 503, 503, 200]
    subscribe(receiver.url("/hook"))
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    waits = []
    while delivery.status == "retrying":
        attempted_at = delivery.last_attempt_at
        waits.append(round((delivery.next_attempt_at - attempted_at).total_seconds()))
        deliver_due(now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert waits == [60, 300]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert len(receiver.requests) == 3


@pytest.mark.parametrize(
    ("status", "outcome"), [(404, "failed"), (400, "failed"), (410, "failed"), (408, "retrying"), (429, "retrying")]
)
def test_a_client_error_gives_up_except_timeout_and_too_many_requests(
    pings, receiver, editor, django_capture_on_commit_callbacks, status, outcome
):
    receiver.script["/hook"] = [status]
    subscribe(receiver.url("/hook"))
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == (outcome, status)
    deliver_due(now=timezone.now() + datetime.timedelta(days=1))
    assert len(receiver.requests) == (2 if outcome == "retrying" else 1)


def test_a_redirect_is_not_followed_and_gives_up(pings, receiver, editor, django_capture_on_commit_callbacks):
    receiver.script["/hook"] = [301]
    subscribe(receiver.url("/hook"))
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    assert [request["path"] for request in receiver.requests] == ["/hook"]
    assert WebhookDelivery.objects.get().status == "failed"


def test_a_private_address_is_refused_without_a_connection(pings, editor, django_capture_on_commit_callbacks):
    subscribe("http://10.1.2.3/hook")
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.response_code is None
    assert "private" in delivery.error


def test_no_answer_is_retried_and_holds_back_that_webhooks_other_deliveries(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    subscribe(dead, name="Dead")
    subscribe(receiver.url("/hook"), name="Alive")
    stories = [make_article(published=False) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        editorial.publish_stories(queryset=Article.objects.filter(pk__in=[s.pk for s in stories]), user=editor)
    to_dead = WebhookDelivery.objects.filter(subscription__name="Dead")
    assert sorted(to_dead.values_list("status", flat=True)) == ["pending", "pending", "retrying"]
    assert to_dead.get(status="retrying").response_code is None
    assert WebhookDelivery.objects.filter(subscription__name="Alive", status="delivered").count() == 3


def test_a_delivery_being_sent_by_another_worker_is_left_to_it_until_its_lease_ends(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    subscribe(receiver.url("/hook"))
    with django_capture_on_commit_callbacks(execute=False):
        editorial.publish_stories(queryset=Article.objects.filter(pk=make_article(published=False).pk), user=editor)
    now = timezone.now()
    WebhookDelivery.objects.update(status="sending", next_attempt_at=now + datetime.timedelta(minutes=5))
    assert deliver_due(now=now).delivered == 0
    assert deliver_due(now=now + datetime.timedelta(minutes=6)).delivered == 1
    assert len(receiver.requests) == 1


def test_the_periodic_job_sends_deliveries_whose_first_job_was_lost(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    subscribe(receiver.url("/hook"))
    # The commit happened, its callback (the enqueue) never ran: the queue was away.
    with django_capture_on_commit_callbacks(execute=False):
        editorial.publish_stories(queryset=Article.objects.filter(pk=make_article(published=False).pk), user=editor)
    assert receiver.requests == []
    assert "delivered 1" in tasks.retry_webhooks.enqueue().return_value
    assert WebhookDelivery.objects.get().status == "delivered"


def test_each_event_reaches_only_the_webhooks_that_want_it(pings, receiver, editor, django_capture_on_commit_callbacks):
    subscribe(receiver.url("/all"))
    subscribe(receiver.url("/published"), events=["published"])
    subscribe(receiver.url("/unpublished"), events=["unpublished"])
    story = make_article(published=False)
    publish(story, editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        editorial.unpublish_stories(queryset=Article.objects.filter(pk=story.pk), user=editor)
    events = {
        p: [json.loads(r["body"])["event"] for r in receiver.at(p)] for p in ("/all", "/published", "/unpublished")
    }
    assert events == {
        "/all": ["published", "unpublished"],
        "/published": ["published"],
        "/unpublished": ["unpublished"],
    }


def test_republishing_a_live_story_announces_nothing_new(pings, receiver, editor, django_capture_on_commit_callbacks):
    subscribe(receiver.url("/hook"))
    story = make_article(published=True)
    with django_capture_on_commit_callbacks(execute=True):
        editorial.approve_stories(
            queryset=Article.objects.filter(pk=story.pk),
            user=editor,
            unpublish_at=timezone.now() + datetime.timedelta(days=3),
        )
    assert receiver.requests == []


def test_a_scheduled_story_is_announced_when_its_time_comes(
    pings, receiver, editor, django_capture_on_commit_callbacks
):
    subscribe(receiver.url("/hook"))
    story = make_article(published=False)
    soon = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        editorial.approve_stories(queryset=Article.objects.filter(pk=story.pk), user=editor, publish_at=soon)
    assert receiver.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_due_schedules(now=soon + datetime.timedelta(seconds=1)) == 1
    assert [json.loads(r["body"])["event"] for r in receiver.requests] == ["published"]


def test_a_story_arriving_live_from_an_import_is_announced(
    pings, receiver, write_fixture, django_capture_on_commit_callbacks
):
    subscribe(receiver.url("/hook"))
    path = write_fixture("live.txt", story_text(title="Arrived live", published="true", quality=80))
    with django_capture_on_commit_callbacks(execute=True):
        import_paths([path])
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert (body["event"], body["story"]["title"]) == ("published", "Arrived live")
    # The same file again changes nothing, and says nothing.
    with django_capture_on_commit_callbacks(execute=True):
        import_paths([path])
    assert len(receiver.requests) == 1


def test_the_admins_routes_announce_a_correction_and_a_take_down(pings, receiver, django_capture_on_commit_callbacks):
    subscribe(receiver.url("/hook"))
    story = make_article(title="Mayor resigns", quality=60)
    client = login(staff_user("desk", groups=["Editors"]))
    data = change_form_data(client, story, title="Deputy mayor resigns", correction="It was the deputy mayor.")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(story), data).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert post_action(client, "unpublish", [story]).status_code == 302
    bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert [body["event"] for body in bodies] == ["corrected", "unpublished"]
    assert bodies[0]["correction"]["note"] == "It was the deputy mayor."


def test_restoring_an_unpublished_revision_of_a_live_story_announces_the_take_down(
    pings, receiver, editor, write_fixture, django_capture_on_commit_callbacks
):
    path = write_fixture("story.txt", story_text(title="Restored", published="false", quality=80))
    import_paths([path])
    path.write_text(story_text(title="Restored", published="true", quality=80))
    import_paths([path])
    story = Article.objects.get()
    assert story.status == "live"
    subscribe(receiver.url("/hook"))
    first = story.revisions.filter(status=Revision.Status.LIVE).earliest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        restore_revision(first, user=editor)
    assert [json.loads(request["body"])["event"] for request in receiver.requests] == ["unpublished"]


# --- WebSub and IndexNow -------------------------------------------------------------------


def test_hubs_are_told_the_feeds_of_a_published_story(pings, receiver, editor, django_capture_on_commit_callbacks):
    pings(WEBSUB_HUBS=[receiver.url("/hub")])
    provider = make_provider(name="Daily", domain="daily.example")
    story = make_article(published=False, topics=["Climate"], provider=provider)
    publish(story, editor, django_capture_on_commit_callbacks)
    forms = [parse_qs(request["body"].decode()) for request in receiver.at("/hub")]
    assert all(form["hub.mode"] == ["publish"] for form in forms)
    assert all(r["headers"]["Content-Type"] == "application/x-www-form-urlencoded" for r in receiver.at("/hub"))
    assert sorted(url for form in forms for url in form["hub.url"]) == sorted(
        [
            f"{PUBLIC}feeds/rss/",
            f"{PUBLIC}feeds/atom/",
            f"{PUBLIC}topics/climate/rss/",
            f"{PUBLIC}topics/climate/atom/",
            f"{PUBLIC}providers/{provider.slug}/rss/",
            f"{PUBLIC}providers/{provider.slug}/atom/",
        ]
    )
    assert WebhookDelivery.objects.count() == 0


def test_indexnow_receives_the_storys_url_with_our_key(
    pings, receiver, editor, client, django_capture_on_commit_callbacks
):
    pings(INDEXNOW={"KEY": KEY, "ENDPOINTS": [receiver.url("/indexnow")]})
    story = make_article(published=False)
    publish(story, editor, django_capture_on_commit_callbacks)
    [request] = receiver.at("/indexnow")
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"]) == {
        "host": "news.example",
        "key": KEY,
        "keyLocation": f"{PUBLIC}{KEY}.txt",
        "urlList": [f"{PUBLIC}stories/{story.slug}/"],
    }
    response = client.get(f"/{KEY}.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == KEY
    assert client.get("/b1b2c3d4e5f6a7b8.txt").status_code == 404


def test_the_key_file_is_not_served_without_a_key(client):
    assert client.get(f"/{KEY}.txt").status_code == 404


def test_a_failing_hub_does_not_stop_the_webhooks(pings, receiver, editor, django_capture_on_commit_callbacks):
    receiver.script["/hub"] = [500, 500, 500, 500]
    pings(WEBSUB_HUBS=[receiver.url("/hub")])
    subscribe(receiver.url("/hook"))
    publish(make_article(published=False), editor, django_capture_on_commit_callbacks)
    # The site's feeds and the provider's, each in RSS and Atom.
    assert len(receiver.at("/hub")) == 4
    assert WebhookDelivery.objects.get().status == "delivered"


def test_the_system_check_refuses_a_key_indexnow_would_refuse_and_urls_that_are_not_http(settings):
    settings.NEWSROOM_PINGS = {"WEBSUB_HUBS": ["ftp://hub.example/"], "INDEXNOW": {"KEY": "short", "ENDPOINTS": []}}
    assert sorted(error.id for error in check_pings(None)) == ["newsroom.E020", "newsroom.E021"]
    settings.NEWSROOM_PINGS = {"WEBSUB_HUBS": ["https://hub.example/"], "INDEXNOW": {"KEY": KEY, "ENDPOINTS": []}}
    assert check_pings(None) == []


# --- The feeds' hub links -------------------------------------------------------------------


def test_feeds_name_no_hub_unless_one_is_configured(client):
    make_article(published=True)
    for url in ("/feeds/rss/", "/feeds/atom/"):
        assert b'rel="hub"' not in client.get(url).content


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_feeds_name_the_hubs_and_their_public_address_when_hubs_are_configured(settings, client, url):
    settings.NEWSROOM_IMAGES = {"PUBLIC_URL": PUBLIC}
    settings.NEWSROOM_PINGS = {"WEBSUB_HUBS": ["https://hub.example/"]}
    make_article(published=True)
    content = client.get(url).content.decode()
    tag = "atom:link" if "rss" in url else "link"
    assert f'<{tag} href="https://hub.example/" rel="hub"/>' in content
    assert f'href="{PUBLIC}{url[1:]}" rel="self"' in content
    # A filtered feed is never announced to the hub.
    assert 'rel="hub"' not in client.get(url, {"type": "video"}).content.decode()
