"""NUL and other control characters are refused with 422 wherever text comes in over HTTP, and
every API error (500 included) comes back in the error shape."""

import json

import pytest
from django.test import Client
from django.urls import path

from config.urls import handler500  # noqa: F401 (the site's, for this test's URLconf)
from config.urls import urlpatterns as site_urlpatterns
from prakerja.core.text import fields_with_control_characters
from prakerja.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db

TICKET = {"subject": "S", "description": "D", "name": "N", "email": "a@example.test"}
BAD = ["nul\x00", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85", "surrogate \ud800"]


@pytest.mark.parametrize("bad", BAD)
def test_api_json_body_with_a_control_character_is_422(client, bad):
    body = json.dumps({**TICKET, "subject": bad})
    response = client.post("/api/v1/tickets", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["subject"]
    assert not Ticket.objects.exists()


def test_nested_keys_and_values_are_found():
    data = {"a": [{"b": "ok"}, {"c": "x\x00"}], "k\x00": "v", "fine": "tab\tnew\nline\r"}
    assert fields_with_control_characters(data) == ["a.1.c", "__all__"]


def test_api_query_parameter_and_path_with_nul_are_422(client):
    response = client.get("/api/v1/tickets/AB\x00CD", {"email": "a@example.test"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["__path__"]
    response = client.get("/api/v1/tickets/ABCD-EFGH", {"email": "a\x00@example.test"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["email"]


def test_web_form_with_a_control_character_is_422_and_stores_nothing(client):
    response = client.post(
        "/pengaduan/", {**TICKET, "category": "other", "description": "ada\x00nul"}
    )
    assert response.status_code == 422
    assert "text/html" in response["Content-Type"]
    assert not Ticket.objects.exists()


def test_page_query_with_a_control_character_is_422(client):
    assert client.get("/pengaduan/lacak/", {"reference": "x\x1b"}).status_code == 422


def test_line_breaks_and_tabs_pass(client):
    body = json.dumps({**TICKET, "description": "line one\r\nline two\tend"})
    assert client.post("/api/v1/tickets", body, content_type="application/json").status_code == 201


def test_a_session_cookie_with_nul_is_no_session(client):
    cookie = 'sessionid="\\000aaaaaaaaaaaaaaaa"'  # the cookie parser unquotes \000 into NUL
    assert client.get("/api/v1/accounts/me", HTTP_COOKIE=cookie).status_code == 401
    assert client.get("/", HTTP_COOKIE=cookie).status_code == 200


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/v1/boom", _boom), *site_urlpatterns]


@pytest.mark.urls(__name__)
def test_an_unhandled_api_error_is_500_in_the_error_shape():
    response = Client(raise_request_exception=False).get("/api/v1/boom")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"code", "message", "errors"}
    assert response.json()["code"] == "server_error"


def test_an_unhandled_error_in_an_api_endpoint_is_500_in_the_error_shape(monkeypatch):
    from prakerja.helpdesk import selectors

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "ticket_get_for_tracking", broken)
    response = Client(raise_request_exception=False).get(
        "/api/v1/tickets/ABCD-EFGH", {"email": "a@example.test"}
    )
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_unknown_api_path_is_404_in_the_error_shape(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
