"""The story list and form: columns, filters, permissions, editors' writes and bulk actions.

The list filters are in .filters, the inline tables in .inlines, the Import
stories page in .imports and the list's count in .changelist.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.http import urlencode

from .. import editorial
from ..forms import AddTopicForm, ArticleAdminForm, SetCategoryForm
from ..images.uploads import store_uploaded_image
from ..models import Article, Image, Revision
from ..revisions.deletions import record_deletions
from ..revisions.snapshots import record_revisions
from ..services import stories_changed, watch_publication
from .changelist import EstimatedCountPaginator, StrictModelAdmin
from .clusters import ClusterActionsMixin
from .decisions import DecisionsMixin, state_label, stories
from .deletions import StoryDeletionMixin
from .filters import (
    ArrivalFilter,
    BelowGateFilter,
    CategoryFilter,
    ProviderFilter,
    QualityBandFilter,
    ReviewFilter,
    ScheduledFilter,
    SourceHealthFilter,
    StateFilter,
    TopicFilter,
)
from .imports import StoryImportMixin
from .inlines import FreshTablesMixin, ImageInline, RelatedLinkInline, thumbnail_html
from .previews import PreviewLinksMixin
from .ranking import RankingMixin
from .revisions import RevisionsMixin
from .triage import TriageMixin
from .versions import VersionedListForm, posted_version, stale_message, stale_rows, version_input

# What the last import read and the source-link checks found: shown, never edited.
SOURCE_FIELDS = [
    "source_name",
    "imported_at",
    "content_hash",
    "secured",
    "featured_content",
    "source_checked_at",
    "source_broken_at",
]


@admin.register(Article)
class ArticleAdmin(
    PreviewLinksMixin,
    TriageMixin,
    DecisionsMixin,
    ClusterActionsMixin,
    RankingMixin,
    RevisionsMixin,
    StoryImportMixin,
    FreshTablesMixin,
    StoryDeletionMixin,
    StrictModelAdmin,
):
    form = ArticleAdminForm
    list_display = [
        "thumbnail",
        "title",
        "provider_name",
        "quality_badge",
        "heat_display",
        "published",
        "published_on",
        "topics_display",
        "state_display",
    ]
    list_display_links = ["title"]
    # Only for users who may publish: see get_changelist_instance.
    list_editable = ["published"]
    list_filter = [
        StateFilter,
        ReviewFilter,
        ArrivalFilter,
        ScheduledFilter,
        BelowGateFilter,
        QualityBandFilter,
        ProviderFilter,
        TopicFilter,
        ("category", CategoryFilter),
        SourceHealthFilter,
    ]
    list_select_related = ["provider", "reviewed_by"]
    list_per_page = 50
    search_fields = ["title", "excerpt", "provider__name", "provider__domain", "web_url", "original_url"]
    search_help_text = "Title, excerpt, provider name or domain, or URL."
    date_hierarchy = "published_at"
    sortable_by = ["title", "quality_badge", "heat_display", "published", "published_on", "state_display"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = [
        "publish",
        "schedule",
        "reject",
        "hold",
        "unpublish",
        "add_topic",
        "set_category",
        "merge_into",
        "split_cluster",
        "pin_to_top",
        "bury",
        "lift_rank_override",
    ]
    autocomplete_fields = ["provider"]
    inlines = [RelatedLinkInline, ImageInline]
    readonly_fields = ["review_record", *SOURCE_FIELDS]
    fieldsets = [
        ("Story", {"fields": ["title", "excerpt", "correction", "category", "type", "published_at", "provider"]}),
        ("Links", {"fields": ["web_url", "original_url", "amp_url", "cdn_amp_url"]}),
        (
            "Editorial",
            {
                "fields": [
                    "review_record",
                    "quality",
                    "heat",
                    "published",
                    "publish_at",
                    "unpublish_at",
                    "override_reason",
                    "topic_names",
                ]
            },
        ),
        ("Images", {"fields": ["upload_image"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": SOURCE_FIELDS,
            },
        ),
    ]

    @property
    def media(self):
        # The autocomplete list filters need select2 on the changelist too.
        widget = AutocompleteSelect(Article._meta.get_field("provider"), self.admin_site)
        extra = forms.Media(
            css={"all": ["admin_extra/admin.css"]},
            js=["admin/js/jquery.init.js", "admin_extra/autocomplete_filter.js"],
        )
        return super().media + widget.media + extra

    # --- Reads ---------------------------------------------------------------

    def get_queryset(self, request):
        # The lead image only: one row per story whatever its number of images.
        lead_images = Image.objects.annotate(
            rank=Window(RowNumber(), partition_by=[F("article_id")], order_by=[F("position").asc(), F("id").asc()])
        ).filter(rank=1)
        return (
            super()
            .get_queryset(request)
            .with_topics()
            .prefetch_related(Prefetch("images", queryset=lead_images, to_attr="lead_images"))
            # The date hierarchy's years without a scan of every story's date.
            .with_fast_year_dates()
        )

    def get_ordering(self, request):
        if request.GET.get(ReviewFilter.parameter_name) == ReviewFilter.NEEDED:
            return ["-quality", "-published_at", "-id"]
        return super().get_ordering(request)

    # --- Permissions ---------------------------------------------------------

    def has_add_permission(self, request):
        # Stories come in through imports, which give each its slug and source;
        # the Import stories page is the way to add them from the browser.
        return False

    def has_publish_permission(self, request):
        return self.has_change_permission(request) and request.user.has_perm("articles.publish_article")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # The override reason is for those who may publish; read-only, the topics are a list.
        hidden = set() if self.has_publish_permission(request) else {"override_reason"}
        if not self.has_change_permission(request, obj):
            hidden.add("correction")
        shown = {} if self.has_change_permission(request, obj) else {"topic_names": "topics_display"}
        return [
            (name, {**options, "fields": [shown.get(f, f) for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += ["published", "publish_at", "unpublish_at"]
        return readonly

    def get_list_editable(self, request):
        return self.list_editable if self.has_publish_permission(request) else ()

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Without the permission there is no formset at all, so a forged bulk
        # edit POST has nothing to save.
        if not changelist.is_popup:
            changelist.list_editable = self.get_list_editable(request)
        return changelist

    def get_changelist_form(self, request, **kwargs):
        # Only the editable column; the default would build a field for every column of the model.
        kwargs.setdefault("fields", self.list_editable)
        stale = request.__dict__.setdefault("stale_stories", [])
        kwargs.setdefault("form", type("StoryListForm", (VersionedListForm,), {"stale_stories": stale}))
        return super().get_changelist_form(request, **kwargs)

    def response_action(self, request, queryset):
        """A bulk action leaves out the rows that changed since the list was loaded, and says so."""
        if self.valid_selection(request):  # else the list says so (StrictModelAdmin)
            selected = [int(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)]
            stale = stale_rows(request.POST, selected[:1000])
            if stale:
                self.message_user(request, stale_message(list(stale.values()), action=True), messages.WARNING)
                queryset = queryset.exclude(pk__in=stale)
        return super().response_action(request, queryset)

    def get_changelist_formset(self, request, **kwargs):
        if not self.get_list_editable(request):
            raise PermissionDenied
        return super().get_changelist_formset(request, **kwargs)

    # --- Columns -------------------------------------------------------------

    @admin.display(description="Image")
    def thumbnail(self, obj):
        images = getattr(obj, "lead_images", None) or [None]
        return thumbnail_html(images[0])

    @admin.display(description="Provider", ordering="provider__name")
    def provider_name(self, obj):
        return obj.provider.name if obj.provider else "—"

    @admin.display(description="Quality", ordering="quality")
    def quality_badge(self, obj):
        band = obj.quality_band
        return format_html(
            '<span class="quality-badge quality-badge--{}">{} <span class="quality-badge__label">{}</span></span>',
            band.key,
            obj.quality,
            band.label,
        )

    @admin.display(description="Heat", ordering="heat")
    def heat_display(self, obj):
        return "not computed" if obj.heat == -1 else obj.heat

    @admin.display(description="Date", ordering="published_at")
    def published_on(self, obj):
        return obj.published_at

    @admin.display(description="Topics")
    def topics_display(self, obj):
        return ", ".join(topic.name for topic in obj.topic_list)

    @admin.display(description="State", ordering="status")
    def state_display(self, obj):
        state = format_html(
            '<span class="review-state review-state--{}">{}</span>', obj.status, state_label(obj, short=True)
        )
        # The version this row shows, posted with list edits and actions (versions.py).
        return format_html("{}{}", state, version_input(obj))

    @admin.display(description="State")
    def review_record(self, obj):
        if obj is None:
            return "—"
        return state_label(obj)

    def view_on_site(self, obj):
        # Published: the public page. Unpublished: the same page, which shows
        # staff a preview (the change form labels the link accordingly).
        try:
            return obj.get_absolute_url()
        except NoReverseMatch:  # the public site's URLs are not installed
            return None

    # --- Writes --------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            editorial.save_story(
                article=obj,
                expected_version=form.cleaned_data.get("version") or obj.version,
                user=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
                correction_note=form.cleaned_data.get("correction", ""),
            )
        else:
            super().save_model(request, obj, form, change)
            # A story added as published is news for the subscribers too.
            watch_publication([]).changed(ids=[obj.pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Only when the editor changed them: a form opened before a colleague's (or a rename's)
        # change of the topics would otherwise put the old names back.
        if "topic_names" in form.cleaned_data and (not change or "topic_names" in form.changed_data):
            editorial.set_topics(article=form.instance, names=form.cleaned_data["topic_names"])
        upload = form.cleaned_data.get("upload_image")
        if upload:
            image = store_uploaded_image(
                article=form.instance, uploaded_file=upload, base_url=request.build_absolute_uri("/")
            )
            self.message_user(
                request,
                f"Added the image {upload.name} ({image.stored_width}×{image.stored_height}).",
                messages.SUCCESS,
            )
        # The related coverage and images of the inline forms, and a new story. An edit moves a list of
        # stories only through what save_model's save_story() and set_topics() compared, and counted.
        stories_changed([form.instance.pk], listed=not change)
        source = Revision.Source.FORM if isinstance(form, ArticleAdminForm) else Revision.Source.LIST
        message = change_summary(form, change, formsets)
        if form.cleaned_data.get("correction"):
            message += f" Correction: {form.cleaned_data['correction']}"
        if form.cleaned_data.get("override_reason") and "published" in form.changed_data:
            message += f" Published below the quality gate; override: {form.cleaned_data['override_reason']}"
        record_revisions([form.instance.pk], user=request.user, source=source, message=message)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Article.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            # Recorded (Deleted stories), or the next import of their files would bring them back.
            record_deletions(ids, user=request.user)
            super().delete_queryset(request, queryset)
        stories_changed(ids)

    # --- Actions -------------------------------------------------------------

    @admin.action(description="Add a topic to selected stories", permissions=["change"])
    def add_topic(self, request, queryset):
        self._require(self.has_change_permission(request))
        form = AddTopicForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            topic = form.cleaned_data["topic"]
            count = editorial.add_topic(queryset=queryset, user=request.user, topic=topic)
            self.message_user(request, f"Added the topic “{topic}” to {stories(count)}.", messages.SUCCESS)
            return None
        return self._action_form(request, queryset, form, action="add_topic", title="Add a topic", submit="Add topic")

    @admin.action(description="Set the category of selected stories", permissions=["change"])
    def set_category(self, request, queryset):
        self._require(self.has_change_permission(request))
        form = SetCategoryForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            category = form.cleaned_data["category"]
            count = editorial.set_category(queryset=queryset, user=request.user, category=category)
            self.message_user(request, f"Moved {stories(count)} to the category “{category}”.", messages.SUCCESS)
            return None
        categories = (
            Article.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct()
        )
        return self._action_form(
            request,
            queryset,
            form,
            action="set_category",
            title="Set the category",
            submit="Set category",
            extra={"categories": categories[:200]},
        )

    def _action_form(self, request, queryset, form, *, action, title, submit, extra=None):
        """The intermediate page of an action that needs a value; it posts back to the changelist.

        It carries the selected rows that were not refused as stale, each with
        the version the list showed: the apply step is checked again
        (response_action), so a colleague's change made while this page is
        open is not overwritten either.
        """
        kept = set(queryset.values_list("pk", flat=True)) if request.POST.get("select_across") != "1" else None
        selected = [
            (pk, posted_version(request.POST, pk))
            for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)
            if kept is None or (pk.isascii() and pk.isdigit() and int(pk) in kept)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "action": action,
            "submit_label": submit,
            "selected": selected,
            "select_across": request.POST.get("select_across", "0"),
            "count": queryset.count(),
            "sample": queryset.values_list("title", flat=True)[:10],
            "media": self.media + form.media,
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/articles/article/action_form.html", context)

    # --- Changelist -----------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_import": self.has_import_permission(request),
            "review_param": ReviewFilter.parameter_name,
            "review_needed": ReviewFilter.NEEDED,
            # Triage of the stories the list shows, as far as its filters are triage's too.
            "triage_query": urlencode(self.triage_filters(request)),
            "can_triage": self.has_change_permission(request),
            **(extra_context or {}),
        }
        response = super().changelist_view(request, extra_context=extra_context)
        # Rows of a list edit refused for being stale (get_changelist_form).
        if getattr(request, "stale_stories", None):
            self.message_user(request, stale_message(request.stale_stories), messages.ERROR)
        return response


def change_summary(form, change, formsets=()):
    """What a form save changed, in the words of its labels and its tables' names."""
    if not change:
        return "Added."
    labels = [
        str(form.fields[name].label or name).lower()
        for name in form.changed_data
        if name not in ("version", "base_version", "opened")
    ] + [str(formset.model._meta.verbose_name_plural) for formset in formsets if formset.has_changed()]
    return f"Changed {', '.join(labels)}." if labels else "Saved without changes."
