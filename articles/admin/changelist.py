"""Admin lists whose query string cannot make them fail, and the story list's count and links.

Django's changelist hands most of its query string to the database: a lookup
on any field of the model (`?title__regex=(`), any value (a NUL, which
PostgreSQL refuses in text), a date hierarchy year past the calendar (Django
ticket #37357, still in our 5.2.19). Each of those was a 500; here they are bad
lookups, which the changelist answers as it does the ones Django catches
itself: a redirect to `?e=1`. Our admins derive from StrictModelAdmin; other
apps' admins are registered again on it (articles.admin.others).
"""

from datetime import MAXYEAR, MINYEAR
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections, router
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import cached_property

# What the date hierarchy can turn into a range of dates: its end is the next
# year, month or day, so the last year cannot be asked for.
DATE_HIERARCHY_RANGES = {"year": (MINYEAR, MAXYEAR - 1), "month": (1, 12), "day": (1, 31)}


class StrictChangeList(ChangeList):
    """A ChangeList that takes only what its list filters and date hierarchy read."""

    def get_filters(self, request):
        params = self.get_filters_params()
        if any("\x00" in value for values in params.values() for value in values):
            raise IncorrectLookupParameters("A filter value holds a NUL character.")
        if self.date_hierarchy:
            self._check_date_hierarchy(params)
        filters = super().get_filters(request)
        # The lookups no list filter took: typed into the URL.
        remaining = filters[2]
        unclaimed = set(remaining) - self._date_range_lookups(params)
        if unclaimed:
            raise IncorrectLookupParameters(f"Not a filter of this list: {', '.join(sorted(unclaimed))}")
        return filters

    def _check_date_hierarchy(self, params):
        for part, (low, high) in DATE_HIERARCHY_RANGES.items():
            for value in params.get(f"{self.date_hierarchy}__{part}", ()):
                if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                    raise IncorrectLookupParameters(f"The {part} {value[:20]!r} is out of range.")

    def _date_range_lookups(self, params):
        """The lookups Django makes of the date hierarchy's year, month and day."""
        if self.date_hierarchy and f"{self.date_hierarchy}__year" in params:
            return {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"}
        return set()


class StrictModelAdmin(admin.ModelAdmin):
    """A ModelAdmin with a StrictChangeList, whose search finds nothing for a term with a NUL."""

    def get_changelist(self, request, **kwargs):
        return StrictChangeList

    def response_action(self, request, queryset):
        # Django filters the list by the posted ids as they came: a word, or a number past the
        # database's integers, failed the whole request when the action read its rows.
        if not self.valid_selection(request):
            self.message_user(request, "The selection holds something that is not a row of this list.", "error")
            return None
        return super().response_action(request, queryset)

    def valid_selection(self, request):
        """Whether every id an action was posted with could be a row's."""
        return all(self._is_id(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))

    def _is_id(self, value):
        field = self.model._meta.pk
        try:
            value = field.to_python(value)
        except ValidationError:
            return False
        if isinstance(value, int):
            low, high = connections[router.db_for_read(self.model)].ops.integer_field_range(field.get_internal_type())
            return (low is None or value >= low) and (high is None or value <= high)
        return True

    def get_search_results(self, request, queryset, search_term):
        # The list's search box is a form that refuses a NUL; the autocomplete
        # view passes its term on as it came. No stored text holds one.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyAdmin(StrictModelAdmin):
    """A record nobody adds, edits or deletes in the admin: a log, a trace."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EstimatedCountPaginator(Paginator):
    """Counts exactly, except the whole of a large table on PostgreSQL; picks a page's ids before its rows.

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

    def page(self, number):
        """A page whose stories are picked by id first, then loaded (a "deferred join").

        A filter that no index serves in the list's order (a state, a topic, a
        search) makes the database sort every matching story before it takes 50;
        sorting whole rows, bodies included, took 1.4 s for 40,000 waiting
        stories, sorting their ids and dates a few milliseconds.
        """
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


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


def changelist_url(**params) -> str:
    """The story list filtered by `params` (a filter's parameter_name: value)."""
    url = reverse("admin:articles_article_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def object_id_number(object_id):
    """An id from an admin URL as a number, or None for anything no row's integer id could be."""
    text = str(object_id)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
