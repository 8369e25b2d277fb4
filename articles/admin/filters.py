"""The story list's filters: the review queue, quality bands, and provider and topic search boxes."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Article, TaggedArticle
from ..quality import QUALITY_BANDS


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"
    NEEDED = "needed"
    PENDING = "pending"

    def lookups(self, request, model_admin):
        return [(self.NEEDED, "Needs review"), (self.PENDING, "Importers' changes waiting"), ("done", "Decided")]

    def queryset(self, request, queryset):
        if self.value() == self.NEEDED:
            return queryset.needs_review()
        if self.value() == self.PENDING:
            return queryset.with_pending_changes()
        if self.value() == "done":
            return queryset.exclude(status=Article.Status.WAITING)
        return queryset


class SourceHealthFilter(admin.SimpleListFilter):
    """The source-link checks (articles.jobs.links): broken sources are the ones to look at."""

    title = "source link"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [
            ("broken", "Broken (failed twice in a row)"),
            ("failing", "Failed its last check"),
            ("never", "Not checked yet"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "broken":
            return queryset.broken_sources()
        if self.value() == "failing":
            return queryset.filter(source_failures__gt=0)
        if self.value() == "never":
            return queryset.filter(source_checked_at__isnull=True)
        return queryset


class StateFilter(admin.SimpleListFilter):
    """Where stories stand (Article.Status); "taken down by an import" is the dashboard's own link."""

    title = "state"
    parameter_name = "state"
    BY_IMPORT = "taken_down_by_import"
    HELD = "held"

    def lookups(self, request, model_admin):
        return [
            *Article.Status.choices,
            (self.HELD, "Waiting, held"),
            (self.BY_IMPORT, "Taken down by an import"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.BY_IMPORT:
            return queryset.taken_down_by_import()
        if value == self.HELD:
            return queryset.waiting().filter(held_at__isnull=False)
        if value in Article.Status.values:
            return queryset.in_state(value)
        return queryset


class ArrivalFilter(admin.SimpleListFilter):
    """When stories came in: "imported today" counts from local midnight, "this week" from Monday's."""

    title = "imported"
    parameter_name = "imported"
    TODAY = "today"
    WEEK = "week"

    def lookups(self, request, model_admin):
        return [(self.TODAY, "Today"), (self.WEEK, "This week")]

    def queryset(self, request, queryset):
        if self.value() == self.TODAY:
            return queryset.arrived_since(start_of_today())
        if self.value() == self.WEEK:
            today = start_of_today()
            return queryset.arrived_since(today - datetime.timedelta(days=today.weekday()))
        return queryset


class ScheduledFilter(admin.SimpleListFilter):
    title = "scheduled"
    parameter_name = "scheduled"
    TODAY = "today"

    def lookups(self, request, model_admin):
        return [(self.TODAY, "For today"), ("later", "Later")]

    def queryset(self, request, queryset):
        today = start_of_today()
        tomorrow = today + datetime.timedelta(days=1)
        if self.value() == self.TODAY:
            return queryset.scheduled_between(today, tomorrow)
        if self.value() == "later":
            return queryset.in_state(Article.Status.SCHEDULED).filter(publish_at__gte=tomorrow)
        return queryset


class BelowGateFilter(admin.SimpleListFilter):
    title = "quality gate"
    parameter_name = "gate"
    BELOW = "below"

    def lookups(self, request, model_admin):
        return [(self.BELOW, "Below the gate")]

    def queryset(self, request, queryset):
        return queryset.below_gate() if self.value() == self.BELOW else queryset


def start_of_today():
    """Midnight, in the site's time zone, of today."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


class QualityBandFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "quality_band"

    def lookups(self, request, model_admin):
        return [(band.key, band.description) for band in QUALITY_BANDS]

    def queryset(self, request, queryset):
        for band in QUALITY_BANDS:
            if self.value() == band.key:
                return queryset.in_quality_range(band.low, band.high)
        return queryset


class CategoryFilter(admin.AllValuesFieldListFilter):
    """The categories, found one index seek each (ArticleQuerySet.category_names) instead of a DISTINCT scan."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = Article.objects.category_names()


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
