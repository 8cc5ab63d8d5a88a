"""`Idempotency-Key` on sign-up, ticket intake and purchases (core/idempotency.py, ADR 0039)."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.test import Client

from prakerja.accounts.models import User
from prakerja.core import clock, scheduler
from prakerja.core.idempotency import idempotency_records_purge
from prakerja.core.models import IdempotencyRecord
from prakerja.helpdesk.models import Ticket
from prakerja.training.models import Purchase
from prakerja.training.tests.factories import CardFactory, CourseFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Siti Aminah",
    "email": "siti@example.test",
    "password": "kuat-sekali-2021!",
    "phone": "0812-3456-7890",
}
TICKET = {"subject": "Kode OTP", "description": "Tidak masuk.", "name": "Budi", "email": "b@x.test"}


def new_key() -> str:
    return str(uuid.uuid4())


def post(client, path, data, key):
    return client.post(path, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_signup_retried_with_its_key_gets_the_first_answer_and_no_second_account(
    client, django_capture_on_commit_callbacks
):
    key = new_key()
    with django_capture_on_commit_callbacks() as callbacks:
        first = post(client, "/api/v1/accounts", SIGNUP, key)
        again = post(Client(), "/api/v1/accounts", SIGNUP, key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(email="siti@example.test").count() == 1
    assert len(callbacks) == 1  # one welcome SMS and e-mail task
    assert IdempotencyRecord.objects.get().scope == "accounts.signup:anonymous"


def test_the_same_key_with_another_body_is_422_and_writes_nothing():
    key = new_key()
    assert post(Client(), "/api/v1/accounts", SIGNUP, key).status_code == 201
    other = post(Client(), "/api/v1/accounts", {**SIGNUP, "email": "lain@example.test"}, key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert not User.objects.filter(email="lain@example.test").exists()


def test_a_body_serialized_differently_is_the_same_request(client):
    key = new_key()
    assert post(client, "/api/v1/tickets", TICKET, key).status_code == 201
    reordered = (
        '{"email": "b@x.test", "name":"Budi", "description": "Tidak masuk.", "subject": "Kode OTP"}'
    )
    again = post(client, "/api/v1/tickets", reordered, key)
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_an_error_is_not_stored_so_the_fixed_request_may_reuse_the_key(client):
    key = new_key()
    refused = post(client, "/api/v1/accounts", {**SIGNUP, "phone": "123"}, key)
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    assert not IdempotencyRecord.objects.exists()
    assert post(client, "/api/v1/accounts", SIGNUP, key).status_code == 201


def test_a_conflict_is_not_stored_either(client):
    post(Client(), "/api/v1/accounts", SIGNUP, new_key())
    key = new_key()
    taken = post(client, "/api/v1/accounts", SIGNUP, key)
    assert taken.json()["code"] == "already_registered"
    fixed = post(client, "/api/v1/accounts", {**SIGNUP, "email": "siti2@example.test"}, key)
    assert fixed.status_code == 201


def test_without_the_header_nothing_is_recorded(client):
    assert (
        client.post("/api/v1/tickets", TICKET, content_type="application/json").status_code == 201
    )
    assert (
        client.post("/api/v1/tickets", TICKET, content_type="application/json").status_code == 201
    )
    assert Ticket.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["short", "x" * 256, "spasi di dalam kunci yang panjang sekali"])
def test_a_malformed_key_is_422_on_the_header(client, key):
    response = post(client, "/api/v1/tickets", TICKET, key)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Ticket.objects.exists()


def test_a_structured_field_string_key_is_the_bare_key(client):
    key = new_key()
    post(client, "/api/v1/tickets", TICKET, f'"{key}"')
    assert post(client, "/api/v1/tickets", TICKET, key)["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().key == key


def test_purchase_retried_buys_once_and_tells_the_first_balance(client):
    card = CardFactory()  # Rp 1,000,000
    course = CourseFactory(price=250_000)
    client.force_login(card.participant)
    key = new_key()
    first = post(client, "/api/v1/me/purchases", {"course": course.pk}, key)
    again = post(client, "/api/v1/me/purchases", {"course": course.pk}, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert first.json()["balance"] == 750_000
    assert Purchase.objects.filter(card=card).count() == 1
    card.refresh_from_db()
    assert card.balance == 750_000


def test_keys_belong_to_their_caller(client):
    """Another participant sending the same key buys their own course, not a replay of mine."""
    course = CourseFactory(price=100_000)
    key = new_key()
    for card in (CardFactory(), CardFactory()):
        client.force_login(card.participant)
        response = post(client, "/api/v1/me/purchases", {"course": course.pk}, key)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert Purchase.objects.count() == 2


def test_a_retry_still_matches_while_the_secret_key_is_rotated(client, settings):
    key = new_key()
    post(client, "/api/v1/tickets", TICKET, key)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert post(client, "/api/v1/tickets", TICKET, key)["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_the_body_is_stored_keyed_not_in_clear(client):
    post(client, "/api/v1/accounts", SIGNUP, new_key())
    record = IdempotencyRecord.objects.get()
    assert SIGNUP["password"] not in str(record.__dict__)
    assert len(record.fingerprint) == 64


def test_records_are_replayed_for_a_day_then_purged_by_the_scheduled_job(client, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    start = clock.now()
    with time_machine.travel(start, tick=False):
        old_key = new_key()
        post(client, "/api/v1/tickets", TICKET, old_key)
    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        post(client, "/api/v1/tickets", {**TICKET, "subject": "Lagi"}, new_key())
        assert post(client, "/api/v1/tickets", TICKET, old_key)["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        (job,) = scheduler.jobs_named(["core.idempotency_purge"])
        assert job.func is idempotency_records_purge
        assert job.func() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) != [old_key]
    assert IdempotencyRecord.objects.count() == 1


def test_openapi_documents_the_header_on_the_retried_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/accounts", "/api/v1/tickets", "/api/v1/me/purchases"):
        parameters = paths[path]["post"]["parameters"]
        (header,) = [p for p in parameters if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header"
        assert header["required"] is False
