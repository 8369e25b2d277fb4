"""Webhooks in the admin: the subscriptions (their secret shown once, when made or rotated) and the
delivery log, read-only, with "retry now".

The secret goes from the request that makes it to the page that shows it
through the session (kept on the server), so that it is never in a message
cookie, a URL or the admin's history, and a reload of that page does not show it again.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..forms import HttpURLField
from ..images.errors import UnsafeURL
from ..images.fetch import check_url
from ..jobs.pings import retry_now
from ..pings_models import EVENTS, WebhookDelivery, WebhookSubscription
from ..tasks import retry_webhooks
from .changelist import ReadOnlyAdmin, StrictModelAdmin

_SHOWN = "newsroom_webhook_secret"


class WebhookSubscriptionForm(forms.ModelForm):
    url = HttpURLField(
        label="URL",
        max_length=2000,
        help_text="http or https; it receives a signed JSON POST per story and event (docs/webhooks.md).",
    )
    events = forms.MultipleChoiceField(
        choices=EVENTS,
        widget=forms.CheckboxSelectMultiple,
        initial=[value for value, _ in EVENTS],
        help_text="What this URL is told of.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "active"]

    def clean_url(self):
        # What the sender would refuse (a user name or password in it, say), refused now. Its address is
        # checked when each delivery is sent: DNS can change in between.
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeURL as exc:
            raise ValidationError(str(exc), code="unsafe_url") from exc
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(StrictModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "event_list", "active", "created_by", "created_at", "delivery_log"]
    list_filter = ["active"]
    list_select_related = ["created_by"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret_status", "created_by", "created_at"]

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "events", "active"]
        return fields + (["secret_status", "created_by", "created_at"] if obj else [])

    @admin.display(description="events")
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="deliveries")
    def delivery_log(self, obj):
        url = reverse("admin:articles_webhookdelivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">Delivery log</a>', url)

    @admin.display(description="secret")
    def secret_status(self, obj):
        url = reverse("admin:articles_webhooksubscription_secret", args=[obj.pk])
        return format_html(
            '•••••••• set {} (shown once, when set) — <a href="{}">rotate it</a>',
            obj.secret_set_at.strftime("%Y-%m-%d %H:%M"),
            url,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        request.session[_SHOWN] = {"pk": obj.pk, "secret": obj.secret}
        messages.success(request, f"The webhook “{obj.name}” was added: copy its secret now.")
        return HttpResponseRedirect(reverse("admin:articles_webhooksubscription_secret", args=[obj.pk]))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/secret/",
                self.admin_site.admin_view(self.secret_view),
                name="articles_webhooksubscription_secret",
            ),
            *super().get_urls(),
        ]

    def secret_view(self, request, object_id):
        """GET: the secret just made, once. POST: a new secret (the old one stops verifying at once)."""
        subscription = self.get_object(request, unquote(object_id))
        if subscription is None:
            raise Http404("No such webhook")
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        here = reverse("admin:articles_webhooksubscription_secret", args=[subscription.pk])
        if request.method == "POST":
            if "rotate" not in request.POST:
                return HttpResponseRedirect(here)
            request.session[_SHOWN] = {"pk": subscription.pk, "secret": subscription.rotate_secret()}
            self.log_change(request, subscription, "Rotated the secret.")
            return HttpResponseRedirect(here)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        shown = request.session.get(_SHOWN) or {}
        secret = None
        if shown.get("pk") == subscription.pk:
            secret = shown["secret"]
            del request.session[_SHOWN]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": subscription,
            "title": f"Secret of the webhook “{subscription.name}”",
            "secret": secret,
        }
        # admin_view() makes it no-store: no cache keeps the page.
        return TemplateResponse(request, "admin/articles/webhooksubscription/secret.html", context)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: one row per story, event and webhook, with its attempts."""

    list_display = [
        "created_at",
        "subscription",
        "event",
        "story",
        "status",
        "attempts",
        "response_code",
        "duration_ms",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = ["status", "event", "subscription"]
    list_select_related = ["subscription", "article"]
    search_fields = ["article__title", "payload_digest"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = [
        "subscription",
        "event",
        "story",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "response_code",
        "duration_ms",
        "error",
        "attempt_history",
        "payload_digest",
        "pretty_payload",
    ]
    readonly_fields = fields

    def has_retry_permission(self, request):
        # Sending again is a write: for those who may change deliveries.
        return request.user.has_perm("articles.change_webhookdelivery")

    @admin.display(description="story", ordering="article__title")
    def story(self, obj):
        if obj.article is None:
            return "(deleted)"
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article.title[:80])

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:120]

    @admin.display(description="attempts")
    def attempt_history(self, obj):
        lines = [
            f"{entry['at'][:19]}: {entry['code'] or 'no answer'} {entry['error']} ({entry['ms']} ms)".strip()
            for entry in obj.history
        ]
        return format_html("<pre>{}</pre>", "\n".join(lines) or "—")

    @admin.display(description="payload")
    def pretty_payload(self, obj):
        try:
            shown = json.dumps(json.loads(obj.payload), indent=2, ensure_ascii=False)
        except ValueError:
            shown = obj.payload
        return format_html("<pre>{}</pre>", shown)

    @admin.action(description="Retry the selected deliveries now", permissions=["retry"])
    def retry(self, request, queryset):
        count = retry_now(queryset)
        if count:
            retry_webhooks.enqueue()
        self.message_user(request, f"{count} delivery(ies) will be sent again now.", messages.SUCCESS)
