"""
Sending publish pings (docs/webhooks.md): WebSub hubs, IndexNow and signed webhooks.

articles.pings decides what a change is to be announced as and writes its
webhook deliveries in the change's transaction; once that commits, it enqueues
send_pings(), which tells the hubs and IndexNow and sends the deliveries due.
The periodic retry_webhooks (articles.tasks) sends the retries when due, and
any delivery whose job was lost (the queue was away at the commit).

Every request goes through the image fetcher's guard (articles.images.fetch:
http and https only, no private addresses, the address checked is the one
connected to, bounded timeouts) and follows no redirect. Hubs and IndexNow
are told once, best effort: a failure is logged, and the feeds and pages are
there to be read anyway. A webhook is retried: a 2xx is delivered; a 5xx,
408, 429 or no answer is tried again after PINGS["RETRY_DELAYS"], up to
PINGS["MAX_ATTEMPTS"]; any other answer (4xx, a redirect) or a refused
address gives up at once, since sending it again would get the same answer.
"""

import datetime
import hashlib
import hmac
import json
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

from django.urls import reverse
from django.utils import timezone

from ..conf import newsroom_settings
from ..images.errors import FetchError, UnsafeURL
from ..images.fetch import FetchPolicy, send
from ..models import Article, TaggedArticle
from ..pings_models import WebhookDelivery

try:
    from django.tasks import task
except ImportError:  # Django < 6.0
    from django_tasks import task

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429})
DUE = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.SENDING, WebhookDelivery.Status.RETRYING)
# IndexNow takes up to 10,000 URLs per request.
_INDEXNOW_URLS = 10_000
_HISTORY = 20


def public_url(path: str = "") -> str:
    """`path` on the site's public address (NEWSROOM_PUBLIC_URL, which uploaded images use too)."""
    return urljoin(newsroom_settings.IMAGES["PUBLIC_URL"], path)


def websub_hubs() -> list[str]:
    return list(newsroom_settings.PINGS["WEBSUB_HUBS"])


def indexnow_config() -> tuple[str, list[str]] | None:
    """(key, endpoints) when IndexNow is configured, else None."""
    indexnow = newsroom_settings.PINGS["INDEXNOW"] or {}
    key, endpoints = indexnow.get("KEY", ""), list(indexnow.get("ENDPOINTS", ()))
    return (key, endpoints) if key and endpoints else None


def ping_policy(config) -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=config["CONNECT_TIMEOUT"],
        read_timeout=config["READ_TIMEOUT"],
        total_timeout=config["TOTAL_TIMEOUT"],
        max_redirects=0,
        allow_loopback=config["ALLOW_LOOPBACK"],
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Newsroom-Signature: the HMAC-SHA256 of "<timestamp>.<body>" under the subscription's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


@dataclass
class PingReport:
    hub_requests: int = 0
    hub_failures: int = 0
    indexnow_urls: int = 0
    indexnow_failures: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # behind a delivery of the same webhook that got no answer in this run

    def summary(self):
        return (
            f"hubs: {self.hub_requests} request(s), {self.hub_failures} failed; IndexNow: {self.indexnow_urls}"
            f" URL(s), {self.indexnow_failures} request(s) failed; webhooks: delivered {self.delivered},"
            f" to retry {self.retrying}, given up {self.failed}, waiting {self.waiting}"
        )


def send_event(*, event: str, story_ids: list[int], now=None, resolve=socket.getaddrinfo) -> PingReport:
    """Tell the hubs and IndexNow that these stories changed, then send the webhook deliveries due."""
    config = newsroom_settings.PINGS
    report = PingReport()
    if websub_hubs():
        publish_to_hubs(story_ids, config=config, report=report, resolve=resolve)
    if indexnow_config():
        submit_to_indexnow(story_ids, config=config, report=report, resolve=resolve)
    deliver_due(now=now, report=report, resolve=resolve)
    logger.info("pings for %s of %d story(ies): %s", event, len(story_ids), report.summary())
    return report


# --- WebSub and IndexNow ---------------------------------------------------------


def feed_urls(story_ids, *, limit: int) -> list[str]:
    """The public feeds these stories are in: the site's, then their topics' and providers' (at most `limit`)."""
    paths = [reverse("articles:feed-rss"), reverse("articles:feed-atom")]
    topics = (
        TaggedArticle.objects.filter(content_object_id__in=story_ids)
        .order_by("tag__slug")
        .values_list("tag__slug", flat=True)
        .distinct()
    )
    providers = (
        Article.objects.filter(pk__in=story_ids, provider__isnull=False)
        .order_by("provider__slug")
        .values_list("provider__slug", flat=True)
        .distinct()
    )
    for kind, slugs in (("topic", topics[:limit]), ("provider", providers[:limit])):
        for slug in slugs:
            paths += [reverse(f"articles:{kind}-feed-{form}", kwargs={"slug": slug}) for form in ("rss", "atom")]
    return [public_url(path) for path in paths[:limit]]


def publish_to_hubs(story_ids, *, config, report, resolve):
    # One hub.url per request: the form every hub understands.
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": config["USER_AGENT"]}
    for hub in websub_hubs():
        for feed in feed_urls(story_ids, limit=config["WEBSUB_MAX_FEEDS"]):
            body = urlencode({"hub.mode": "publish", "hub.url": feed}).encode()
            report.hub_requests += 1
            if not _told(hub, body, headers, config, resolve):
                report.hub_failures += 1


def submit_to_indexnow(story_ids, *, config, report, resolve):
    key, endpoints = indexnow_config()
    slugs = Article.objects.filter(pk__in=story_ids).order_by("pk").values_list("slug", flat=True)
    urls = [public_url(reverse("articles:detail", kwargs={"slug": slug})) for slug in slugs]
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": config["USER_AGENT"]}
    for start in range(0, len(urls), _INDEXNOW_URLS):
        chunk = urls[start : start + _INDEXNOW_URLS]
        body = json.dumps(
            {
                "host": urlsplit(public_url()).hostname,
                "key": key,
                "keyLocation": public_url(f"{key}.txt"),
                "urlList": chunk,
            }
        ).encode()
        report.indexnow_urls += len(chunk)
        for endpoint in endpoints:
            if not _told(endpoint, body, headers, config, resolve):
                report.indexnow_failures += 1


def _told(url, body, headers, config, resolve) -> bool:
    try:
        status, reason = send(url, body=body, headers=headers, policy=ping_policy(config), resolve=resolve)
    except FetchError as exc:
        logger.warning("ping to %s failed: %s", urlsplit(url).hostname, exc)
        return False
    if not 200 <= status < 300:
        logger.warning("ping to %s answered HTTP %s %s", urlsplit(url).hostname, status, reason)
        return False
    return True


# --- Webhooks --------------------------------------------------------------------


def due_deliveries(*, now):
    """Deliveries to send now: new ones, retries whose time came, and sends whose worker stopped."""
    return WebhookDelivery.objects.filter(status__in=DUE, next_attempt_at__lte=now, subscription__active=True).order_by(
        "next_attempt_at", "created_at"
    )


def deliver_due(*, now=None, limit=None, report=None, resolve=socket.getaddrinfo) -> PingReport:
    """Send up to `limit` (PINGS["BATCH"]) due deliveries, one attempt each."""
    config = newsroom_settings.PINGS
    report = report or PingReport()
    rows = list(due_deliveries(now=now or timezone.now()).select_related("subscription")[: limit or config["BATCH"]])
    # A webhook that did not answer makes its other deliveries wait for the next run, rather
    # than each waiting out its own timeout now.
    silent = set()
    for delivery in rows:
        if delivery.subscription_id in silent:
            report.waiting += 1
            continue
        moment = now or timezone.now()
        if not _claim(delivery, now=moment, lease=config["LEASE_SECONDS"]):
            continue  # another worker has it
        answered = attempt_delivery(delivery, now=moment, config=config, resolve=resolve)
        if not answered:
            silent.add(delivery.subscription_id)
        status = delivery.status
        report.delivered += status == WebhookDelivery.Status.DELIVERED
        report.retrying += status == WebhookDelivery.Status.RETRYING
        report.failed += status == WebhookDelivery.Status.FAILED
    return report


def _claim(delivery, *, now, lease) -> bool:
    # Conditional on the row as read: of two workers, one moves it on and the other finds it changed.
    taken = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=delivery.status, next_attempt_at=delivery.next_attempt_at
    ).update(status=WebhookDelivery.Status.SENDING, next_attempt_at=now + datetime.timedelta(seconds=lease))
    return bool(taken)


def attempt_delivery(delivery, *, now, config, resolve=socket.getaddrinfo) -> bool:
    """POST the delivery once and record the outcome on its row; whether the receiver answered."""
    body = delivery.payload.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": config["USER_AGENT"],
        "X-Newsroom-Event": delivery.event,
        "X-Newsroom-Delivery": str(delivery.pk),
        "X-Newsroom-Timestamp": timestamp,
        "X-Newsroom-Signature": signature(delivery.subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    code, retry = None, False
    try:
        code, reason = send(
            delivery.subscription.url, body=body, headers=headers, policy=ping_policy(config), resolve=resolve
        )
    except UnsafeURL as exc:
        error = f"refused: {exc}"
    except FetchError as exc:
        error, retry = str(exc), True
    else:
        error = "" if 200 <= code < 300 else f"HTTP {code} {reason}".strip()
        retry = code >= 500 or code in RETRY_STATUSES
    _record(delivery, now=now, code=code, error=error, retry=retry, started=started, config=config)
    return code is not None


def _record(delivery, *, now, code, error, retry, started, config):
    Status = WebhookDelivery.Status
    delivery.attempts += 1
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.last_attempt_at, delivery.response_code, delivery.error = now, code, error[:500]
    delivery.history = [
        *delivery.history,
        {"at": now.isoformat(), "code": code, "error": error[:200], "ms": delivery.duration_ms},
    ][-_HISTORY:]
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = Status.DELIVERED, now, None
    elif retry and delivery.attempts < config["MAX_ATTEMPTS"]:
        delays = config["RETRY_DELAYS"]
        delay = delays[min(delivery.attempts, len(delays)) - 1]
        delivery.status, delivery.next_attempt_at = Status.RETRYING, now + datetime.timedelta(seconds=delay)
    else:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
    delivery.save(
        update_fields=[
            "attempts",
            "duration_ms",
            "last_attempt_at",
            "response_code",
            "error",
            "history",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def retry_now(deliveries, *, now=None) -> int:
    """Make these deliveries due at once (the admin's "retry now"); one more attempt for those given up."""
    now = now or timezone.now()
    return deliveries.exclude(status=WebhookDelivery.Status.DELIVERED).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=now
    )


# Here rather than in articles.tasks: the publishing writes enqueue it (through articles.pings),
# and articles.tasks imports those writes.
@task()
def send_pings(event: str, story_ids: list[int]) -> str:
    """Tell hubs and IndexNow about a committed change and send the webhook deliveries due."""
    return send_event(event=event, story_ids=story_ids).summary()
