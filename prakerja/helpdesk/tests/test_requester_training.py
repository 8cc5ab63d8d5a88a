"""The requester panel's Prakerja card and trainings: what an agent needs to answer "which
training", "my voucher" and "my certificate" without asking the PMO, masked, in a fixed number
of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prakerja.helpdesk import services
from prakerja.helpdesk.models import Channel
from prakerja.training.models import PurchaseStatus
from prakerja.training.selectors import training_summary_for_agent
from prakerja.training.tests.factories import (
    CardFactory,
    CertificateFactory,
    CourseFactory,
    PurchaseFactory,
    ReviewFactory,
    SelectedApplicationFactory,
)

from .factories import agent, participant

pytestmark = pytest.mark.django_db


def ticket_of(user):
    return services.ticket_create(
        channel=Channel.WEB,
        subject="Voucher saya ditolak",
        description="Kode voucher tidak bisa ditukarkan.",
        requester=user,
        name=user.get_full_name(),
        email=user.email,
        phone="081298765432",
    )


@pytest.fixture
def card():
    return CardFactory(application=SelectedApplicationFactory(participant=participant()))


def test_summary_shows_card_purchases_redemptions_completions_and_certificates(card):
    paid = PurchaseFactory(card=card, course=CourseFactory(title="Menjahit Dasar"))
    redeemed = PurchaseFactory(card=card, course=CourseFactory(title="Excel"), redeemed=True)
    certificate = CertificateFactory(
        purchase=PurchaseFactory(card=card, course=CourseFactory(title="Barista"), completed=True)
    )
    ReviewFactory(purchase=certificate.purchase)
    summary = training_summary_for_agent(user=card.participant)

    assert summary["card"]["status"] == "active"
    assert summary["card"]["balance"] == card.balance
    assert summary["card"]["number_masked"] == f"{card.number[:6]}******{card.number[-4:]}"
    by_course = {p["course"]: p for p in summary["purchases"]}
    assert by_course["Menjahit Dasar"]["status"] == PurchaseStatus.PAID
    assert by_course["Excel"]["status"] == PurchaseStatus.REDEEMED
    assert by_course["Excel"]["redeemed_at"] == redeemed.redeemed_at
    barista = by_course["Barista"]
    assert barista["status"] == PurchaseStatus.COMPLETED
    assert barista["certificate"]["number"] == certificate.number
    assert barista["reviewed"] is True
    assert by_course["Excel"]["reviewed"] is False
    code = paid.voucher_code
    assert by_course["Menjahit Dasar"]["voucher_masked"] == code[:4] + "********" + code[-4:]
    assert (summary["purchase_count"], summary["completed_count"]) == (3, 1)
    assert summary["certificate_count"] == 1


def test_nothing_before_the_results_are_published_and_revoked_cards_show_no_balance(card):
    with time_machine.travel(card.issued_at - dt.timedelta(minutes=1)):
        assert training_summary_for_agent(user=card.participant)["card"] is None
    with time_machine.travel(card.first_purchase_deadline):
        revoked = training_summary_for_agent(user=card.participant)["card"]
    assert revoked["status"] == "revoked"
    assert revoked["balance"] == 0
    assert training_summary_for_agent(user=participant())["card"] is None


def test_counts_stay_right_past_the_shown_purchases(card):
    from prakerja.training import selectors

    for _ in range(selectors.AGENT_PURCHASES_SHOWN + 2):
        CertificateFactory(purchase=PurchaseFactory(card=card, completed=True))
    summary = training_summary_for_agent(user=card.participant)
    assert len(summary["purchases"]) == selectors.AGENT_PURCHASES_SHOWN
    expected = selectors.AGENT_PURCHASES_SHOWN + 2
    assert summary["purchase_count"] == summary["certificate_count"] == expected


def test_summary_is_two_queries_however_many_purchases(card, django_assert_num_queries):
    for _ in range(6):
        certificate = CertificateFactory(purchase=PurchaseFactory(card=card, completed=True))
        ReviewFactory(purchase=certificate.purchase)
    with django_assert_num_queries(2):
        training_summary_for_agent(user=card.participant)


def test_ticket_page_shows_the_panel_masked(client, card):
    certificate = CertificateFactory(
        purchase=PurchaseFactory(card=card, course=CourseFactory(title="Barista"), completed=True)
    )
    paid = PurchaseFactory(card=card, course=CourseFactory(title="Menjahit Dasar"))
    ticket = ticket_of(card.participant)
    client.force_login(agent())
    html = client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference])).content.decode()
    assert 'id="training-card"' in html
    assert card.number not in html
    assert f"{card.number[:6]}******{card.number[-4:]}" in html
    assert paid.voucher_code not in html
    assert paid.voucher_code[-4:] in html
    assert "Menjahit Dasar" in html
    assert "Barista" in html
    assert f"/sertifikat/{certificate.number}/" in html
    assert "Rp\u00a01.000.000" in html  # the initial balance, Indonesian thousands


def test_ticket_page_for_a_participant_without_a_card_and_for_a_guest(client):
    client.force_login(agent())
    html = client.get(
        reverse("helpdesk:agent_ticket", args=[ticket_of(participant()).reference])
    ).content.decode()
    assert 'id="training-no-card"' in html
    guest = services.ticket_create(
        channel=Channel.WEB,
        subject="Tanya",
        description="Pertanyaan umum.",
        name="Tamu",
        email="tamu@example.test",
    )
    html = client.get(reverse("helpdesk:agent_ticket", args=[guest.reference])).content.decode()
    assert "training-title" not in html


def test_ticket_page_queries_do_not_grow_with_purchases(client, card):
    ticket = ticket_of(card.participant)
    client.force_login(agent())
    url = reverse("helpdesk:agent_ticket", args=[ticket.reference])
    client.get(url)  # warm per-process caches (categories, roles)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(5):
        certificate = CertificateFactory(purchase=PurchaseFactory(card=card, completed=True))
        ReviewFactory(purchase=certificate.purchase)
    PurchaseFactory(card=card, redeemed=True)
    assert queries() == before
