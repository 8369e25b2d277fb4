"""Deleted stories: who deleted each and when, read-only, with a restore (articles.revisions.deletions)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst

from ..clusters_models import TitleBand
from ..models import Deletion
from ..revisions.deletions import restore_deletion
from ..templatetags.newsroom import http_url
from .changelist import ReadOnlyAdmin, object_id_number


class RestoredFilter(admin.SimpleListFilter):
    title = "restored"
    parameter_name = "restored"

    def lookups(self, request, model_admin):
        return [("no", "Not restored"), ("yes", "Restored")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(restored_at__isnull=self.value() == "no")
        return queryset


@admin.register(Deletion)
class DeletionAdmin(ReadOnlyAdmin):
    """The trace of a decision: nobody edits or forgets one; only a restore ends it."""

    list_display = ["title", "address", "was_published", "deleted_by_name", "deleted_at", "restored"]
    list_select_related = ["deleted_by", "restored_by"]
    list_filter = [RestoredFilter]
    search_fields = ["title", "url_key"]
    date_hierarchy = "deleted_at"
    fields = [
        *("title", "url_key", "slug", "story_id", "was_published", "deleted_by_name", "deleted_at"),
        *("restored", "revisions_kept"),
    ]
    readonly_fields = fields
    actions = ["restore"]

    def has_restore_permission(self, request):
        # Whoever may delete stories may take a deletion back.
        return request.user.has_perm("articles.delete_article")

    @admin.display(description="address", ordering="url_key")
    def address(self, obj):
        href = http_url(obj.url_key)
        # Shortened in the list, whole in its title: feed addresses run to hundreds of characters.
        shown = Truncator(obj.url_key).chars(60)
        if not href:
            return shown
        return format_html('<a href="{}" title="{}" rel="noopener noreferrer">{}</a>', href, obj.url_key, shown)

    # Names, not links: the user admin is for those who may manage users.
    @admin.display(description="deleted by", ordering="deleted_by__username")
    def deleted_by_name(self, obj):
        return obj.deleted_by_name

    @admin.display(description="restored")
    def restored(self, obj):
        if obj.restored_at is None:
            return "—"
        who = obj.restored_by.get_username() if obj.restored_by else "a user since removed"
        return f"{obj.restored_at:%Y-%m-%d %H:%M} by {who}"

    @admin.display(description="revisions kept")
    def revisions_kept(self, obj):
        return obj.revisions.count()

    @admin.action(description="Restore the selected stories (held for an editor)", permissions=["restore"])
    def restore(self, request, queryset):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        for deletion in queryset.select_related("deleted_by"):
            try:
                article = restore_deletion(deletion, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"“{deletion.title}”: {' '.join(error.messages)}", messages.ERROR)
                continue
            except IntegrityError:
                # A story took its address or slug meanwhile (an import, a colleague): nothing was written.
                self.message_user(
                    request, f"“{deletion.title}”: another story took its place meanwhile; try again.", messages.ERROR
                )
                continue
            self.log_addition(request, article, f"Restored after its deletion by {deletion.deleted_by_name}.")
            self.message_user(
                request,
                format_html(
                    '“{}” is back, held for an editor: <a href="{}">open it</a>.',
                    article.title,
                    reverse("admin:articles_article_change", args=[article.pk]),
                ),
                messages.SUCCESS,
            )

    def get_queryset(self, request):
        # The list never needs a deleted story's content, the largest column.
        return super().get_queryset(request).defer("content_data")


# Rows the story's deletion takes with it that no editor wrote or reads (the duplicate index's).
BOOKKEEPING = (TitleBand,)


class StoryDeletionMixin:
    """For ArticleAdmin: a deletion's confirmation lists what editors know; a story deleted meanwhile says by whom."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        names = {str(model._meta.verbose_name_plural) for model in BOOKKEEPING}
        prefixes = tuple(f"{capfirst(model._meta.verbose_name)}: " for model in BOOKKEEPING)
        return _without(deleted, prefixes), {k: n for k, n in counts.items() if k not in names}, perms_needed, protected

    # Django's hook for a missing object (its message only guesses "Perhaps it was deleted?").
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        story_id = object_id_number(object_id)
        deletions = Deletion.objects.filter(story_id=story_id).select_related("deleted_by").order_by("-id")
        deletion = deletions.first() if story_id is not None else None
        if deletion is None:
            return super()._get_obj_does_not_exist_redirect(request, opts, object_id)
        lost = " Your changes could not be saved." if request.method == "POST" else ""
        self.message_user(
            request,
            f"“{deletion.title}” was deleted by {deletion.deleted_by_name} on"
            f" {timezone.localtime(deletion.deleted_at):%Y-%m-%d %H:%M}; it is under Deleted stories.{lost}",
            messages.WARNING,
        )
        if request.user.has_perm("articles.view_deletion"):
            return HttpResponseRedirect(reverse("admin:articles_deletion_change", args=[deletion.pk]))
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))


def _without(items, prefixes):
    """The admin's nested list of what a deletion takes, without the entries that start with `prefixes`."""
    kept = []
    for item in items:
        if isinstance(item, list):
            nested = _without(item, prefixes)
            if nested:
                kept.append(nested)
        elif not str(item).startswith(prefixes):
            kept.append(item)
    return kept
