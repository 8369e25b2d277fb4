"""The story form's tables of related coverage and images, in an order editors can change."""

from django.contrib import admin, messages
from django.utils.html import format_html

from ..forms import content_at
from ..inline_forms import ImageAdminForm, PositionedInlineFormSet, RelatedLinkAdminForm
from ..models import Image, RelatedLink, Revision
from ..revisions.snapshots import current_contents
from ..templatetags.newsroom import http_url
from .changelist import object_id_number


def thumbnail_html(image, *, box=(80, 60)):
    """An <img> scaled into `box`, with its size given so that the list does not jump as images load."""
    if image is None:
        return "—"
    if image.thumbnail_url == image.url:
        # Not cached yet: the admin loads no outlet's server (its policy allows our own images only,
        # and an editor's visit is nobody else's business), so the box links to the picture instead.
        href = http_url(image.url)
        return (
            format_html(
                '<a class="story-thumb story-thumb--remote" href="{}" rel="noopener noreferrer" target="_blank"'
                ' title="Not cached yet: open the outlet\'s picture">not cached</a>',
                href,
            )
            if href
            else "—"
        )
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


# The story's content (articles.revisions.content) that each table of the form edits.
TABLE_CONTENT = {"relatedlink": "related", "image": "images"}


class FreshTablesMixin:
    """For ArticleAdmin: a form of an older version never writes its tables over a colleague's (or an import's).

    A table whose rows were written anew since the form was opened, or that
    someone else changed meanwhile, starts afresh from its rows as they are,
    with a warning; the rest of the form is kept, and a second save writes it.
    """

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        opened = request.POST.get("version", "")
        # A form of the version the story is at needs no look.
        if "data" not in kwargs or obj is None or not obj.pk or opened == str(obj.version):
            return kwargs
        posted = {value for key, value in request.POST.items() if key.startswith(f"{prefix}-") and key.endswith("-id")}
        current = {str(pk) for pk in kwargs["queryset"].filter(article=obj).values_list("pk", flat=True)}
        tables = inline.model._meta.verbose_name_plural
        if posted - current - {""}:
            # The posted rows no longer exist: the form could never be saved again.
            warning = f"The story's {tables} were replaced since you opened it (an import or a restore)"
        elif _changed_since(request, obj, opened, TABLE_CONTENT.get(inline.model._meta.model_name)):
            # Saving the rows as the form showed them would quietly undo the colleague's change.
            warning = f"{_last_author(obj)} changed the story's {tables} since you opened it"
        else:
            return kwargs
        del kwargs["data"], kwargs["files"]
        self.message_user(
            request,
            f"{warning}: they are shown as they are now, and your changes to them were not kept.",
            messages.WARNING,
        )
        return kwargs


def _changed_since(request, article, opened, key):
    """Whether the story's `key` content (its related coverage, its images) differs from the version `opened`.

    Without that version's revision (pruned) it is taken as changed: a colleague's work is not risked.
    """
    if key is None:
        return False
    if not hasattr(request, "_newsroom_opened_content"):
        version = object_id_number(opened)
        then = content_at(article, version) if version is not None else None
        request._newsroom_opened_content = (then, current_contents([article.pk])[article.pk])
    then, now = request._newsroom_opened_content
    return then is None or then.get(key) != now.get(key)


def _last_author(article):
    revision = Revision.last_applied(article)
    return revision.author if revision else "Someone"
