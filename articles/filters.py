"""The readers' filters on story listings: all of them live in the URL's query string."""

import copy
import datetime

import django_filters
from django import forms
from django.db.models import Count, Value
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
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


class SharedChoices:
    """A choice list a form's fields use as it is: a deep copy of the form shares it (it is never changed)."""

    def __init__(self, choices):
        self.choices = choices

    def __call__(self):
        return self.choices

    def __deepcopy__(self, memo):
        return self


# The filters whose options are the published topics, providers and categories (filter_choices()).
CHOICE_FILTERS = ("topic", "provider", "category")


class FieldsCopiedByOne(dict):
    """A filter form's base_fields whose deep copy, per request, copies each field and widget, not their choices.

    Django's form deep-copies its fields per instance, and a choice field the
    list it was given: a tenth of a filtered listing's time with the
    FilterSet's copy (FiltersCopiedByOne). The choices (SharedChoices, the
    kinds of story), error messages and validators are never changed; a
    widget's attrs are, by some forms, and each copy has its own.
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, original in self.items():
            field = copy.copy(original)
            field.widget = copy.copy(original.widget)
            field.widget.attrs = dict(original.widget.attrs)
            copies[name] = field
        return copies


class FiltersCopiedByOne(dict):
    """A FilterSet's base_filters whose deep copy, on every request, copies each filter but not what it holds.

    django-filter deep-copies its filters per FilterSet so that each may be
    changed for one request (ArticleFilter gives them their choices); a
    filter's widget, label and lookups are never changed, and deep-copying
    them was a tenth of a searched listing's time. Each copy has its own
    `extra`, the part that is changed.
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, original in self.items():
            filter_ = copy.copy(original)
            filter_.extra = dict(original.extra)
            # Its own form field, built from its own `extra`.
            filter_.__dict__.pop("_field", None)
            # A `method` filter calls through an object bound to its filter: bound anew to the copy.
            filter_.method = original.method
            copies[name] = filter_
        return copies


def _option(value, label, selected=False):
    return format_html('<option value="{}"{}>{}</option>', value, mark_safe(" selected") if selected else "", label)


class QuickSelect(forms.Select):
    """A <select> that writes its options directly, or marks the selected one in options written before.

    Django renders each option through a template of its own; with a few
    hundred providers that was most of a listing page's time. `options` is
    the <option>s' markup with none selected (filter_options(), written once
    per content freshness by articles.pagecache): a page then only marks the
    reader's choice in it.
    """

    def __init__(self, attrs=None, choices=(), options=None):
        super().__init__(attrs, choices)
        self.options = options

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        if self.options is None:
            options = mark_safe("".join(_option(v, label, str(v) in selected) for v, label in self.choices))
        else:
            options = self.options
            for chosen in selected:
                # The value escaped as _option() wrote it: only an option of the list can match.
                start = format_html('<option value="{}"', chosen)
                options = mark_safe(options.replace(f"{start}>", f"{start} selected>", 1))
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


def _input(widget, name, value, attrs):
    """Django's forms/widgets/input.html, written directly (a template per field was a tenth of a listing)."""
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget.input_type,
        name,
        format_html(' value="{}"', value) if value is not None else "",
        flatatt(widget.build_attrs(widget.attrs, attrs)),
    )


class QuickTextInput(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None):
        return _input(self, name, self.format_value(value), attrs)


class QuickDateInput(forms.DateInput):
    def render(self, name, value, attrs=None, renderer=None):
        return _input(self, name, self.format_value(value), attrs)


class QuickCheckboxInput(forms.CheckboxInput):
    def render(self, name, value, attrs=None, renderer=None):
        if self.check_test(value):
            attrs = {**(attrs or {}), "checked": True}
        return _input(self, name, self.format_value(value), attrs)


def filter_options(choices):
    """{filter: its <option>s' markup, none selected} for the topic, provider and category selects.

    `choices` is filter_choices()'s; the markup is escaped as QuickSelect writes it.
    """
    rendered = {}
    for name in CHOICE_FILTERS:
        empty = ArticleFilter.base_filters[name].extra["empty_label"]
        rendered[name] = mark_safe("".join(_option(v, label) for v, label in [("", empty), *choices[name]]))
    return rendered


def _start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ArticleFilter(django_filters.FilterSet):
    """Text search, the kind of story, topic, provider, category, a date range, the top-rated only, one per event.

    Choice lists come from filter_choices() through the `choices` argument;
    `options` their selects' markup from filter_options() (the same choices);
    `exclude` drops filters a page already applies (the topic on a topic page).
    """

    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=QuickTextInput(attrs={"type": "search", "placeholder": "Search stories"}),
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
        label="Published from", method="filter_since", widget=QuickDateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label="Published until", method="filter_until", widget=QuickDateInput(attrs={"type": "date"})
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
        widget=QuickCheckboxInput,
    )
    # Last, so that it picks the newest story of each cluster among those the other filters kept.
    grouped = django_filters.BooleanFilter(
        label="One story per event (the newest of its coverage)",
        method="filter_grouped",
        widget=QuickCheckboxInput,
    )

    class Meta:
        model = Article
        fields = ["q", "type", "topic", "provider", "category", "since", "until", "top", "grouped"]

    def __init__(self, *args, choices=None, options=None, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in exclude:
            del self.filters[name]
        choices = choices if choices is not None else filter_choices()
        self._choices, self._options = choices, options
        for name in CHOICE_FILTERS:
            if name in self.filters:
                # The form deep-copies its fields for every request: shared, not
                # copied, a list of hundreds of choices each time.
                self.filters[name].extra["choices"] = SharedChoices(choices[name])
                if options is not None:
                    self.filters[name].extra["widget"] = QuickSelect(options=options[name])

    def get_form_class(self):
        # The same filters with the same choices and options make the same form: a class
        # built per request was a twentieth of a filtered listing. Choices and options are
        # the objects of the content's freshness (articles.pagecache.public_choices).
        # The entry holds the choices and options themselves, so their ids cannot be reused meanwhile.
        key = (tuple(self.filters), id(self._choices), id(self._options))
        found = _form_classes.get(key)
        if found is None:
            if len(_form_classes) >= FORM_CLASSES_KEPT:
                _form_classes.clear()
            form_class = super().get_form_class()
            form_class.base_fields = FieldsCopiedByOne(form_class.base_fields)
            found = _form_classes[key] = (self._choices, self._options, form_class)
        return found[2]

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

    def filter_grouped(self, queryset, name, value):
        return queryset.one_per_cluster(among=queryset) if value else queryset

    @property
    def active(self):
        """The filters in use, as {name: raw value}, in form order."""
        if not self.is_bound:
            return {}
        return {name: self.data[name] for name in self.filters if self.data.get(name, "").strip()}


ArticleFilter.base_filters = FiltersCopiedByOne(ArticleFilter.base_filters)
# ArticleFilter's form classes, by filters, choices and options: a few pages' worth (all filters,
# a topic page's, a provider page's, the feeds') of the current freshness.
FORM_CLASSES_KEPT = 16
_form_classes = {}
