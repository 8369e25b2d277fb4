"""The providers' analytics pages in the admin: all providers, and one; charts as SVG, each with its CSV."""

import csv
import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from providers.models import Provider

from ..analytics import provider_analytics
from ..charts import bar_chart

DEFAULT_WEEKS = 12
# A range longer than this is cut: a weekly chart of decades says nothing.
MAX_DAYS = 3 * 366


class DateRangeForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Published from")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="until")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start of the range is after its end.")
        return cleaned

    def dates(self):
        today = timezone.localdate()
        values = self.cleaned_data if self.is_valid() else {}
        until = values.get("until") or today
        since = values.get("since") or until - dt.timedelta(weeks=DEFAULT_WEEKS)
        return max(since, until - dt.timedelta(days=MAX_DAYS)), until


class ProviderAnalyticsMixin:
    """For ProviderAdmin: /admin/providers/provider/analytics/ and /<id>/analytics/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("analytics/", view(self.analytics_view), name="providers_provider_analytics"),
            path("<int:provider_id>/analytics/", view(self.analytics_view), name="providers_provider_analytics_one"),
            *super().get_urls(),
        ]

    def analytics_view(self, request, provider_id=None):
        if not (self.has_view_permission(request) and request.user.has_perm("articles.view_article")):
            raise PermissionDenied
        provider = get_object_or_404(Provider, pk=provider_id) if provider_id is not None else None
        form = DateRangeForm(request.GET or None)
        since, until = form.dates()
        figures = provider_analytics(since=since, until=until, provider=provider)
        export = request.GET.get("csv")
        if export in CSV_TABLES:
            return _csv(figures, export, provider)
        weeks = len(figures.weekly)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Analytics: {provider.name}" if provider else "Analytics: all providers",
            "provider": provider,
            "form": form,
            "figures": figures,
            "total": figures.total,
            "quality_chart": bar_chart(figures.quality, title="Stories by quality"),
            "weekly_chart": bar_chart(
                [(week.strftime("%d %b"), count) for week, count in figures.weekly],
                title="Stories per week",
                every_label=max(1, weeks // 8),
            ),
            "csv_query": _query(request, since, until),
            "provider_rows": _provider_rows(figures, provider, _query(request, since, until)),
            "all_url": reverse("admin:providers_provider_analytics"),
        }
        return TemplateResponse(request, "admin/providers/provider/analytics.html", context)


def _provider_rows(figures, provider, query):
    """The table's rows, one format_html a row: in the template, six cells of tags and filters
    a row for 300 providers were 80 ms of the page, at any number of stories."""
    # One reverse() for every row: the providers' pages differ only by the id.
    one = reverse("admin:providers_provider_analytics_one", args=[0]).replace("/0/", "/{}/", 1) + "?" + query
    return format_html_join(
        "\n",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                format_html('<a href="{}">{}</a>', one.format(item.provider_id), item.name)
                if item.provider_id and not provider
                else item.name,
                item.stories,
                _percent(item.live, item.stories),
                "—" if item.average_heat is None else f"{item.average_heat:.1f}",
                "—" if not item.images else f"{_percent(item.images_cached, item.images)} of {item.images}",
                "—" if not item.checked else f"{_percent(item.broken, item.checked)} of {item.checked} checked",
            )
            for item in figures.providers
        ),
    )


def _percent(part, whole):
    # As the template's {% widthratio part whole 100 %}: rounded to a whole number.
    return "—" if not whole else f"{round(part / whole * 100)}%"


def _query(request, since, until):
    return f"since={since.isoformat()}&until={until.isoformat()}"


def _summary_rows(figures, provider):
    header = [
        "provider",
        "stories",
        "live",
        "live share",
        "average heat",
        "images",
        "images cached",
        "cache rate",
        "sources checked",
        "sources broken",
        "broken rate",
    ]
    rows = [
        [
            _cell(item.name),
            item.stories,
            item.live,
            _ratio(item.live_share),
            "" if item.average_heat is None else f"{item.average_heat:.1f}",
            item.images,
            item.images_cached,
            _ratio(item.image_cache_rate),
            item.checked,
            item.broken,
            _ratio(item.broken_source_rate),
        ]
        for item in figures.providers
    ]
    return header, rows


CSV_TABLES = {
    "providers": _summary_rows,
    "quality": lambda figures, provider: (["quality", "stories"], figures.quality),
    "weekly": lambda figures, provider: (
        ["week starting", "stories"],
        [(week.isoformat(), count) for week, count in figures.weekly],
    ),
}


def _csv(figures, table, provider):
    header, rows = CSV_TABLES[table](figures, provider)
    name = f"{provider.slug if provider else 'providers'}-{table}-{figures.since}-{figures.until}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _cell(text):
    # A name starting like a formula would be run by a spreadsheet that opens the file.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _ratio(value):
    return "" if value is None else f"{value:.3f}"
