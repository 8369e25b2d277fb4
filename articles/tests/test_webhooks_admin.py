"""Webhooks in the admin: adding one shows its secret once, the list and pages never again; the delivery
log is read-only, for staff only, filterable, with "retry now"."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

from articles.models import WebhookDelivery, WebhookSubscription

from .factories import make_article
from .test_admin import staff_user
from .test_pings import Receiver

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = reverse("admin:articles_webhooksubscription_changelist")
DELIVERIES = reverse("admin:articles_webhookdelivery_changelist")


@pytest.fixture
def subscription():
    return WebhookSubscription.objects.create(name="Partner", url="https://partner.example/hook", events=["published"])


def delivery(subscription, **values):
    story = make_article(published=True)
    body = json.dumps({"event": "published", "story": {"id": story.pk, "title": story.title}})
    return WebhookDelivery.objects.create(
        **{
            "subscription": subscription,
            "event": "published",
            "article": story,
            "payload": body,
            "payload_digest": "0" * 64,
            "status": "delivered",
            "attempts": 1,
            "response_code": 200,
            **values,
        }
    )


def test_adding_a_webhook_shows_its_secret_once_and_never_again(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:articles_webhooksubscription_add"),
        {
            "name": "Partner",
            "url": "https://partner.example/hook",
            "events": ["published", "corrected"],
            "active": "on",
        },
    )
    subscription = WebhookSubscription.objects.get()
    secret_page = reverse("admin:articles_webhooksubscription_secret", args=[subscription.pk])
    assert response.status_code == 302 and response["Location"] == secret_page
    assert subscription.secret not in response["Location"]
    assert (subscription.events, subscription.created_by) == (["published", "corrected"], admin_user)
    assert len(subscription.secret) >= 40

    shown = admin_client.get(secret_page)
    assert subscription.secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    for url in (
        secret_page,
        SUBSCRIPTIONS,
        reverse("admin:articles_webhooksubscription_change", args=[subscription.pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert subscription.secret not in page.content.decode()
    assert "••••" in admin_client.get(
        reverse("admin:articles_webhooksubscription_change", args=[subscription.pk])
    ).content.decode("utf-8")
    assert not any(subscription.secret in entry.change_message for entry in LogEntry.objects.all())


def test_rotating_the_secret_replaces_it_and_shows_the_new_one_once(admin_client, subscription):
    old = subscription.secret
    page = reverse("admin:articles_webhooksubscription_secret", args=[subscription.pk])
    assert admin_client.post(page, {"rotate": "1"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret in admin_client.get(page).content.decode()
    assert subscription.secret not in admin_client.get(page).content.decode()
    assert LogEntry.objects.get().change_message == "Rotated the secret."


def test_a_webhook_url_must_be_http_or_https_without_credentials(admin_client):
    add = reverse("admin:articles_webhooksubscription_add")
    for url in ("javascript:alert(1)", "ftp://partner.example/hook", "https://user:pw@partner.example/hook"):
        response = admin_client.post(add, {"name": "Partner", "url": url, "events": ["published"]})
        assert response.status_code == 200, url
        assert response.context["adminform"].form.errors["url"]
    assert WebhookSubscription.objects.count() == 0


def test_the_delivery_log_lists_deliveries_and_filters_them_by_status_and_webhook(admin_client, subscription):
    delivered = delivery(subscription)
    failed = delivery(subscription, status="failed", response_code=404, error="HTTP 404 Not Found")
    other = WebhookSubscription.objects.create(name="Other", url="https://other.example/", events=["published"])
    elsewhere = delivery(other)

    page = admin_client.get(DELIVERIES)
    assert page.status_code == 200
    assert [row.pk for row in page.context["cl"].result_list] == [elsewhere.pk, failed.pk, delivered.pk]
    assert "HTTP 404 Not Found" in page.content.decode()
    by_status = admin_client.get(DELIVERIES, {"status__exact": "failed"}).context["cl"].result_list
    assert [row.pk for row in by_status] == [failed.pk]
    by_webhook = admin_client.get(DELIVERIES, {"subscription__id__exact": other.pk}).context["cl"].result_list
    assert [row.pk for row in by_webhook] == [elsewhere.pk]


def test_a_delivery_page_shows_its_payload_and_attempts_but_no_secret(admin_client, subscription):
    row = delivery(subscription, history=[{"at": "2026-12-04T10:00:00", "code": 500, "error": "HTTP 500", "ms": 12}])
    page = admin_client.get(reverse("admin:articles_webhookdelivery_change", args=[row.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert row.article.title in content and "HTTP 500" in content
    assert subscription.secret not in content
    # Read-only: nothing to save.
    assert 'name="_save"' not in content


def test_the_delivery_log_is_for_staff_only(client, subscription):
    delivery(subscription)
    reader = get_user_model().objects.create_user("reader", password="pw-123456789")
    client.force_login(reader)
    response = client.get(DELIVERIES)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(SUBSCRIPTIONS).status_code == 302


def test_staff_without_the_permission_see_no_delivery_log(client, subscription):
    delivery(subscription)
    client.force_login(staff_user("assistant", permissions=["view_article"]))
    assert client.get(DELIVERIES).status_code == 403
    secret_page = reverse("admin:articles_webhooksubscription_secret", args=[subscription.pk])
    assert client.get(secret_page).status_code == 403
    assert client.post(secret_page, {"rotate": "1"}).status_code == 403


def test_staff_who_may_view_the_log_may_not_retry(client, subscription):
    failed = delivery(subscription, status="failed")
    client.force_login(staff_user("viewer", permissions=["view_webhookdelivery"]))
    assert client.get(DELIVERIES).status_code == 200
    client.post(DELIVERIES, {"action": "retry", "_selected_action": [failed.pk], "index": "0"})
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_retry_now_sends_a_given_up_delivery_again(admin_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.NEWSROOM_PINGS = {"ALLOW_LOOPBACK": True}
    with Receiver() as receiver:
        subscription = WebhookSubscription.objects.create(name="P", url=receiver.url("/hook"), events=["published"])
        failed = delivery(subscription, status="failed", response_code=503, attempts=6)
        response = admin_client.post(DELIVERIES, {"action": "retry", "_selected_action": [failed.pk], "index": "0"})
        assert response.status_code == 302
        failed.refresh_from_db()
        assert (failed.status, failed.attempts, failed.response_code) == ("delivered", 7, 200)
        assert len(receiver.requests) == 1
