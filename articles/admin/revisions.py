"""The story's history in the admin: its revisions, compared and restored, and importers' changes decided."""

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from ..models import Article, Revision
from ..revisions.diff import changes
from ..revisions.restore import approve_revision, reject_revision, restore_revision
from ..revisions.snapshots import current_contents
from .changelist import object_id_number
from .decisions import state_label

# Revisions listed on one history page, newest first.
HISTORY_LENGTH = 200


class RevisionsMixin:
    """History, compare, restore and moderation pages for ArticleAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/history/compare/",
                view(self.revisions_compare_view),
                name=f"{prefix}_revisions_compare",
            ),
            path(
                "<path:object_id>/history/<int:revision_id>/restore/",
                view(require_POST(self.revisions_restore_view)),
                name=f"{prefix}_revisions_restore",
            ),
            path(
                "<path:object_id>/history/<int:revision_id>/decide/",
                view(require_POST(self.revisions_decide_view)),
                name=f"{prefix}_revisions_decide",
            ),
            *super().get_urls(),
        ]

    def _story(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such story")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def change_view(self, request, object_id, form_url="", extra_context=None):
        story_id = object_id_number(object_id)
        if request.method == "GET" and story_id is not None:
            pending = Revision.objects.filter(article_id=story_id, status=Revision.Status.PENDING)
            waiting = pending.select_related("user").order_by("-id").first()
            if waiting is not None:
                # Readers still see the story as it is: an editor opening it should know what waits.
                history = reverse("admin:articles_article_history", args=[waiting.article_id])
                self.message_user(
                    request,
                    format_html(
                        'A change uploaded in {} by {} is waiting for review: <a href="{}">compare, approve'
                        " or reject it in the history</a>.",
                        waiting.source_name or "an upload",
                        waiting.author,
                        history,
                    ),
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        article = self._story(request, object_id)
        revisions = list(
            Revision.objects.filter(article=article).select_related("user").order_by("-id")[: HISTORY_LENGTH + 1]
        )
        # Each revision against the applied one before it: what that change did
        # (or, pending or rejected, would have done).
        previous = None
        for revision in reversed(revisions):
            revision.is_first = previous is None
            revision.changed_fields = (
                [change.label for change in changes(previous.content, revision.content)] if previous else []
            )
            if revision.status == Revision.Status.LIVE:
                previous = revision
        log_entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Article), object_id=str(article.pk)
        ).select_related("user")[:50]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"History: {article}",
            "article": article,
            "revisions": revisions[:HISTORY_LENGTH],
            "log_entries": log_entries,
            "can_restore": self.has_change_permission(request, article) and self.has_publish_permission(request),
            "can_moderate": self.has_publish_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revisions_compare_view(self, request, object_id):
        article = self._story(request, object_id)
        left = self._content(article, request.GET.get("from"))
        right = self._content(article, request.GET.get("to") or "current")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Compare: {article}",
            "article": article,
            "left_label": left[0],
            "right_label": right[0],
            "changes": changes(left[1], right[1]),
        }
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def _content(self, article, which):
        """(label, content) of a revision of `article`, or of the story now ("current")."""
        if which == "current":
            return "The story now", current_contents([article.pk])[article.pk]
        if not which or not which.isascii() or not which.isdigit() or len(which) > 18:
            raise Http404("Choose two revisions to compare")
        revision = get_object_or_404(Revision, pk=int(which), article=article)
        when = timezone.localtime(revision.created_at)
        return f"{when:%Y-%m-%d %H:%M} · {revision.author}", revision.content

    def revisions_restore_view(self, request, object_id, revision_id):
        article = self._story(request, object_id)
        # Restoring can publish or take down a story: the editors' right.
        if not (self.has_change_permission(request, article) and self.has_publish_permission(request)):
            raise PermissionDenied
        revision = get_object_or_404(Revision, pk=revision_id, article=article)
        if revision.status == Revision.Status.PENDING:
            raise PermissionDenied
        try:
            restored = restore_revision(revision, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.log_change(request, article, restored.message)
            now = Article.objects.get(pk=article.pk)
            message = "The story is back as it was in that revision."
            if (now.status, now.published) != (article.status, article.published):
                # Its publish flag came back with it (through the quality gate): say where it stands now.
                message += f" It is now {state_label(now, short=True).lower()}."
            elif now.status != Article.Status.LIVE:
                # A revision is the story's file: its publish flag, not a rejection, a hold or a schedule.
                message += (
                    f" It is still {article.get_status_display().lower()}{' and held' if article.held_at else ''}:"
                    " a revision keeps the story, not the decisions on it; decide it from the list or triage."
                )
            self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_history", args=[article.pk]))

    def revisions_decide_view(self, request, object_id, revision_id):
        article = self._story(request, object_id)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(Revision, pk=revision_id, article=article, status=Revision.Status.PENDING)
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                self.log_change(request, article, approve_revision(revision, user=request.user).message)
                self.message_user(request, "The importer's change is live.", messages.SUCCESS)
            elif decision == "reject":
                reject_revision(revision, user=request.user, reason=request.POST.get("reason", "")[:500])
                self.message_user(request, "The importer's change was rejected.", messages.SUCCESS)
            else:
                raise PermissionDenied
        except (ValidationError, Revision.DoesNotExist) as error:
            message = " ".join(getattr(error, "messages", ["This change was already decided."]))
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:articles_article_history", args=[article.pk]))
