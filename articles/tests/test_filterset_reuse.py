"""ArticleFilter's per-request copies: each FilterSet its own filters, and a form class reused only with its choices."""

import pytest
from django.http import QueryDict

from articles.filters import ArticleFilter, filter_choices
from articles.models import Article
from articles.tests.factories import make_article

pytestmark = pytest.mark.django_db


def filterset(query, **kwargs):
    return ArticleFilter(QueryDict(query), queryset=Article.objects.listed(), **kwargs)


def test_each_filterset_has_its_own_filters_bound_to_itself():
    first, second = filterset("top=on"), filterset("top=on", exclude=("topic",))
    assert "topic" in first.filters and "topic" not in second.filters
    for name, filter_ in first.filters.items():
        assert filter_ is not second.filters.get(name) and filter_.parent is first
        assert filter_ is not ArticleFilter.base_filters[name]
    # A filter with a method finds it on its own FilterSet.
    assert first.filters["top"].filter.f is first.filters["top"]
    first.filters["q"].extra["max_length"] = 1
    assert second.filters["q"].extra["max_length"] != 1 and ArticleFilter.base_filters["q"].extra["max_length"] != 1


def test_method_filters_filter_through_their_own_filterset():
    make_article(title="Top story", quality=95)
    make_article(title="Weak story", quality=5)
    filterset("")  # another FilterSet made first must not take the filters over
    assert [a.title for a in filterset("top=on").qs] == ["Top story"]
    assert sorted(a.title for a in filterset("q=weak").qs) == ["Weak story"]


def test_the_form_accepts_a_topic_published_after_the_form_was_first_built():
    make_article(title="On courts", topics=["Courts"])
    choices = filter_choices()
    assert filterset("topic=courts", choices=choices).is_valid()
    assert not filterset("topic=space", choices=choices).is_valid()

    make_article(title="On space", topics=["Space"])
    fresh = filter_choices()
    assert filterset("topic=space", choices=fresh).is_valid()
    # The same choices, the same form class; other choices, another.
    assert type(filterset("", choices=fresh).form) is type(filterset("topic=x", choices=fresh).form)
    assert type(filterset("", choices=fresh).form) is not type(filterset("", choices=choices).form)


def test_each_form_has_its_own_fields_and_widgets_sharing_only_what_is_never_changed():
    make_article(title="On courts", topics=["Courts"])
    choices = filter_choices()
    first, second = filterset("topic=courts", choices=choices).form, filterset("topic=nope", choices=choices).form
    assert type(first) is type(second)
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other and field.widget is not other.widget
        assert field is not type(first).base_fields[name]
        assert field.widget.attrs is not other.widget.attrs
    first.fields["q"].widget.attrs["class"] = "changed"
    first.fields["q"].max_length = 1
    assert "class" not in second.fields["q"].widget.attrs and second.fields["q"].max_length != 1
    assert first.is_valid() and not second.is_valid()
    # What is never changed is not copied for each request: the lists of choices.
    for name in ("topic", "type"):
        assert first.fields[name]._choices is second.fields[name]._choices
