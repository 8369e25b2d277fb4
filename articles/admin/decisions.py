"""Editors' decisions in the story list: publish, schedule, reject, hold, unpublish (articles.editorial).

Every one goes through the same service functions as the form and triage, so
the quality gate holds whichever way a story is published.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .. import editorial
from ..gate import quality_bar
from ..models import Article


class ScheduleForm(forms.Form):
    """Approve with a time: public from `publish_at` (now when empty) until `unpublish_at`, and a gate override."""

    publish_at = forms.SplitDateTimeField(
        label="Publish at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Empty: now. A later time schedules the stories.",
    )
    unpublish_at = forms.SplitDateTimeField(
        label="Unpublish at", required=False, widget=AdminSplitDateTime, help_text="Empty: no end."
    )
    override_reason = forms.CharField(
        label="Reason to publish below the quality gate",
        required=False,
        max_length=500,
        help_text="Without one, stories below the gate are left waiting and listed.",
    )

    def clean(self):
        cleaned = super().clean()
        publish_at, unpublish_at = cleaned.get("publish_at"), cleaned.get("unpublish_at")
        if unpublish_at and unpublish_at <= (publish_at or timezone.now()):
            self.add_error("unpublish_at", "The stories must come off after they go up: pick a later time.")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500, help_text="Optional; kept in the stories' history.")


def stories(count):
    return f"{count} {'story' if count == 1 else 'stories'}"


class DecisionsMixin:
    """The decision actions of ArticleAdmin (which provides has_publish_permission and _action_form)."""

    def _require(self, allowed):
        # get_actions already hides the action; this refuses a forged request
        # that reaches the method some other way.
        if not allowed:
            raise PermissionDenied

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish(self, request, queryset):
        self._require(self.has_publish_permission(request))
        decided = editorial.publish_stories(queryset=queryset, user=request.user)
        self._report_decision(request, decided, "Published")

    @admin.action(description="Schedule or publish with an override…", permissions=["publish"])
    def schedule(self, request, queryset):
        self._require(self.has_publish_permission(request))
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            publish_at = form.cleaned_data["publish_at"]
            decided = editorial.approve_stories(queryset=queryset, user=request.user, **form.cleaned_data)
            self._report_decision(request, decided, "Scheduled" if publish_at else "Published")
            return None
        return self._action_form(request, queryset, form, action="schedule", title="Schedule", submit="Approve")

    @admin.action(description="Reject selected stories…", permissions=["publish"])
    def reject(self, request, queryset):
        self._require(self.has_publish_permission(request))
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = editorial.reject_stories(queryset=queryset, user=request.user, **form.cleaned_data)
            self.message_user(request, f"Rejected {stories(count)}.", messages.SUCCESS)
            return None
        return self._action_form(request, queryset, form, action="reject", title="Reject", submit="Reject")

    @admin.action(description="Hold selected stories for later", permissions=["change"])
    def hold(self, request, queryset):
        self._require(self.has_change_permission(request))
        count = editorial.hold_stories(queryset=queryset, user=request.user)
        self.message_user(request, f"Held {stories(count)}: they stay waiting, behind the others.", messages.SUCCESS)

    @admin.action(description="Unpublish selected stories", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._require(self.has_publish_permission(request))
        count = editorial.unpublish_stories(queryset=queryset, user=request.user)
        self.message_user(request, f"Unpublished {stories(count)}.", messages.SUCCESS)

    def _report_decision(self, request, decided, verb):
        self.message_user(request, f"{verb} {stories(decided.count)}.", messages.SUCCESS)
        if decided.below_gate_count:
            self.message_user(request, below_gate_message(decided), messages.WARNING)


def state_label(article, *, short=False):
    """Where a story stands, in words: "Scheduled for 2026-12-05 09:00", "Taken down by an import"."""
    label = article.get_status_display()
    if article.status == Article.Status.SCHEDULED and article.publish_at:
        label = f"Scheduled for {timezone.localtime(article.publish_at):%Y-%m-%d %H:%M}"
    elif article.status == Article.Status.WAITING and article.held_at:
        label = "Waiting, held"
    if article.status != Article.Status.WAITING and article.status_by != Article.StatusBy.EDITOR:
        done_by = f"by {article.get_status_by_display()}"
        label += f", published {done_by}" if article.status == Article.Status.LIVE else f" {done_by}"
    if short:
        return label
    if article.status == Article.Status.WAITING and article.imported_published:
        label += "; its file recommends publishing"
    if article.reviewed_at and article.status != Article.Status.WAITING:
        who = article.reviewed_by.get_username() if article.reviewed_by else "a former user"
        label += f"; last decided by {who} on {timezone.localtime(article.reviewed_at):%Y-%m-%d %H:%M}"
    if article.unpublish_at and article.published:
        label += f"; comes off at {timezone.localtime(article.unpublish_at):%Y-%m-%d %H:%M}"
    return label + "."


def below_gate_message(decided, *, shown=10, override="“Schedule or publish with an override…”"):
    """The stories a publish left waiting because of the gate, named (the first `shown` of them).

    `override`: where the reason to publish anyway is given on the page the editor is on.
    """
    articles = decided.below_gate
    names = "; ".join(
        f"“{article.title}” (quality {article.quality}, gate {_bar(article)})" for article in articles[:shown]
    )
    hidden = decided.below_gate_count - min(shown, len(articles))
    more = f"; and {hidden} more" if hidden > 0 else ""
    return f"Not published, below the quality gate: {names}{more}. To publish anyway, give a reason in {override}."


def _bar(article):
    return quality_bar(article.provider.domain if article.provider else None)
