import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import cached_property
from django.utils.html import format_html

from . import editorial
from .changelist import StrictModelAdmin, make_strict
from .conf import newsroom_settings
from .forms import (
    AddTopicForm,
    ArticleAdminForm,
    ImageAdminForm,
    PositionedInlineFormSet,
    RelatedLinkAdminForm,
    SetCategoryForm,
    StoryUploadForm,
)
from .images import store_uploaded_image
from .models import Article, Image, RelatedLink, TaggedArticle, Topic
from .services import stories_changed, topics_changed
from .stories.parse import FixtureError, Limits, parse_story_bytes
from .stories.uploads import UploadError, UploadLimits, discard_upload, load_upload, purge_uploads, store_upload
from .stories.write import CREATED, UPDATED, ImportReport, import_parsed

# --- Quality bands -----------------------------------------------------------


@dataclass(frozen=True)
class QualityBand:
    key: str
    label: str
    low: int | None  # inclusive
    high: int | None  # exclusive

    def filter(self, queryset):
        if self.low is not None:
            queryset = queryset.filter(quality__gte=self.low)
        if self.high is not None:
            queryset = queryset.filter(quality__lt=self.high)
        return queryset


QUALITY_BANDS = [
    QualityBand("red", "Low", None, 40),
    QualityBand("amber", "Medium", 40, 70),
    QualityBand("green", "High", 70, None),
]


def quality_band(quality: int) -> QualityBand:
    for band in QUALITY_BANDS:
        if (band.low is None or quality >= band.low) and (band.high is None or quality < band.high):
            return band
    raise ValueError(quality)


# --- The changelist's count --------------------------------------------------


class EstimatedCountPaginator(Paginator):
    """Counts exactly, except the whole of a large table on PostgreSQL.

    COUNT(*) reads every row on PostgreSQL; the unfiltered story list is the
    page editors open most, so there it takes the planner's estimate (kept
    fresh by autovacuum) once the table is past `exact_below` rows. Filtered
    lists are smaller and exact counts matter there.
    """

    exact_below = 50_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = table_row_estimate(queryset.model, using=queryset.db)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
        return super().count


def table_row_estimate(model, *, using) -> int | None:
    """The planner's row count of `model`'s table, or None where the database keeps none."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    # -1: never analysed yet.
    return row[0] if row and row[0] >= 0 else None


# --- List filters ------------------------------------------------------------


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"
    NEEDED = "needed"

    def lookups(self, request, model_admin):
        return [(self.NEEDED, "Needs review"), ("done", "Reviewed")]

    def queryset(self, request, queryset):
        if self.value() == self.NEEDED:
            return queryset.needs_review()
        if self.value() == "done":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


class QualityBandFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "quality_band"

    def lookups(self, request, model_admin):
        return [
            ("red", "Low (below 40)"),
            ("amber", "Medium (40 to 69)"),
            ("green", "High (70 and above)"),
        ]

    def queryset(self, request, queryset):
        for band in QUALITY_BANDS:
            if self.value() == band.key:
                return band.filter(queryset)
        return queryset


class AutocompleteFilter(admin.SimpleListFilter):
    """A filter on a relation with too many values to list: a select2 box fed by the
    related admin's autocomplete view (Django has no such list filter built in)."""

    template = "admin/articles/autocomplete_filter.html"
    # The widget's source field (its remote model's admin answers the searches)
    # and the lookup that filters the stories.
    source_field = None
    lookup = None

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(**{self.lookup: self.clean_id(value)})

    def clean_id(self, value):
        """The id the query string gives, or IncorrectLookupParameters (a redirect to ?e=1, not a 500)."""
        # isdigit() alone takes "²", which int() refuses.
        if not (value.isascii() and value.isdigit()):
            raise IncorrectLookupParameters(f"{self.parameter_name} must be an id")
        try:
            # The column's range (32 or 64 bits, by database): past it the query itself fails.
            self.source_field().target_field.run_validators(int(value))
        except ValidationError as exc:
            raise IncorrectLookupParameters(f"{self.parameter_name} is out of range") from exc
        return int(value)

    def widget_html(self, model_admin):
        field = self.source_field()
        choice = forms.ModelChoiceField(
            queryset=field.remote_field.model._default_manager.all(),
            required=False,
            widget=AutocompleteSelect(field, model_admin.admin_site),
        )
        return choice.widget.render(self.parameter_name, self.value(), attrs={"id": f"filter_{self.parameter_name}"})

    def choices(self, changelist):
        yield {
            "selected": bool(self.value()),
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name]),
            # Changing the value starts again from page 1 with every other filter kept.
            "hidden": [
                (name, value)
                for name, values in changelist.filter_params.items()
                if name != self.parameter_name
                for value in values
            ],
            "widget": self.widget_html(changelist.model_admin),
            "input_id": f"filter_{self.parameter_name}",
        }


class ProviderFilter(AutocompleteFilter):
    title = "provider"
    parameter_name = "provider"
    lookup = "provider"

    @staticmethod
    def source_field():
        return Article._meta.get_field("provider")


class TopicFilter(AutocompleteFilter):
    title = "topic"
    parameter_name = "topic"
    lookup = "tagged_topics__tag"

    @staticmethod
    def source_field():
        return TaggedArticle._meta.get_field("tag")


# --- Inlines -----------------------------------------------------------------


def thumbnail_html(image, *, box=(80, 60)):
    """An <img> scaled into `box`, with its size given so that the list does not jump as images load."""
    if image is None:
        return "—"
    width, height = box
    true_width, true_height = image.display_width, image.display_height
    if true_width and true_height:
        scale = min(box[0] / true_width, box[1] / true_height)
        width, height = max(1, round(true_width * scale)), max(1, round(true_height * scale))
    # no-referrer: the admin's URLs are nobody else's business when the image is remote.
    return format_html(
        '<img src="{}" width="{}" height="{}" loading="lazy" alt="" class="story-thumb" referrerpolicy="no-referrer">',
        image.thumbnail_url,
        width,
        height,
    )


class PositionedInline(admin.TabularInline):
    formset = PositionedInlineFormSet
    ordering = ["position", "id"]
    extra = 0

    @admin.display(description="Position")
    def order(self, obj):
        # Shown to those who may only view; editors get the form's `order` field.
        return obj.position


class RelatedLinkInline(PositionedInline):
    model = RelatedLink
    form = RelatedLinkAdminForm
    fields = ["order", "title", "provider", "quality", "published_at", "web_url", "type"]
    autocomplete_fields = ["provider"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "provider":
            # A row of the table is no place to edit providers: keep it to the search box.
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return formfield


class ImageInline(PositionedInline):
    model = Image
    fk_name = "article"
    form = ImageAdminForm
    fields = ["preview", "order", "url", "width", "height", "is_cached", "local_copy"]
    readonly_fields = ["preview", "local_copy"]

    @admin.display(description="Image")
    def preview(self, image):
        return thumbnail_html(image) if image.pk else "—"

    @admin.display(description="Our copy")
    def local_copy(self, image):
        """What cache_images found: the true size, where the fixture's claims were wrong, or why it failed."""
        if image.has_local_copy:
            claims = "; ".join(
                f"the file claims {name} {claimed}, it is {true}"
                for name, (claimed, true) in image.claims_mismatch.items()
            )
            return format_html(
                "{}×{} {}, {} KB{}",
                image.stored_width,
                image.stored_height,
                image.stored_format,
                round((image.stored_bytes or 0) / 1024),
                format_html('<br><strong class="claims-wrong">{}</strong>', claims) if claims else "",
            )
        if image.fetch_error:
            return format_html(
                '<span class="fetch-failed">Failed {}: {}</span>',
                image.fetch_failed_at.strftime("%Y-%m-%d %H:%M") if image.fetch_failed_at else "",
                image.fetch_error,
            )
        return "Not cached yet"


# --- Topics ------------------------------------------------------------------


@admin.register(Topic)
class TopicAdmin(StrictModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        topics_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        topics_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        topics_changed()


# --- Stories -----------------------------------------------------------------


def upload_limits() -> UploadLimits:
    return UploadLimits.from_config(newsroom_settings.IMPORT)


def import_limits() -> Limits:
    return Limits.from_config(newsroom_settings.IMPORT)


def upload_root() -> Path:
    """Where uploads wait between preview and confirmation: a folder every server process of the host sees."""
    return Path(newsroom_settings.IMPORT["UPLOAD_DIR"] or Path(tempfile.gettempdir()) / "newsroom-uploads")


UPLOAD_SESSION_KEY = "articles_pending_import"
# A preview nobody confirmed within this many seconds is thrown away.
UPLOAD_MAX_AGE = 6 * 3600


def parsed_upload(upload, *, limits):
    """(name, StoryData | FixtureError) pairs for import_parsed, in upload order."""
    for item in upload.files:
        try:
            yield item.name, parse_story_bytes(item.data, filename=item.name, limits=limits)
        except FixtureError as exc:
            yield item.name, exc
    for name, message in upload.errors:
        yield name, FixtureError(message, filename=name)


def import_upload(upload, *, dry_run, may_publish):
    """import_parsed over an upload; every file's result, in the order the files were uploaded.

    Without `may_publish` (an Importer who is not an Editor) the files' publish
    flags are not taken: new stories arrive unpublished.
    """
    report = import_parsed(
        parsed_upload(upload, limits=import_limits()),
        dry_run=dry_run,
        may_publish=may_publish,
        report=ImportReport(keep_all=True),
    )
    names = [item.name for item in upload.files] + [name for name, _ in upload.errors]
    order = {}
    for index, name in enumerate(names):
        order.setdefault(name, index)
    report.results.sort(key=lambda result: order.get(result.path, len(order)))
    return report


def stories(count):
    return f"{count} {'story' if count == 1 else 'stories'}"


@admin.register(Article)
class ArticleAdmin(StrictModelAdmin):
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
        "review_state",
    ]
    list_display_links = ["title"]
    # Only for users who may publish: see get_changelist_instance.
    list_editable = ["published"]
    list_filter = ["published", ReviewFilter, QualityBandFilter, ProviderFilter, TopicFilter, "category"]
    list_select_related = ["provider", "reviewed_by"]
    list_per_page = 50
    search_fields = ["title", "excerpt", "provider__name", "provider__domain", "web_url", "original_url"]
    search_help_text = "Title, excerpt, provider name or domain, or URL."
    date_hierarchy = "published_at"
    sortable_by = ["title", "quality_badge", "heat_display", "published", "published_on", "review_state"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["publish", "unpublish", "mark_reviewed", "add_topic", "set_category"]
    autocomplete_fields = ["provider"]
    inlines = [RelatedLinkInline, ImageInline]
    readonly_fields = ["review_record", "source_name", "imported_at", "content_hash", "secured", "featured_content"]
    fieldsets = [
        ("Story", {"fields": ["title", "excerpt", "category", "type", "published_at", "provider"]}),
        ("Links", {"fields": ["web_url", "original_url", "amp_url", "cdn_amp_url"]}),
        ("Editorial", {"fields": ["quality", "heat", "published", "topic_names", "reviewed", "review_record"]}),
        ("Images", {"fields": ["upload_image"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": ["source_name", "imported_at", "content_hash", "secured", "featured_content"],
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

    def has_import_permission(self, request):
        return request.user.has_perm("articles.import_stories")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # Read-only: the topics as a list, and no "mark as reviewed" box.
        shown = {"topic_names": "topics_display"}
        return [
            (name, {**options, "fields": [shown.get(f, f) for f in options["fields"] if f != "reviewed"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly.append("published")
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
        return super().get_changelist_form(request, **kwargs)

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
        band = quality_band(obj.quality)
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

    @admin.display(description="Reviewed", ordering="reviewed_at")
    def review_state(self, obj):
        if obj.reviewed_at is None:
            return format_html('<span class="review-state review-state--needed">{}</span>', "Needs review")
        return format_html(
            '<span class="review-state review-state--done">{}</span>',
            f"Reviewed by {obj.reviewed_by.get_username()}" if obj.reviewed_by else "Reviewed",
        )

    @admin.display(description="Review")
    def review_record(self, obj):
        if obj is None or obj.reviewed_at is None:
            return "Not reviewed yet."
        who = obj.reviewed_by.get_username() if obj.reviewed_by else "a former user"
        return f"Reviewed by {who} on {obj.reviewed_at:%Y-%m-%d %H:%M} UTC."

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
            if "reviewed" in form.fields:
                reviewed = form.cleaned_data["reviewed"]
            else:
                # The list's published toggle: a decision on the story, as the publish actions are.
                reviewed = True if "published" in form.changed_data else None
            editorial.save_story(
                article=obj,
                expected_version=form.cleaned_data.get("version") or obj.version,
                user=request.user,
                reviewed=reviewed,
            )
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "topic_names" in form.cleaned_data:
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
        # The related coverage and images of the inline forms, and a new story.
        stories_changed([form.instance.pk])

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        stories_changed([pk])

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        stories_changed(ids)

    # --- Actions -------------------------------------------------------------

    def _require(self, allowed):
        # get_actions already hides the action; this refuses a forged request
        # that reaches the method some other way.
        if not allowed:
            raise PermissionDenied

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish(self, request, queryset):
        self._require(self.has_publish_permission(request))
        count = editorial.publish_stories(queryset=queryset, user=request.user)
        self.message_user(request, f"Published {stories(count)}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected stories", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._require(self.has_publish_permission(request))
        count = editorial.unpublish_stories(queryset=queryset, user=request.user)
        self.message_user(request, f"Unpublished {stories(count)}.", messages.SUCCESS)

    @admin.action(description="Mark selected stories as reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        self._require(self.has_change_permission(request))
        count = editorial.mark_reviewed(queryset=queryset, user=request.user)
        self.message_user(request, f"Marked {stories(count)} as reviewed.", messages.SUCCESS)

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
        """The intermediate page of an action that needs a value; it posts back to the changelist."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "action": action,
            "submit_label": submit,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "count": queryset.count(),
            "sample": queryset.values_list("title", flat=True)[:10],
            "media": self.media + form.media,
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/articles/article/action_form.html", context)

    # --- Changelist and import page -------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_import": self.has_import_permission(request),
            "review_param": ReviewFilter.parameter_name,
            "review_needed": ReviewFilter.NEEDED,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="articles_article_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload fixture files, preview what importing them would do, then import exactly that."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import stories",
            "has_view_permission": self.has_view_permission(request),
        }
        step = request.POST.get("step") if request.method == "POST" else None
        if step == "confirm":
            return self._import_confirm(request, context)
        if step == "cancel":
            self._forget_pending_import(request)
            self.message_user(request, "Import cancelled; nothing was written.", messages.INFO)
            return HttpResponseRedirect(request.path)

        limits = upload_limits()
        if request.method == "POST":
            # Bound whatever the POST holds: an empty one is an upload without files.
            form = StoryUploadForm(request.POST, request.FILES, limits=limits)
        else:
            form = StoryUploadForm(limits=limits)
        if form.is_valid():
            upload = form.cleaned_data["upload"]
            report = import_upload(upload, dry_run=True, may_publish=self.has_publish_permission(request))
            self._forget_pending_import(request)
            purge_uploads(root=upload_root(), max_age=UPLOAD_MAX_AGE)
            token = store_upload(upload, root=upload_root(), owner=str(request.user.pk))
            request.session[UPLOAD_SESSION_KEY] = {"token": token, "digest": upload.digest}
            context.update(
                step="preview",
                title="Import stories: preview",
                report=report,
                upload=upload,
                token=token,
                importable=report.created + report.updated,
            )
        else:
            context.update(step="upload", form=form, limits=limits)
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _import_confirm(self, request, context):
        pending = request.session.get(UPLOAD_SESSION_KEY) or {}
        token = request.POST.get("token", "")
        # The token must be the one this session was given at preview time; a
        # token from anyone else's preview is worthless here.
        if not pending.get("token") or not constant_time_compare(token, pending["token"]):
            self.message_user(
                request, "This import is unknown or was already done; upload the files again.", messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        root = upload_root()
        try:
            upload = load_upload(token, root=root, owner=str(request.user.pk), digest=pending["digest"])
        except UploadError as exc:
            self._forget_pending_import(request)
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.path)
        report = import_upload(upload, dry_run=False, may_publish=self.has_publish_permission(request))
        self._forget_pending_import(request)
        editorial.log_import(
            user=request.user,
            created=[result.article_id for result in report.results if result.status == CREATED],
            updated=[result.article_id for result in report.results if result.status == UPDATED],
            source="an upload in the admin",
        )
        level = messages.WARNING if report.failed else messages.SUCCESS
        self.message_user(request, f"Import done: {report.summary()}.", level)
        context.update(step="done", title="Import stories: done", report=report, upload=upload)
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _forget_pending_import(self, request):
        pending = request.session.pop(UPLOAD_SESSION_KEY, None)
        if pending:
            discard_upload(pending["token"], root=upload_root())


def changelist_url(**params) -> str:
    """The story list filtered by `params` (a filter's parameter_name: value)."""
    url = reverse("admin:articles_article_changelist")
    return f"{url}?{urlencode(params)}" if params else url


# --- Other apps' admins ------------------------------------------------------


def make_other_admins_strict(site):
    """Django's user and group lists, taggit's and django-axes' failed on the same query strings ours did."""
    for model in apps.get_models():
        if site.is_registered(model) and not isinstance(site.get_model_admin(model), StrictModelAdmin):
            make_strict(site, model)


# Their apps come before ours in INSTALLED_APPS: the admin's autodiscovery has
# registered them by now (a test checks that none is left out).
make_other_admins_strict(admin.site)
