"""Triage: the review queue one story at a time, a decision per key or click, the queue's filters in the URL.

Without JavaScript every decision is a form POST answered by a redirect to the
next story (POST-redirect-GET: one page load); static/admin_extra/triage.js
adds the keyboard shortcuts and swaps the next story in without reloading the
page. Decisions go through articles.editorial, so the quality gate and the
permissions hold here as everywhere.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from .. import editorial
from ..gate import quality_bar
from ..models import Article, Revision
from .decisions import ScheduleForm, below_gate_message
from .filters import ArrivalFilter, BelowGateFilter, QualityBandFilter, ScheduledFilter, StateFilter
from .inlines import thumbnail_html
from .versions import posted_version

# The queue's filters: the story list's own, so a triage URL and a list URL agree.
TRIAGE_FILTERS = (StateFilter, ArrivalFilter, BelowGateFilter, QualityBandFilter, ScheduledFilter)
DECISIONS = ("approve", "reject", "hold", "skip")


class TriageMixin:
    """The triage page of ArticleAdmin."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("triage/", self.admin_site.admin_view(self.triage_view), name=f"{prefix}_triage"),
            *super().get_urls(),
        ]

    def triage_queue(self, request):
        """The stories to triage, in order: the waiting ones unless the URL filters otherwise."""
        params = {f.parameter_name: request.GET.getlist(f.parameter_name) for f in TRIAGE_FILTERS}
        if not params[StateFilter.parameter_name]:
            params[StateFilter.parameter_name] = [Article.Status.WAITING]
        stories = Article.objects.all()
        for filter_class in TRIAGE_FILTERS:
            if params[filter_class.parameter_name]:
                used = {filter_class.parameter_name: params[filter_class.parameter_name]}
                stories = filter_class(request, dict(used), Article, self).queryset(request, stories)
        return stories.in_review_order()

    def _story_at(self, request, at):
        """(the story at `at` in the queue, the queue's length); held stories come after the others.

        The queue is read in two parts, each in the order of an index
        (article_by_status, article_held), rather than sorted whole: a page
        costs the same at 100,000 waiting stories as at 100.
        """
        queue = self.triage_queue(request).order_by()
        total = queue.count()
        held = queue.filter(held_at__isnull=False)
        first = total - held.count()
        order = ["-quality", "-published_at", "-id"]
        at = min(at, max(total - 1, 0))
        if at < first:
            part, offset = queue.filter(held_at__isnull=True).order_by(*order), at
        else:
            part, offset = held.order_by("held_at", *order), at - first
        return part.for_detail()[offset : offset + 1].first(), total

    def triage_filters(self, request):
        """The queue's filters as they are in the URL, to keep them in every link and redirect."""
        return [(f.parameter_name, v) for f in TRIAGE_FILTERS for v in request.GET.getlist(f.parameter_name)]

    def triage_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._triage_decide(request)
        at = _position(request.GET.get("at"))
        story, total = self._story_at(request, at)
        at = min(at, max(total - 1, 0))
        filters = self.triage_filters(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Triage",
            "story": story,
            "at": at,
            "position": at + 1,
            "total": total,
            "filters": filters,
            "query": urlencode(filters),
            "prev_url": self._triage_url(filters, at - 1) if at > 0 else "",
            "next_url": self._triage_url(filters, at + 1) if at + 1 < total else "",
            "can_publish": self.has_publish_permission(request),
            "schedule_form": ScheduleForm(prefix="decision"),
            "image": thumbnail_html(story.lead_image, box=(480, 270)) if story else "",
            "bar": quality_bar(story.provider.domain if story and story.provider else None),
            "media": self.media + ScheduleForm().media + forms.Media(js=["admin_extra/triage.js"]),
        }
        return TemplateResponse(request, "admin/articles/article/triage.html", context)

    def _triage_url(self, filters, at):
        return f"{reverse('admin:articles_article_triage')}?{urlencode([*filters, ('at', max(at, 0))])}"

    def _triage_decide(self, request):
        filters = self.triage_filters(request)
        at = _position(request.POST.get("at"))
        decision = request.POST.get("decision")
        story_id = request.POST.get("story", "")
        if decision not in DECISIONS or not (story_id.isascii() and story_id.isdigit()):
            messages.error(request, "Choose Approve, Reject, Hold or Skip.")
            return HttpResponseRedirect(self._triage_url(filters, at))
        if decision == "skip":
            return HttpResponseRedirect(self._triage_url(filters, at + 1))
        if decision in ("approve", "reject") and not self.has_publish_permission(request):
            raise PermissionDenied
        story = Article.objects.filter(pk=int(story_id)).only("pk", "title", "version").first()
        version = posted_version(request.POST, story.pk) if story else None
        if story is None or version != story.version:
            messages.error(request, f"{_changed_by(story)}: nothing was decided.")
            return HttpResponseRedirect(self._triage_url(filters, at))
        one = Article.objects.filter(pk=story.pk, version=version)
        self._apply_decision(request, decision, one, story)
        still_there = self.triage_queue(request)[at : at + 1].values_list("pk", flat=True).first() == story.pk
        return HttpResponseRedirect(self._triage_url(filters, at + 1 if still_there else at))

    def _apply_decision(self, request, decision, one, story):
        form = ScheduleForm(request.POST, prefix="decision")
        reason = request.POST.get("decision-reason", "").strip()[:500]
        if decision == "approve":
            if not form.is_valid():
                messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
                return
            decided = editorial.approve_stories(queryset=one, user=request.user, **form.cleaned_data)
            if decided.below_gate_count:
                messages.error(request, below_gate_message(decided, override="“Reason, schedule, override”"))
            else:
                messages.success(request, f"Approved “{story.title}”.")
        elif decision == "reject":
            editorial.reject_stories(queryset=one, user=request.user, reason=reason)
            messages.success(request, f"Rejected “{story.title}”.")
        elif editorial.hold_stories(queryset=one, user=request.user, reason=reason):
            messages.success(request, f"Held “{story.title}”.")
        else:
            # A hold is kept where it is (a bulk hold skips held stories alike): nothing was recorded.
            messages.warning(request, f"“{story.title}” was already held: nothing changed, no reason was recorded.")


def _changed_by(story):
    """Who changed the story since the page showed it, as far as the history tells."""
    if story is None:
        return "This story was deleted since you opened it"
    last = Revision.last_applied(story)
    who = f" (by {last.author} at {timezone.localtime(last.created_at):%H:%M})" if last else ""
    return f"This story changed since you opened it{who}"


def _position(value):
    value = value or ""
    return min(int(value), 1_000_000) if value.isascii() and value.isdigit() and len(value) < 8 else 0
