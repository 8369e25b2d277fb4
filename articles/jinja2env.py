"""The Jinja2 environment of the reader site's templates (templates/jinja2/, settings.TEMPLATES).

The public pages are rendered by Jinja2, whose compiled templates cost a
fraction of the Django engine's per card; the admin, the sitemaps and the
forms' own widgets stay on Django templates. Autoescaping is on (Django's
backend turns it on, and environment() insists): text from the stories is
escaped on output, and only what is marked safe -- Django's SafeString and
markupsafe's Markup alike -- is written as it is.

The filters are the Django engine's own functions (articles.templatetags.newsroom
and Django's default filters), so both engines show a value the same way.
"""

import datetime
import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.templatetags.static import static as django_static
from django.urls import get_script_prefix
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.timezone import get_current_timezone, template_localtime
from django.utils.translation import get_language
from jinja2 import Environment, pass_eval_context

from core.cached_reverse import cached_reverse

from .templatetags.newsroom import as_text, highlighted, http_url, json_ld, picture


def url(name, *args, **kwargs):
    """{{ url("articles:topic", slug=topic.slug) }}: reverse() with positional or keyword arguments."""
    return cached_reverse(name, args=args, kwargs=kwargs)


def static(path):
    """{{ static("css/site.css") }}: Django's static(), remembered for the process.

    The manifest storage looks each name up and quotes it, about 35 µs, twice
    in every page's head. The answer changes only with the script prefix (in
    the key) and the storage's settings, which are read at start-up (and
    forgotten when a test changes them).
    """
    return _static(get_script_prefix(), path)


@functools.lru_cache(maxsize=256)
def _static(prefix, path):
    # `prefix` is only the key: static() reads the current one, which is it.
    return django_static(path)


@receiver(setting_changed)
def _static_settings_changed(setting, **kwargs):
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS", "DEBUG", "FORCE_SCRIPT_NAME"}:
        _static.cache_clear()


def date(value, arg=None, *, locale=None):
    """Django's |date, in the current time zone as the Django engine shows datetimes.

    The formats the reader templates use are written directly: Django's
    formatter parses the format and looks the language up on every call, and
    a story page with its related coverage dates twenty-odd times. `locale`,
    (the current time zone, the active language), when the caller knows them.
    """
    fast = FAST_FORMATS.get(arg)
    if fast is None or not isinstance(value, datetime.datetime):
        return defaultfilters.date(template_localtime(value), arg)
    zone, language = locale or (get_current_timezone(), get_language())
    # template_localtime()'s rule: an aware datetime is shown in the current time zone.
    if settings.USE_TZ and value.utcoffset() is not None:
        value = value.astimezone(zone)
    return fast(value, _month_names(language))


@pass_eval_context
def date_filter(eval_ctx, value, arg=None):
    """|date in a template: the time zone and the language looked up once per rendering, not per date.

    Each is a context-local lookup (asgiref), more than the date's own
    formatting; a rendering's blocks share its evaluation context.
    """
    locale = getattr(eval_ctx, "newsroom_locale", None)
    if locale is None:
        locale = eval_ctx.newsroom_locale = (get_current_timezone(), get_language())
    return date(value, arg, locale=locale)


@functools.lru_cache(maxsize=32)
def _month_names(language):
    """{month: (name, abbreviation)} in `language`, the active one: a lazy name is a translation per use."""
    return {month: (str(MONTHS[month]), str(MONTHS_3[month]).title()) for month in MONTHS}


# Each the same text as Django's dateformat for that format (test_jinja_dates.py).
FAST_FORMATS = {
    "c": lambda d, names: d.isoformat(),
    "j F Y": lambda d, names: f"{d.day} {names[d.month][0]} {d.year:04d}",
    "j F Y, H:i": lambda d, names: f"{d.day} {names[d.month][0]} {d.year:04d}, {d.hour:02d}:{d.minute:02d}",
    "j M Y": lambda d, names: f"{d.day} {names[d.month][1]} {d.year:04d}",
}


def environment(**options):
    options["autoescape"] = True
    env = Environment(**options)
    env.globals.update(url=url, static=static, json_ld=json_ld)
    env.filters.update(
        as_text=as_text,
        highlighted=highlighted,
        http_url=http_url,
        picture=picture,
        date=date_filter,
        linebreaksbr=defaultfilters.linebreaksbr,
        truncatewords=defaultfilters.truncatewords,
        pluralize=defaultfilters.pluralize,
        capfirst=defaultfilters.capfirst,
    )
    return env
