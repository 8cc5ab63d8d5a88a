"""Schemathesis over /api/v1/openapi.json: every operation, anonymous, with a token of every
role and with a partner platform's integration token, through the production WSGI entry point (`config.wsgi.application`).

For every generated request: no 5xx, the status code is one the operation documents, and the
body and content type conform to the documented response. Bounded and seeded (derandomized), so
a failure reproduces and the run stays within about a minute on two workers.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from config.wsgi import application
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.training.tests.factories import PlatformFactory

CALLERS = ["anonymous", *Role.values, "platform"]
EXAMPLES_PER_OPERATION = 12
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _connection_outlives_requests(db):
    """As in Django's test client: the test's connection (and its transaction) must outlive each
    request the WSGI handler serves."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def headers_of(db) -> dict[str, dict]:
    """The headers of each caller: none for the anonymous one, a bearer token for each role and
    for a platform's integration user (the partner endpoints' only caller)."""
    users = {role: user_with_role(role) for role in Role.values}
    users["platform"] = PlatformFactory().user
    headers = {"anonymous": {}}
    for caller, user in users.items():
        _token, raw = api_token_create(user=user, name="fuzz")
        headers[caller] = {"Authorization": f"Bearer {raw}"}
    return headers


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.mark.parametrize("caller", CALLERS)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, caller, headers_of):
    case.call_and_validate(headers=headers_of[caller], checks=CHECKS)
