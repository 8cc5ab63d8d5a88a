"""`Idempotency-Key` under real concurrency, on PostgreSQL: threads with their own connections
send the same request with the same key at once; exactly one write happens and every thread
gets its answer."""

import uuid

import pytest
from django.contrib.auth import hashers
from django.db import connection
from django.test import Client
from psycopg.pq import TransactionStatus

from prakerja.accounts.models import User
from prakerja.core.models import IdempotencyRecord
from prakerja.helpdesk.models import Ticket
from prakerja.training.models import Purchase
from prakerja.training.tests.factories import CardFactory, CourseFactory
from prakerja.training.tests.test_races import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]

TWINS = 8
SIGNUP = {
    "full_name": "Siti Aminah",
    "email": "siti@example.test",
    "password": "kuat-sekali-2021!",
    "phone": "0812-3456-7890",
}
TICKET = {"subject": "Kode OTP", "description": "Tidak masuk.", "name": "Budi", "email": "b@x.test"}


def send_together(path: str, data: dict, *, login=None) -> list:
    key = str(uuid.uuid4())

    def send(i):
        client = Client()
        if login is not None:
            client.force_login(login)
        response = client.post(
            path, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )
        return response.status_code, response.content

    return run_together(TWINS, send)


def assert_one_answer(results) -> None:
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {status for status, _body in results} == {201}
    assert len({body for _status, body in results}) == 1
    assert IdempotencyRecord.objects.count() == 1


def test_twin_sign_ups_create_one_account():
    assert_one_answer(send_together("/api/v1/accounts", SIGNUP))
    assert User.objects.filter(email="siti@example.test").count() == 1


def test_twin_tickets_open_one_ticket(settings):
    settings.HELPDESK_INTAKE_PER_EMAIL = TWINS  # the limit counts attempts, twins included
    assert_one_answer(send_together("/api/v1/tickets", TICKET))
    assert Ticket.objects.count() == 1


def test_twin_purchases_buy_once():
    card = CardFactory()
    course = CourseFactory(price=200_000)
    assert_one_answer(
        send_together("/api/v1/me/purchases", {"course": course.pk}, login=card.participant)
    )
    assert Purchase.objects.filter(card=card).count() == 1
    card.refresh_from_db()
    assert card.balance == 800_000


def test_the_password_is_hashed_outside_the_database_transaction(monkeypatch):
    """ADR 0016 holds under the key: the transaction the record shares with the account starts
    at its first statement, after the hash, so no server connection idles through the hash."""
    states = []
    make_password = hashers.make_password

    def recording(*args, **kwargs):
        connection.ensure_connection()
        states.append(connection.connection.info.transaction_status)
        return make_password(*args, **kwargs)

    monkeypatch.setattr("prakerja.accounts.services.registration.make_password", recording)
    Client().get("/")  # warms the cached switch schedule, as on a serving process
    response = Client().post(
        "/api/v1/accounts",
        SIGNUP,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201
    assert states == [TransactionStatus.IDLE]
