"""The reader templates' |date: its direct formats write what Django's formatter writes."""

import datetime
import zoneinfo

import pytest
from django.template import defaultfilters, engines
from django.utils import timezone, translation
from django.utils.timezone import template_localtime

from articles.jinja2env import FAST_FORMATS, date

MOMENTS = [
    datetime.datetime(2026, month, day, hour, minute, second, micro, tzinfo=datetime.UTC)
    for month, day, hour, minute, second, micro in [
        (1, 1, 0, 0, 0, 0),
        (2, 28, 9, 5, 7, 120),
        (3, 9, 23, 59, 59, 999999),
        (4, 10, 12, 0, 0, 0),
        (5, 31, 1, 2, 3, 0),
        (6, 15, 13, 30, 0, 0),
        (7, 4, 7, 7, 7, 7),
        (8, 1, 10, 0, 0, 0),
        (9, 30, 18, 45, 0, 0),
        (10, 31, 2, 0, 0, 0),
        (11, 11, 11, 11, 11, 0),
        (12, 31, 23, 0, 0, 0),
    ]
] + [datetime.datetime(999, 7, 3, 4, 5, tzinfo=datetime.UTC), datetime.datetime(1, 1, 2, 12, tzinfo=datetime.UTC)]


@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo", "Asia/Kolkata"])
@pytest.mark.parametrize("fmt", sorted(FAST_FORMATS))
def test_direct_formats_write_what_djangos_date_filter_writes(fmt, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for moment in MOMENTS:
            assert date(moment, fmt) == defaultfilters.date(template_localtime(moment), fmt)


def test_other_formats_and_plain_dates_go_to_djangos_filter():
    moment = datetime.datetime(2026, 8, 1, 10, 0, tzinfo=datetime.UTC)
    assert date(moment, "D, d M Y") == "Sat, 01 Aug 2026"
    assert date(datetime.date(2026, 8, 1), "j F Y") == "1 August 2026"
    assert date(None, "c") == ""


def test_month_names_follow_the_active_language():
    moment = datetime.datetime(2026, 8, 1, 10, 0, tzinfo=datetime.UTC)
    with translation.override("fr"):
        assert date(moment, "j F Y") == defaultfilters.date(moment, "j F Y") == "1 août 2026"
        assert date(moment, "j M Y") == defaultfilters.date(moment, "j M Y")


def test_month_names_follow_a_language_activated_after_they_were_first_written():
    moment = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
    assert date(moment, "j F Y") == "1 December 2026"
    for language, expected in (("de", "1 Dezember 2026"), ("fr", "1 décembre 2026"), ("en", "1 December 2026")):
        with translation.override(language):
            assert date(moment, "j F Y") == expected
            assert date(moment, "j M Y") == defaultfilters.date(moment, "j M Y")


def test_a_template_shows_its_dates_in_the_zone_and_language_of_its_rendering():
    jinja = engines["jinja2"]
    template = jinja.from_string('{% extends base %}{% block main %}{{ moment|date("j F Y, H:i") }}{% endblock %}')
    base = jinja.env.from_string('{{ moment|date("j M Y") }}|{% block main %}{% endblock %}')
    moment = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")), translation.override("fr"):
        first = template.render({"moment": moment, "base": base})
    with timezone.override(zoneinfo.ZoneInfo("America/Sao_Paulo")):
        second = template.render({"moment": moment, "base": base})
    assert first == "1 Jan 2027|1 janvier 2027, 05:00"
    assert second == "31 Dec 2026|31 December 2026, 20:30"
