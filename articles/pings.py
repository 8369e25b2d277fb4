"""
Publish pings, the writes' side: what a change is announced as, and the webhook deliveries it makes.

A write that may publish or take stories down watches them across the write
(articles.services.watch_publication):

    watch = watch_publication(ids)
    ...                                   # the write
    watch.changed(corrected=...)

A story is announced "published" when it becomes live (published, with the
status live: scheduled stories when their time comes) and "unpublished" when
it stops being live, whichever route did it: an editor's decision, the form,
the schedule, an import, a restore. "corrected" is an editor's correction of a
live story. The webhooks' deliveries are written inside the write's
transaction, so a rolled-back write leaves nothing to send; the job that
sends (articles.jobs.pings.send_pings) is enqueued once it commits.

With no hub, no IndexNow key and no active webhook, a watch costs one query
and nothing is ever sent.
"""

import hashlib
import json
import uuid
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.functional import cached_property

from .jobs.pings import indexnow_config, public_url, send_pings, websub_hubs
from .models import Article
from .pings_models import WebhookDelivery, WebhookSubscription

_BATCH = 1000


def live_ids(ids, *, using="default") -> set[int]:
    """Which of these stories are live: what subscribers were told, or are to be told, is public."""
    ids, live = list(ids), set()
    for start in range(0, len(ids), _BATCH):
        live.update(
            Article.objects.using(using)
            .filter(pk__in=ids[start : start + _BATCH], published=True, status=Article.Status.LIVE)
            .values_list("pk", flat=True)
        )
    return live


class PublicationWatch:
    """The stories of a write, seen before it so that after it `changed()` can say what happened to them."""

    def __init__(self, ids, *, using="default"):
        self.ids, self.using = list(ids), using
        self.before = live_ids(self.ids, using=using) if self.ids and self.enabled else set()

    @cached_property
    def subscriptions(self):
        return list(WebhookSubscription.objects.using(self.using).filter(active=True))

    @cached_property
    def enabled(self):
        return bool(websub_hubs() or indexnow_config() or self.subscriptions)

    def changed(self, *, ids=None, corrected=()) -> dict[str, list[int]]:
        """Announce what the write did to the stories (`ids`: those watched, or more that are new)."""
        ids = self.ids if ids is None else list(ids)
        if not ids or not self.enabled:
            return {}
        after = live_ids(ids, using=self.using)
        events = {
            "published": sorted(after - self.before),
            "unpublished": sorted((self.before & set(ids)) - after),
            "corrected": sorted(set(corrected) & after),
        }
        for event, story_ids in events.items():
            if story_ids:
                announce(event, story_ids, subscriptions=self.subscriptions, using=self.using)
        return events


def announce(event: str, story_ids: list[int], *, subscriptions, using="default") -> None:
    """Write the deliveries of `event` for these stories and send them (and tell hubs, IndexNow) after the commit."""
    wanting = [subscription for subscription in subscriptions if subscription.wants(event)]
    now = timezone.now()
    for start in range(0, len(story_ids), _BATCH) if wanting else ():
        stories = Article.objects.using(using).filter(pk__in=story_ids[start : start + _BATCH])
        rows = [
            delivery(event, story, subscription, now=now)
            for story in stories.select_related("provider").order_by("pk")
            for subscription in wanting
        ]
        WebhookDelivery.objects.using(using).bulk_create(rows, batch_size=500)
    if wanting or websub_hubs() or indexnow_config():
        # robust: the change is committed whatever the queue says; deliveries a lost job
        # leaves are sent by the periodic retry_webhooks.
        transaction.on_commit(partial(send_pings.enqueue, event, story_ids), using=using, robust=True)


def delivery(event, story, subscription, *, now) -> WebhookDelivery:
    pk = uuid.uuid4()
    body = json.dumps(payload(event, story, delivery_id=pk, now=now), ensure_ascii=False, separators=(",", ":"))
    return WebhookDelivery(
        id=pk,
        subscription=subscription,
        event=event,
        article=story,
        payload=body,
        payload_digest=hashlib.sha256(body.encode()).hexdigest(),
        next_attempt_at=now,
        created_at=now,
    )


def payload(event: str, story: Article, *, delivery_id, now) -> dict:
    """What a webhook is sent (docs/webhooks.md): public fields only, never `secured` or editors' notes."""
    data = {
        "event": event,
        "delivery": str(delivery_id),
        "occurred_at": now.isoformat(),
        "story": {
            "id": story.pk,
            "slug": story.slug,
            "title": story.title,
            "url": public_url(story.get_absolute_url()),
            "read_url": story.read_url,
            "provider": story.provider.name if story.provider else None,
            "published_at": story.published_at.isoformat() if story.published_at else None,
            "updated_at": story.public_updated_at.isoformat() if story.public_updated_at else None,
        },
    }
    if event == "corrected":
        data["correction"] = {
            "note": story.correction_note,
            "corrected_at": story.corrected_at.isoformat() if story.corrected_at else None,
        }
    return data
