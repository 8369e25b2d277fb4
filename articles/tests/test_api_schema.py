"""schemathesis against the API's own OpenAPI description: no server error, no answer the description does not allow."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from .factories import make_article, make_related


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


def test_the_api_keeps_to_its_openapi_description(api_schema):
    # schemathesis's own pytest plugin does not run under pytest 9: each operation's
    # strategy is driven by hypothesis here instead, within the test's database.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {"/api/stories/", "/api/stories/{slug}/"}
    for operation in operations:

        @EXAMPLES
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()
