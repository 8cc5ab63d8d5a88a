import json

import pytest
from django.core.management import call_command
from ninja import Schema

import config.api  # noqa: F401  (imports every app's API module, for their schemas)
from prakerja.core.models import ApiToken, AuditLog
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create, api_token_revoke, audit_record

from .factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _assert_error_shape(body: dict, code: str) -> None:
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]


def test_unauthenticated_request_gets_401_in_the_error_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    _assert_error_shape(response.json(), "unauthenticated")


def test_bad_query_parameter_is_422_with_field_errors(client):
    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    response = client.get("/api/v1/audit-log", {"limit": "lots"})
    assert response.status_code == 422
    body = response.json()
    _assert_error_shape(body, "validation_error")
    assert list(body["errors"]) == ["limit"]

    response = client.get("/api/v1/audit-log", {"limit": 500})
    assert response.status_code == 422
    assert "limit" in response.json()["errors"]


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404


def test_bearer_token_acts_as_its_user_and_is_stored_hashed(client):
    user = user_with_role(Role.SUPERVISOR, username="sup1")
    token, raw = api_token_create(user=user, name="pbx")
    assert raw not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=raw).exists()

    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json() == {
        "username": "sup1",
        "full_name": user.full_name,
        "roles": ["supervisor"],
    }

    api_token_revoke(token=token, actor=user)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_wrong_token_is_401(client):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer pk_not-a-real-token")
    assert response.status_code == 401
    _assert_error_shape(response.json(), "unauthenticated")


def test_create_api_token_command_prints_a_working_token_once(client, capsys):
    UserFactory(username="pbx-bot")
    call_command("create_api_token", "--user", "pbx-bot", "--name", "pbx")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("pk_")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert AuditLog.objects.filter(action="api_token.create").count() == 1


def test_audit_log_endpoint_is_for_staff_roles_only(client):
    audit_record(actor=None, action="demo.test", object_type="demo", object_id="1", after={"x": 1})
    client.force_login(user_with_role(Role.AGENT))
    response = client.get("/api/v1/audit-log")
    assert response.status_code == 403
    _assert_error_shape(response.json(), "forbidden")

    client.force_login(user_with_role(Role.SUPERVISOR))
    response = client.get("/api/v1/audit-log", {"action": "demo.test"})
    assert response.status_code == 200
    assert [e["after"] for e in response.json()] == [{"x": 1}]


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]


TICKET = {"subject": "S", "description": "D", "name": "N", "email": "a@example.test"}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_json_endpoints_refuse_other_content_types_with_415(client, content_type):
    body = json.dumps(TICKET)
    response = client.post("/api/v1/tickets", body, content_type=content_type)
    assert response.status_code == 415
    _assert_error_shape(response.json(), "unsupported_media_type")


def test_json_with_a_charset_is_json(client):
    response = client.post(
        "/api/v1/tickets",
        json.dumps(TICKET),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201, response.json()


def _schemas(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_schema_names_are_unique_across_apps():
    """The OpenAPI document keys its components by class name: two `QueueOut`s in two apps make
    one operation document the other's body."""
    names: dict[str, set[str]] = {}
    for schema in _schemas(Schema):
        if schema.__module__.startswith("prakerja.") and ".tests" not in schema.__module__:
            names.setdefault(schema.__name__, set()).add(schema.__module__)
    assert {name: mods for name, mods in names.items() if len(mods) > 1} == {}
