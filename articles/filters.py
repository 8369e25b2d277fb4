"""The readers' filters on story listings: all of them live in the URL's query string."""

import datetime
import functools

import django_filters
from django import forms
from django.db.models import Count, Value
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .models import Article
from .quality import QUALITY_BANDS

# What a reader can type or pick; anything longer is a mistake or an attack.
SEARCH_MAX_LENGTH = 200
# "Only top-rated": the stories of the editors' best quality band (articles.quality).
TOP_RATED = QUALITY_BANDS[-1]


def filter_choices():
    """The topics, providers and categories that have published stories, with how many each.

    One query (a UNION of the three grouped lists), so that a listing page
    with its filter form, the header's topics and the topic and provider
    indexes cost a fixed number of queries. Returns {"topic": [(slug, name)],
    "provider": [(slug, name)], "category": [(c, c)]}, each sorted by label,
    and "stories": {kind: {value: number of published stories}}.
    """
    published = Article.objects.published()
    topics = published.model._meta.get_field("tagged_topics").related_model.objects.filter(
        content_object__in=published.values("pk")
    )
    rows = (
        topics.order_by()
        .values_list(Value("topic"), "tag__slug", "tag__name")
        .annotate(stories=Count("pk"))
        .union(
            published.filter(provider__isnull=False)
            .order_by()
            .values_list(Value("provider"), "provider__slug", "provider__name")
            .annotate(stories=Count("pk")),
            published.exclude(category="")
            .order_by()
            .values_list(Value("category"), "category", "category")
            .annotate(stories=Count("pk")),
        )
    )
    choices = {"topic": [], "provider": [], "category": []}
    stories = {kind: {} for kind in choices}
    for kind, value, label, count in rows:
        choices[kind].append((value, label))
        stories[kind][value] = count
    for values in choices.values():
        values.sort(key=lambda choice: (choice[1].casefold(), choice[0]))
    return {**choices, "stories": stories}


class QuickSelect(forms.Select):
    """A <select> that writes its options directly.

    Django renders each option through a template of its own; with a few
    hundred providers that was most of a listing page's time.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option_value, mark_safe(" selected") if str(option_value) in selected else "", label)
                for option_value, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


def _start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ArticleFilter(django_filters.FilterSet):
    """Text search, the kind of story, topic, provider, category, a date range and the top-rated only.

    Choice lists come from filter_choices() through the `choices` argument;
    `exclude` drops filters a page already applies (the topic on a topic page).
    """

    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search stories"}),
    )
    topic = django_filters.ChoiceFilter(
        label="Topic", field_name="tagged_topics__tag__slug", empty_label="Any topic", widget=QuickSelect
    )
    provider = django_filters.ChoiceFilter(
        label="Provider", field_name="provider__slug", empty_label="Any provider", widget=QuickSelect
    )
    category = django_filters.ChoiceFilter(
        label="Category", field_name="category", empty_label="Any category", widget=QuickSelect
    )
    since = django_filters.DateFilter(
        label="Published from", method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label="Published until", method="filter_until", widget=forms.DateInput(attrs={"type": "date"})
    )
    type = django_filters.ChoiceFilter(
        label="Show",
        method="filter_type",
        choices=[("article", "Articles"), ("video", "Videos"), ("download", "Downloads")],
        empty_label="Everything",
        widget=QuickSelect,
    )
    top = django_filters.BooleanFilter(
        label=f"Only top-rated: {TOP_RATED.description.lower()}",
        method="filter_top",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Article
        fields = ["q", "type", "topic", "provider", "category", "since", "until", "top"]

    def __init__(self, *args, choices=None, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in exclude:
            del self.filters[name]
        choices = choices if choices is not None else filter_choices()
        for name in ("topic", "provider", "category"):
            if name in self.filters:
                # A callable: the form copies its fields for every request, and
                # would otherwise copy a list of hundreds of choices each time.
                self.filters[name].extra["choices"] = functools.partial(list, choices[name])

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_since(self, queryset, name, value):
        return queryset.filter(published_at__gte=_start_of_day(value))

    def filter_until(self, queryset, name, value):
        if value == datetime.date.max:
            return queryset
        # Up to the end of that day: before the start of the next one.
        return queryset.filter(published_at__lt=_start_of_day(value + datetime.timedelta(days=1)))

    def filter_type(self, queryset, name, value):
        if value == Article.Type.ARTICLE:
            # Whatever is neither a video nor a download is read: upstream types vary.
            return queryset.exclude(type__in=[Article.Type.VIDEO, Article.Type.DOWNLOAD])
        return queryset.filter(type=value)

    def filter_top(self, queryset, name, value):
        return queryset.in_quality_range(low=TOP_RATED.low, high=TOP_RATED.high) if value else queryset

    @property
    def active(self):
        """The filters in use, as {name: raw value}, in form order."""
        if not self.is_bound:
            return {}
        return {name: self.data[name] for name in self.filters if self.data.get(name, "").strip()}
