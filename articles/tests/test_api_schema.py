"""schemathesis against the API's own OpenAPI description: no server error, no answer the description does not allow."""

import collections

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from .factories import make_article, make_related
from .test_admin import editorial_groups  # noqa: F401 (a fixture)
from .test_import import story_text

IMPORT = "/api/stories/import/"


@pytest.fixture
def wsgi_keeps_the_test_connection():
    # Django's WSGI handler closes the database connection after each request;
    # inside a test's transaction that would end it (the test client disconnects
    # these signals the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, wsgi_keeps_the_test_connection):
    # Stories for the generated requests to find: a cluster, related coverage, topics, a draft.
    title = "Provance releases ServiceTeam, a new family of ITSM apps"
    story = make_article(title=title, topics=["AI"], images=1, slug="known-story")
    make_related(story)
    make_article(title=title, topics=["Space"])
    make_article(published=False, slug="a-draft")
    return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


# A bounded run: the suite stays fast, and derandomize makes it the same run every time.
EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def importer_token(editorial_groups):  # noqa: F811
    user = get_user_model().objects.create_user("importer", password="secret-pass-1", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=["Editors", "Importers"]))
    return Token.objects.create(user=user).key


def test_the_api_keeps_to_its_openapi_description(api_schema, importer_token):
    # schemathesis's own pytest plugin does not run under pytest 9: each operation's
    # strategy is driven by hypothesis here instead, within the test's database.
    operations = {(o.method.upper(), o.path): o for o in (result.ok() for result in api_schema.get_all_operations())}
    assert set(operations) >= {("GET", "/api/stories/"), ("GET", "/api/stories/{slug}/"), ("POST", IMPORT)}
    # The importers' endpoint with a real token: generated bodies reach its validation, not only its 401.
    headers = {("POST", IMPORT): {"Authorization": f"Token {importer_token}"}}
    answered = collections.Counter()
    for key, operation in operations.items():
        run(operation, key, headers.get(key), answered)
    # Cases the generator rarely makes: a story that exists, and a file that imports.
    detail = operations["GET", "/api/stories/{slug}/"].Case(path_parameters={"slug": "known-story"})
    answered["GET", "/api/stories/{slug}/", detail.call_and_validate(checks=CHECKS).status_code // 100] += 1
    good = story_text(url="https://example.com/schemathesis", published="true")
    upload = operations["POST", IMPORT].Case(query={"name": "a.md"}, body=good, media_type="text/plain")
    response = upload.call_and_validate(checks=CHECKS, headers=headers["POST", IMPORT])
    answered["POST", IMPORT, response.status_code // 100] += 1
    # The run saw the answers that matter: the checks above held for each of them.
    for wanted in [("GET", "/api/stories/", 2), ("GET", "/api/stories/", 4), ("GET", "/api/stories/{slug}/", 2)]:
        assert answered[wanted], (wanted, answered)
    assert answered["GET", "/api/stories/{slug}/", 4] and answered["POST", IMPORT, 2] and answered["POST", IMPORT, 4]


def run(operation, key, headers, answered):
    """A bounded hypothesis run of `operation`'s generated cases, counting its answers by class."""

    @EXAMPLES
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call_and_validate(checks=CHECKS, headers=headers)
        answered[(*key, response.status_code // 100)] += 1

    check()
