"""The story form's tables of related coverage and images, in an order editors can change."""

from django.contrib import admin, messages
from django.utils.html import format_html

from ..inline_forms import ImageAdminForm, PositionedInlineFormSet, RelatedLinkAdminForm
from ..models import Image, RelatedLink


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


class FreshTablesMixin:
    """For ArticleAdmin: a form whose tables' rows were written anew since it was opened can still be saved."""

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # Rows are written anew only with a new version of the story: a form of the version it is
        # at needs no look.
        if "data" in kwargs and obj is not None and obj.pk and request.POST.get("version") != str(obj.version):
            posted = {
                value for key, value in request.POST.items() if key.startswith(f"{prefix}-") and key.endswith("-id")
            }
            current = {str(pk) for pk in kwargs["queryset"].filter(article=obj).values_list("pk", flat=True)}
            if posted - current - {""}:
                # An import (or a restore) wrote these rows anew since the form was opened: the
                # posted rows no longer exist, and the form could never be saved again. The
                # table starts afresh from the rows as they are; the rest of the form is kept.
                del kwargs["data"], kwargs["files"]
                self.message_user(
                    request,
                    f"The story's {inline.model._meta.verbose_name_plural} were replaced since you opened it"
                    " (an import or a restore): they are shown as they are now, and your changes to them"
                    " were not kept.",
                    messages.WARNING,
                )
        return kwargs
