"""A database that drops out for one request: that request gets a clean 503 with Retry-After (a
page or the JSON error shape), never a 500, and the next request works."""

import contextlib
from unittest import mock

import pytest
from django.db import connection
from django.test import Client

from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db

TICKET = {
    "channel": "web",
    "category": "certificate",
    "subject": "Sertifikat",
    "description": "Belum terbit.",
    "name": "Andi",
    "email": "andi@example.test",
}
FORM = {
    "name": "Siti Aminah",
    "email": "siti@example.test",
    "phone": "081234567890",
    "category": "account-linking",
    "subject": "Tidak bisa menautkan e-wallet",
    "description": "Kode OTP tidak pernah masuk.",
    "website": "",
}


@contextlib.contextmanager
def database_gone():
    """Every query fails as the driver fails when the server dropped the connection."""
    error = connection.Database.OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(connection, "create_cursor", side_effect=error):
        yield


@pytest.fixture
def web():
    """Like a real server: an exception becomes the error page, it is not re-raised in the test."""
    return Client(raise_request_exception=False)


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert b"0800-150-3001" in response.content  # the hotline, from the standalone page


def assert_unavailable_json(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "service_unavailable"
    assert set(response.json()) == {"code", "message", "errors"}


def test_a_page_answers_503_then_works(web):
    web.force_login(user_with_role("participant"))
    with database_gone():
        assert_unavailable_page(web.get("/dasbor/"))
    assert web.get("/dasbor/").status_code == 200


def test_the_api_answers_503_json_then_works(web):
    _token, raw = api_token_create(user=user_with_role("agent"), name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    with database_gone():
        assert_unavailable_json(web.get("/api/v1/me", **auth))
    assert web.get("/api/v1/me", **auth).status_code == 200


def test_a_page_asked_for_json_answers_json(web):
    with database_gone():
        response = web.get("/pengaduan/", HTTP_ACCEPT="application/json")
    assert_unavailable_json(response)


def test_web_intake_answers_503_stores_nothing_then_works(web):
    with database_gone():
        assert_unavailable_page(web.post("/pengaduan/", FORM))
    assert not Ticket.objects.exists()
    assert web.post("/pengaduan/", FORM).status_code == 302
    assert Ticket.objects.count() == 1


def test_api_intake_answers_503_then_works(web):
    with database_gone():
        assert_unavailable_json(
            web.post("/api/v1/tickets", TICKET, content_type="application/json")
        )
    response = web.post("/api/v1/tickets", TICKET, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_connection_failure_on_postgresql(web, seeded):
    """The server refuses connections for one request (here: the port is wrong for a moment)."""
    assert web.get("/api/v1/switches").status_code == 200
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"
    try:
        assert_unavailable_json(
            web.post("/api/v1/tickets", TICKET, content_type="application/json")
        )
        assert_unavailable_page(web.get("/pengaduan/lacak/", {"reference": "X"}))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    response = web.post("/api/v1/tickets", TICKET, content_type="application/json")
    assert response.status_code == 201, response.content
