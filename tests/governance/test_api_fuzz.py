"""Schemathesis fuzzes the JSON API from its own OpenAPI schema, in-process through the WSGI
app: no input it can think of gives a server error or a response that breaks the schema.
Anonymous and as a member of staff with a token; a bounded number of examples per operation,
so the whole run stays within a minute or two."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from governance.wsgi import application

# Generating the schema reads no rows, so it can be loaded when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def one_connection_for_the_whole_test():
    """Django's test client unhooks `close_old_connections` so that a request does not close
    the test's connection (and its transaction) on PostgreSQL; schemathesis calls the WSGI app
    directly, so the same is done here."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def some_of_everything(report, people, firm, tree):
    """Real rows for the fuzzer to stumble on: issues at several steps, a notice."""
    from communities import services as community_services
    from deliberation import services

    lamp = report()
    services.accept_issue(issue=lamp, by=people.community_staff)
    services.assign_issue(issue=lamp, organization=firm, by=people.community_staff)
    report(category="private", title="邻里纠纷")
    community_services.publish_notice(area=tree.C1, title="停水通知", by=people.community_staff)


@pytest.fixture
def staff_token(some_of_everything, people, token_for) -> dict:
    return {"Authorization": f"Token {token_for(people.community_staff)}"}


FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_input_breaks_the_api_for_the_public(case, some_of_everything):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_input_breaks_the_api_for_staff_with_a_token(case, staff_token):
    case.call_and_validate(headers=staff_token, checks=CHECKS)
