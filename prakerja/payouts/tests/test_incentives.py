import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from prakerja.accounts.sms import inbox
from prakerja.core import clock
from prakerja.payouts import incentives
from prakerja.payouts.models import (
    DisbursementBatch,
    IncentivePayment,
    LinkStatus,
    PaymentKind,
    PaymentStatus,
)
from prakerja.payouts.partners import FakePartner
from prakerja.training.services import review_create
from prakerja.training.tests.factories import CardFactory, PurchaseFactory

from .factories import LinkedAccountFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 31, 3, 0, tzinfo=dt.UTC)  # 10:00 in Jakarta


def reviewed(card=None, **wave):
    """A participant whose first training is completed and now reviewed."""
    card = card or CardFactory(**{f"application__wave__{k}": v for k, v in wave.items()})
    purchase = PurchaseFactory(card=card, completed=True)
    review_create(purchase=purchase, rating=5, text="Bagus sekali.")
    return card.participant


def disburse() -> str:
    out = io.StringIO()
    call_command("disburse_incentives", stdout=out)
    return out.getvalue().strip()


@time_machine.travel(NOW, tick=False)
def test_first_review_schedules_four_monthly_incentives_once():
    card = CardFactory()
    participant = reviewed(card)
    payments = list(IncentivePayment.objects.filter(participant=participant))
    assert [(p.kind, p.number, p.amount, p.due_on, p.status) for p in payments] == [
        ("incentive", 1, 600_000, dt.date(2026, 3, 31), "scheduled"),
        ("incentive", 2, 600_000, dt.date(2026, 4, 30), "scheduled"),
        ("incentive", 3, 600_000, dt.date(2026, 5, 31), "scheduled"),
        ("incentive", 4, 600_000, dt.date(2026, 6, 30), "scheduled"),
    ]
    reviewed(card)  # a second reviewed training schedules nothing more
    assert IncentivePayment.objects.filter(participant=participant).count() == 4


@time_machine.travel(NOW, tick=False)
def test_the_wave_scheme_sets_amounts_and_counts():
    participant = reviewed(incentive_amount=700_000, incentive_count=2)
    assert list(
        IncentivePayment.objects.filter(participant=participant).values_list("amount", flat=True)
    ) == [700_000, 700_000]


def test_completed_without_review_schedules_nothing():
    card = CardFactory()
    PurchaseFactory(card=card, completed=True)
    assert not IncentivePayment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_my_incentives_api(client):
    participant = reviewed()
    client.force_login(participant)
    body = client.get("/api/v1/me/incentives").json()
    assert body["items"][0] == {
        "kind": "incentive",
        "number": 1,
        "amount": 600_000,
        "due_on": "2026-03-31",
        "status": "scheduled",
        "failure_reason": "",
    }
    assert len(body["items"]) == 4
    client.logout()
    assert client.get("/api/v1/me/incentives").status_code == 401


def answer(client, n, answers=None):
    return client.post(
        f"/api/v1/me/evaluations/{n}",
        {"answers": answers if answers is not None else {"employed": "yes", "useful": 5}},
        content_type="application/json",
    )


@time_machine.travel(NOW, tick=False)
def test_evaluation_survey_schedules_its_incentive_once(client):
    card = CardFactory()
    client.force_login(card.participant)
    assert answer(client, 1).json()["code"] == "evaluation_not_open"
    reviewed(card)
    assert answer(client, 4).status_code == 404
    assert answer(client, 1, {}).status_code == 422
    response = answer(client, 1)
    assert response.status_code == 201, response.content
    assert answer(client, 1).json()["code"] == "already_answered"
    survey = IncentivePayment.objects.get(kind=PaymentKind.SURVEY)
    assert (survey.number, survey.amount, survey.due_on) == (1, 50_000, dt.date(2026, 3, 31))


@time_machine.travel(NOW, tick=False)
def test_disburse_pays_what_is_due_once():
    participant = reviewed()
    LinkedAccountFactory(user=participant)
    no_account = reviewed()
    assert disburse() == "sent 1, failed 0"
    assert disburse() == "sent 0, failed 0"
    first = IncentivePayment.objects.get(participant=participant, number=1)
    assert first.status == PaymentStatus.PAID
    assert first.settled_at == clock.now()
    assert first.linked_account.user == participant
    assert len(FakePartner._memory) == 1
    # not due yet, or no account to pay to: still scheduled
    assert IncentivePayment.objects.get(participant=participant, number=2).status == "scheduled"
    assert set(IncentivePayment.objects.filter(participant=no_account).values_list("status")) == {
        ("scheduled",)
    }
    with time_machine.travel(NOW + dt.timedelta(days=31), tick=False):
        assert disburse() == "sent 1, failed 0"


@time_machine.travel(NOW, tick=False)
def test_closed_account_fails_tells_the_participant_and_pays_after_relinking(
    client, django_capture_on_commit_callbacks
):
    participant = reviewed()
    old = LinkedAccountFactory(user=participant, account_number="1234561313")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert disburse() == "sent 0, failed 1"
    payment = IncentivePayment.objects.get(participant=participant, number=1)
    assert (payment.status, payment.failure_code) == ("failed", "AC04")
    assert payment.failure_reason == "The account is closed."
    # The SMS is in Indonesian, the bank's reason too (the bank sends only its code).
    assert any(
        to == participant.phone and "600.000" in text and "(Rekening sudah ditutup.)" in text
        for to, text in inbox
    )
    assert mail.outbox[-1].to == [participant.email]
    client.force_login(participant)
    dashboard = client.get("/dasbor/").content.decode()
    assert 'id="incentive-relink"' in dashboard

    old.status = LinkStatus.REPLACED
    old.save()
    new = LinkedAccountFactory(user=participant)
    incentives.incentives_retry_after_relink(participant=participant)
    payment.refresh_from_db()
    assert (payment.status, payment.attempt, payment.failure_code) == ("scheduled", 2, "")
    assert disburse() == "sent 1, failed 0"
    payment.refresh_from_db()
    assert (payment.status, payment.linked_account) == ("paid", new)


@time_machine.travel(NOW, tick=False)
def test_a_batch_left_queued_is_resumed_with_the_same_keys():
    participant = reviewed()
    LinkedAccountFactory(user=participant)
    batch = incentives.batch_claim(channel="bank", today=dt.date(2026, 3, 31))
    assert batch.payments.get().status == PaymentStatus.QUEUED
    # the dead run had reached the partner already
    FakePartner().send(batch=batch, payments=list(batch.payments.all()))
    assert disburse() == "sent 1, failed 0"
    batch.refresh_from_db()
    assert batch.status == DisbursementBatch.Status.SENT
    assert batch.payments.get().status == PaymentStatus.PAID
    assert len(FakePartner._memory) == 1


@time_machine.travel(NOW, tick=False)
def test_dashboard_panel_shows_the_schedule(client):
    participant = reviewed()
    client.force_login(participant)
    page = client.get("/dasbor/").content.decode()
    assert 'id="card-incentives"' in page
    assert page.count('class="incentive-scheduled"') == 4


def test_add_months_keeps_the_day_or_takes_the_last():
    assert incentives.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert incentives.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


@time_machine.travel(NOW, tick=False)
def test_agents_see_why_an_incentive_has_not_arrived(django_capture_on_commit_callbacks):
    from prakerja.helpdesk.models import Ticket
    from prakerja.helpdesk.selectors.requesters import requester_summary

    participant = reviewed()
    LinkedAccountFactory(user=participant, account_number="1234561313")
    with django_capture_on_commit_callbacks(execute=True):
        disburse()
    with translation.override("en"):
        rows = dict(requester_summary(Ticket(requester=participant)))
    assert rows["Incentives"] == (
        "3 Scheduled from 2026-04-30, 1 Failed (AC04: The account is closed.)"
    )
