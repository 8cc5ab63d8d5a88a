"""E-mail as a channel beside chat, phone and web: routing with its own capacity, threaded
agent replies, CSAT by e-mail link, the reports and the summary API."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail as django_mail
from django.test import TestCase

from prakerja.core.clock import local_datetime
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk import services as helpdesk
from prakerja.helpdesk.models import Channel, Ticket, TicketStatus
from prakerja.helpdesk.tests.factories import on_shift_agent
from prakerja.mail.models import InboundMail, OutboundMail, SendStatus
from prakerja.mail.services import mail_ingest
from prakerja.mail.tasks import mail_send
from prakerja.reports.tests.factories import reply_at, resolve_at, ticket_at
from prakerja.surveys.models import Delivery, Survey
from prakerja.surveys.services import survey_answer

from .builders import raw_mail

pytestmark = pytest.mark.django_db


def ingest(raw: bytes):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return mail_ingest(raw=raw)


def test_an_agents_reply_goes_out_threaded_and_the_answer_comes_back(open_hours):
    staff = on_shift_agent()
    first = ingest(raw_mail(message_id="<q1@example.test>"))
    ticket = Ticket.objects.get(reference=first.reference)
    assert ticket.assignee == staff  # routed like any ticket
    django_mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        helpdesk.ticket_reply(ticket=ticket, author=staff, body="Saldo sudah kami cek.")
    [sent] = django_mail.outbox
    ack, reply = OutboundMail.objects.filter(ticket=ticket).order_by("id")
    assert sent.extra_headers["Message-ID"] == f"<{reply.message_id}>"
    assert sent.extra_headers["In-Reply-To"] == "<q1@example.test>"
    assert sent.extra_headers["References"] == f"<q1@example.test> <{ack.message_id}>"
    assert "Auto-Submitted" not in sent.extra_headers
    assert "Saldo sudah kami cek." in sent.body
    assert "Saldo sudah kami cek." in sent.alternatives[0].content
    assert ticket.reference in sent.subject
    answer = ingest(
        raw_mail(
            subject=f"Re: {sent.subject}",
            text="Terima kasih.",
            in_reply_to=f"<{reply.message_id}>",
            references=f"<q1@example.test> <{reply.message_id}>",
        )
    )
    assert answer.reference == ticket.reference
    assert ticket.messages.filter(from_requester=True).count() == 2


def test_web_and_phone_tickets_keep_helpdesk_e_mail(open_hours):
    ticket = ticket_at(local_datetime(2026, 3, 10, 9, 0), channel=Channel.WEB)
    assert not OutboundMail.objects.filter(ticket=ticket).exists()
    assert any(ticket.reference in m.subject for m in django_mail.outbox)


def test_sending_is_retried_then_given_up(open_hours, settings, monkeypatch):
    settings.MAIL_SEND_ATTEMPTS = 3
    calls = []

    def down(self, messages):
        calls.append(1)
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    first = ingest(raw_mail())
    outbound = OutboundMail.objects.get(ticket__reference=first.reference)
    assert outbound.status == SendStatus.FAILED
    assert outbound.attempts == 3
    assert "connection refused" in outbound.last_error
    assert len(calls) == 3
    assert mail_send.call(outbound_id=outbound.pk) == SendStatus.FAILED  # settled: not resent


def test_a_retry_that_succeeds_sends_once(open_hours, monkeypatch):
    real = django_mail.backends.locmem.EmailBackend.send_messages
    failures = iter([True])

    def flaky(self, messages):
        if next(failures, False):
            raise OSError("timed out")
        return real(self, messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", flaky)
    first = ingest(raw_mail())
    outbound = OutboundMail.objects.get(ticket__reference=first.reference)
    assert (outbound.status, outbound.attempts) == (SendStatus.SENT, 2)
    assert len(django_mail.outbox) == 1


def test_email_tickets_have_their_own_routing_capacity(open_hours, settings):
    settings.HELPDESK_CHANNEL_TICKET_LIMITS = {"email": 2}
    staff = on_shift_agent(limit=1)
    web = ticket_at(local_datetime(2026, 3, 10, 9, 0), channel=Channel.WEB)
    helpdesk.ticket_route(ticket=web)
    emails = [ingest(raw_mail(subject=f"Mail {i}")).reference for i in range(3)]
    web2 = ticket_at(local_datetime(2026, 3, 10, 9, 1), channel=Channel.WEB)
    helpdesk.ticket_route(ticket=web2)
    owners = {t.reference: t.assignee_id for t in Ticket.objects.all()}
    # The web limit (1) is full, yet two e-mails go to the agent; the third e-mail and the
    # second web ticket wait for capacity of their own kind.
    assert owners[web.reference] == staff.pk
    assert [owners[r] for r in emails] == [staff.pk, staff.pk, None]
    assert owners[web2.reference] is None
    helpdesk.ticket_set_status(ticket=web, status=TicketStatus.RESOLVED, actor=staff)
    assert helpdesk.routing_drain() == 1
    assert Ticket.objects.get(reference=web2.reference).assignee_id == staff.pk
    assert Ticket.objects.get(reference=emails[2]).assignee_id is None


def test_claim_next_skips_a_lane_the_agent_has_filled(open_hours, settings):
    settings.HELPDESK_CHANNEL_TICKET_LIMITS = {"email": 1}
    staff = on_shift_agent(status="offline", limit=5)
    emails = [ingest(raw_mail(subject=f"Mail {i}")).reference for i in range(2)]
    web = ticket_at(local_datetime(2026, 3, 10, 10, 5), channel=Channel.WEB)
    assert helpdesk.ticket_claim_next(agent=staff).reference == emails[0]
    assert helpdesk.ticket_claim_next(agent=staff).reference == web.reference
    assert helpdesk.ticket_claim_next(agent=staff) is None


def test_csat_reports_and_summary_count_email_as_a_channel(client, settings):
    staff = user_with_role(Role.AGENT, username="agent1")
    at = local_datetime(2026, 3, 10, 9, 0)
    with time_machine.travel(at, tick=False):
        reference = ingest(raw_mail()).reference
    ticket = Ticket.objects.get(reference=reference)
    helpdesk.ticket_assign(ticket=ticket, agent=staff, actor=staff)
    ticket = reply_at(ticket, at + dt.timedelta(minutes=30), staff)
    ticket = resolve_at(ticket, at + dt.timedelta(hours=2), staff)
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.channel, survey.delivery) == ("email", Delivery.EMAIL)
    assert any("/survei/" in m.body for m in django_mail.outbox)
    with (
        time_machine.travel(at + dt.timedelta(hours=3), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        survey_answer(survey=survey, rating=5)
    chat = ticket_at(at, channel=Channel.CHAT, assignee=staff)
    chat = reply_at(chat, at + dt.timedelta(minutes=1), staff)
    chat = resolve_at(chat, at + dt.timedelta(minutes=5), staff)
    with (
        time_machine.travel(at + dt.timedelta(hours=3), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        survey_answer(survey=Survey.objects.get(ticket=chat), rating=2)
    token = api_token_create(user=user_with_role(Role.PMO_ADMIN, username="pmo"), name="t")[1]
    body = client.get(
        "/api/v1/reports/summary",
        {"start": "2026-03-01", "end": "2026-03-31"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert body["by_channel"] == {"chat": 1, "phone": 0, "web": 0, "email": 1}
    assert body["csat"]["email"] == 100.0
    assert body["csat"]["chat"] == 0.0
    # Over the channels with responses only (chat, e-mail): phone and web do not pull it down.
    assert body["csat"]["channel_average"] == 50.0
    assert InboundMail.objects.get().ticket == ticket


def test_the_mailbox_summary_is_for_supervisors(client):
    ingest(raw_mail(headers={"Auto-Submitted": "auto-replied"}))
    ingest(b"garbage")
    token = api_token_create(user=user_with_role(Role.SUPERVISOR, username="spv"), name="t")[1]
    body = client.get("/api/v1/mail/summary", headers={"Authorization": f"Bearer {token}"}).json()
    counts = {row["key"]: row["count"] for row in body["outcomes"]}
    assert counts["auto-reply"] == 1
    assert counts["unreadable"] == 1
    assert body["kept"] == 1
    agent_token = api_token_create(user=user_with_role(Role.AGENT, username="a"), name="t")[1]
    denied = client.get("/api/v1/mail/summary", headers={"Authorization": f"Bearer {agent_token}"})
    assert denied.status_code == 403
    assert denied.json()["code"]
