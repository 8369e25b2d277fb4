"""The outlets' admin. It lives with the stories' admin, not in the providers app: its list shows each
outlet's story count, average quality and share published, and links to its stories, and `providers`
knows nothing of `articles`."""

from django.contrib import admin
from django.db.models import Avg, Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html

from providers.models import Provider

from ..models import Article
from ..services import providers_changed
from .analytics import ProviderAnalyticsMixin
from .changelist import StrictModelAdmin, changelist_url
from .filters import ProviderFilter


def _per_provider(aggregate):
    """`aggregate` over the provider's stories, as a correlated subquery.

    Evaluated only for the providers on the page (and the autocomplete's
    twenty), where a JOIN and GROUP BY would aggregate every story first.
    """
    return Subquery(
        Article.objects.filter(provider=OuterRef("pk"))
        .order_by()
        .values("provider")
        .annotate(value=aggregate)
        .values("value")[:1]
    )


@admin.register(Provider)
class ProviderAdmin(ProviderAnalyticsMixin, StrictModelAdmin):
    list_display = ["name", "domain", "stories_link", "average_quality", "share_published"]
    search_fields = ["name", "domain"]
    search_help_text = "Name or domain."
    readonly_fields = ["created_at", "updated_at"]
    fields = ["name", "domain", "slug", "logos", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["domain"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                story_count=Coalesce(_per_provider(Count("pk")), 0, output_field=IntegerField()),
                published_count=Coalesce(
                    _per_provider(Count("pk", filter=Q(published=True))), 0, output_field=IntegerField()
                ),
                quality_average=_per_provider(Avg("quality")),
            )
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        providers_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        providers_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        providers_changed()

    @admin.display(description="Stories", ordering="story_count")
    def stories_link(self, provider):
        return format_html(
            '<a href="{}">{}</a>', changelist_url(**{ProviderFilter.parameter_name: provider.pk}), provider.story_count
        )

    @admin.display(description="Average quality", ordering="quality_average")
    def average_quality(self, provider):
        return "—" if provider.quality_average is None else round(provider.quality_average)

    @admin.display(description="Published")
    def share_published(self, provider):
        if not provider.story_count:
            return "—"
        return f"{100 * provider.published_count / provider.story_count:.0f}%"
