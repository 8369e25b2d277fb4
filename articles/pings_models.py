"""Webhooks (articles.pings, articles.jobs.pings): who is told when a story is published, corrected or
unpublished, and a row per delivery that is both the queue and the log."""

import secrets
import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

EVENTS = (
    ("published", "Published"),
    ("corrected", "Corrected"),
    ("unpublished", "Unpublished"),
)


def new_secret():
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A URL we POST signed JSON to (docs/webhooks.md) when one of its events happens to a story."""

    name = models.CharField(max_length=100)
    url = models.URLField("URL", max_length=2000, validators=[URLValidator(schemes=["http", "https"])])
    # What the receiver verifies signatures with. Readable by the job only: the admin shows it
    # once, when it is made (or rotated), and never again.
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    secret_set_at = models.DateTimeField(default=timezone.now, editable=False)
    events = models.JSONField(default=list, help_text="The events this URL is told of.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "webhook"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def __repr__(self):
        # Never the secret, whatever prints the object.
        return f"<WebhookSubscription {self.pk}: {self.name}>"

    def wants(self, event):
        return self.active and event in self.events

    def rotate_secret(self):
        self.secret, self.secret_set_at = new_secret(), timezone.now()
        self.save(update_fields=["secret", "secret_set_at"])
        return self.secret


class WebhookDelivery(models.Model):
    """One event of one story for one subscription: written with the change that caused it (so a
    rolled-back publish leaves none), then sent, retried and kept as the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Waiting to retry"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20, choices=EVENTS)
    # The story may be deleted later; its id stays in the payload.
    article = models.ForeignKey("articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The exact body every attempt sends (signed afresh each time), and its SHA-256.
    payload = models.TextField()
    payload_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; while SENDING, when a worker that stopped is given up on.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # Every attempt: [{"at", "code", "error", "ms"}].
    history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at"]
        indexes = [
            # What the sender looks for: the deliveries due, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending", "retrying"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_by_sub"),
        ]

    def __str__(self):
        return f"{self.event} of story {self.article_id or '(deleted)'} to {self.subscription_id}"
