"""cached_reverse(): the same address as reverse(), for the URLconf and script prefix in force."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, path, reverse, set_script_prefix

from core.cached_reverse import cached_reverse


def _view(request):
    raise AssertionError("never called")


urlpatterns = [path("elsewhere/<slug:slug>/", _view, name="topic")]


@pytest.mark.parametrize("slug", ["courts", "são-paulo", "a-b_c-123"])
def test_it_gives_what_reverse_gives_and_again_from_memory(slug):
    expected = reverse("articles:topic", kwargs={"slug": slug})

    assert cached_reverse("articles:topic", kwargs={"slug": slug}) == expected
    assert cached_reverse("articles:topic", kwargs={"slug": slug}) == expected
    assert cached_reverse("articles:index") == reverse("articles:index")


def test_another_script_prefix_gets_its_own_address():
    plain = cached_reverse("articles:topic", kwargs={"slug": "courts"})
    set_script_prefix("/news/")
    try:
        prefixed = cached_reverse("articles:topic", kwargs={"slug": "courts"})
    finally:
        clear_script_prefix()

    assert prefixed == "/news" + plain
    assert cached_reverse("articles:topic", kwargs={"slug": "courts"}) == plain


def test_a_swapped_urlconf_is_not_answered_from_the_other_one():
    cached_reverse("articles:topic", kwargs={"slug": "courts"})

    with override_settings(ROOT_URLCONF=__name__):
        assert cached_reverse("topic", kwargs={"slug": "courts"}) == "/elsewhere/courts/"
        with pytest.raises(NoReverseMatch):
            cached_reverse("articles:topic", kwargs={"slug": "courts"})


def test_an_address_that_does_not_exist_still_fails():
    with pytest.raises(NoReverseMatch):
        cached_reverse("articles:topic", kwargs={"no_such_argument": "courts"})
