"""Every URL of the project, with hostile paths and query strings: a 4xx, a redirect or a page
that ignores the bad value, never a 5xx.

The URL patterns come from walking newsroom.urls (the admin's included), the query parameters
from the public FilterSets, the admin's list filters and the relations its autocomplete serves,
so that a new page or filter is tried without touching this file.
"""

import functools
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver
from django_filters.views import FilterView
from taggit.models import Tag

from articles.models import Article, Topic
from articles.previews import create_preview_link, preview_token

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db

# Raw URL text, escapes included, so that each one reaches Django exactly as a client can send
# it: the same text goes into path segments and query values.
HOSTILE = [
    "%00",  # NUL: PostgreSQL refuses it in any text it is sent
    "a%00b",
    "x" * 10_000,
    "99999999999999999999",  # beyond a 64-bit integer
    str(2**63),
    str(2**31),  # beyond a 32-bit integer
    "-1",
    "9999",  # the last year a date can have: the one after it cannot
    "%C2%B2",  # "²": isdigit() says yes, int() says no
    "%D9%A1%D9%A2%D9%A3",  # "١٢٣": Arabic-Indic digits, which int() takes
    "%",  # a lone percent sign
    "%zz",
    "%E9",  # not UTF-8
    "../../../etc/passwd",  # in a path, the client's %2F arrives as "/" too
    "1e400",
    "2021-02-30",
]

# Parameters Django reads and checks itself: the changelist's own, the log-in redirect, the
# filters a change page keeps, the autocomplete's source. Each is tried with a third of the
# values (a different third for each), where what our code reads is tried with all of them.
DJANGO_ADMIN_VARS = sorted(
    {
        ALL_VAR,
        ERROR_FLAG,
        IS_FACETS_VAR,
        IS_POPUP_VAR,
        ORDER_VAR,
        PAGE_VAR,
        SEARCH_VAR,
        TO_FIELD_VAR,
        REDIRECT_FIELD_NAME,
        "_changelist_filters",
    }
)
AUTOCOMPLETE_DJANGO_VARS = ["page", "app_label", "model_name", "field_name"]


def sample(values, index):
    return values[index % 3 :: 3]


_PLACEHOLDER = re.compile(r"<(?:\w+:)?(?P<route>\w+)>|\(\?P<(?P<regex>\w+)>[^)]*\)")


def _walk(patterns, parents=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, (*parents, entry))
        else:
            yield (*parents, entry)


def route_text(route):
    """The pattern as one string, e.g. "stories/<str:slug>/"; regexes lose their anchors."""
    return "".join(str(part.pattern).removeprefix("^").removesuffix("$") for part in route)


ROUTES = list(_walk(get_resolver("newsroom.urls").url_patterns))


def arguments(route):
    return [match["route"] or match["regex"] for match in _PLACEHOLDER.finditer(route_text(route))]


def url_for(route, values):
    return "/" + _PLACEHOLDER.sub(lambda match: values[match["route"] or match["regex"]], route_text(route))


def view_class(route):
    callback = route[-1].callback
    return getattr(getattr(callback, "__wrapped__", callback), "view_class", None)


def admin_model(route):
    """The model of an admin URL such as admin/<app>/<model>/..., or None."""
    parts = route_text(route).split("/")
    if parts[0] != "admin" or len(parts) < 3:
        return None
    try:
        return apps.get_model(parts[1], parts[2])
    except (LookupError, ValueError):
        return None


# --- Data --------------------------------------------------------------------


def make_stories():
    provider = make_provider(name="Example News", domain="example.com")
    stories = [
        make_article(topics=["Politics", "Science"], images=1, related=2, provider=provider, category="world"),
        make_article(topics=["Science"], category="tech"),
        make_article(topics=["Politics"], provider=provider),
        make_article(published=False, category="draft"),
    ]
    Group.objects.get_or_create(name="Hostile testers")
    Group.objects.get_or_create(name="Other testers")
    Tag.objects.get_or_create(name="plain tag", slug="plain-tag")
    return stories


@pytest.fixture
def stories():
    return make_stories()


def valid_arguments(route, stories):
    """Arguments that name a real page, so that a query string reaches the view behind it."""
    story = stories[0]
    public = {
        "stories": story,
        "topics": Topic.objects.get(name="Politics"),
        "providers": story.provider,
        "api": story,  # /api/stories/<slug>/
    }
    model = admin_model(route)
    values = {}
    for name in arguments(route):
        if model is not None:
            instance = model._default_manager.order_by("pk").first()
            values[name] = str(instance.pk) if instance else "1"
        elif name == "content_type_id":
            values[name] = str(ContentType.objects.get_for_model(Article).pk)
        elif name == "object_id":
            values[name] = str(story.pk)
        elif name == "app_label":
            values[name] = "articles"
        elif name == "url":
            values[name] = "nowhere/"
        elif name == "key":  # /<key>.txt, IndexNow's key file
            values[name] = "a1b2c3d4e5f6a7b8"
        elif name == "token":
            values[name] = preview_token(create_preview_link(article=story, user=None))
        else:
            values[name] = str(getattr(public[route_text(route).split("/")[0]], name))
    return values


# --- Which page reads which parameters ----------------------------------------


def read_probes():
    """{URL name: [(fixed query, parameter, values)]}: what each page reads, from its FilterSet,
    its list filters and date hierarchy, or the autocomplete's sources; "*" holds every name.

    The admin's list filters only show themselves when there is something to
    filter: they are read with a few stories, in a transaction rolled back.
    """
    pages = {}
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_active=True, is_staff=True, is_superuser=True)
    with transaction.atomic():
        make_stories()
        for model in filter(admin.site.is_registered, apps.get_models()):
            model_admin = admin.site.get_model_admin(model)
            changelist = model_admin.get_changelist_instance(request)
            names = {name for spec in changelist.filter_specs for name in spec.expected_parameters()}
            if changelist.date_hierarchy:
                names |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
            pages[f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"] = [
                *(({}, name, HOSTILE) for name in sorted(names)),
                *(({}, name, sample(HOSTILE, index)) for index, name in enumerate(DJANGO_ADMIN_VARS)),
            ]
        transaction.set_rollback(True)
    pages["admin:autocomplete"] = []
    for index, field in enumerate(autocomplete_sources(request)):
        meta = field.model._meta
        source = {"app_label": meta.app_label, "model_name": meta.model_name, "field_name": field.name}
        # The search on every source, Django's own parameters on one.
        pages["admin:autocomplete"].append((source, "term", HOSTILE))
        if index == 0:
            django_vars = enumerate(AUTOCOMPLETE_DJANGO_VARS)
            pages["admin:autocomplete"] += [(source, name, sample(HOSTILE, n)) for n, name in django_vars]
    for route in ROUTES:
        cls = view_class(route)
        if cls is not None and issubclass(cls, FilterView):
            names = [*cls.filterset_class.base_filters, cls.page_kwarg]
            pages[url_name(route)] = [({}, name, HOSTILE) for name in names]
    pages["*"] = sorted({name for page in pages.values() for _, name, _ in page})
    return pages


def autocomplete_sources(request):
    """The relations the admin's autocomplete answers for: those to a model whose admin has a search."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and admin.site.is_registered(field.related_model):
                if admin.site.get_model_admin(field.related_model).get_search_fields(request):
                    yield field


@pytest.fixture(scope="module")
def probes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return read_probes()


def url_name(route):
    namespace = ":".join(part.namespace for part in route[:-1] if part.namespace)
    name = route[-1].name or ""
    return f"{namespace}:{name}" if namespace else name


# --- Requests ----------------------------------------------------------------


def outcome(client, url):
    """The status code, or the exception a view let out."""
    try:
        # A failed query on PostgreSQL spoils the transaction; the savepoint
        # keeps the next request of the test usable.
        with transaction.atomic():
            return client.get(url).status_code
    except Exception as exc:  # reported with its URL: the test lists every failure, not the first
        return f"{type(exc).__name__}: {str(exc)[:120]}"


def with_query(url, params):
    # Joined as they are, not urlencode()d: the values are already what a client sends.
    return f"{url}?" + "&".join(f"{name}={value}" for name, value in params.items())


def failures(client, urls):
    found = []
    for url in urls:
        result = outcome(client, url)
        if not isinstance(result, int) or result >= 500:
            found.append(f"{url[:160]} -> {result}")
    return found


@pytest.fixture(params=["anonymous", "superuser"])
def visitor(request):
    return request.getfixturevalue("client" if request.param == "anonymous" else "admin_client")


def _route_id(route):
    return route_text(route) or "/"


WITH_ARGUMENTS = [route for route in ROUTES if arguments(route)]


@pytest.mark.parametrize("route", WITH_ARGUMENTS, ids=[_route_id(route) for route in WITH_ARGUMENTS])
def test_hostile_path_arguments_never_cause_a_server_error(route, visitor, stories):
    valid = valid_arguments(route, stories)
    urls = [url_for(route, {**valid, name: value}) for name in valid for value in HOSTILE]
    found = failures(visitor, urls)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("route", ROUTES, ids=[_route_id(route) for route in ROUTES])
def test_hostile_query_strings_never_cause_a_server_error(route, visitor, stories, probes):
    base = url_for(route, valid_arguments(route, stories))
    # Every parameter at once, everywhere...
    urls = [with_query(base, dict.fromkeys(probes["*"], value)) for value in HOSTILE]
    # ...and one at a time where a page reads them, which it does only when it
    # shows itself to this visitor (the admin's send anonymous ones to log in).
    shows_itself = functools.cache(lambda url: outcome(visitor, url) == 200)
    for fixed, name, values in probes.get(url_name(route), ()):
        if shows_itself(with_query(base, fixed) if fixed else base):
            urls += [with_query(base, {**fixed, name: value}) for value in values]
    found = failures(visitor, urls)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", ["/stories/%00/", "/topics/a%00b/", "/providers/a%1Fb/", f"/stories/{'x' * 256}/"])
def test_a_name_with_control_characters_or_past_any_slug_column_matches_no_page(client, path):
    assert client.get(path).status_code == 404


def test_a_name_as_long_as_the_slug_column_allows_is_still_served(client):
    story = make_article(slug="s" * 255)
    assert client.get(story.get_absolute_url()).status_code == 200
