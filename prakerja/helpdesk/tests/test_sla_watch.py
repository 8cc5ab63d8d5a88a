"""The SLA watch: a warning before the due time, an escalation after it, each once per ticket,
told to the assignee and the supervisors; concurrent runs never double up (PostgreSQL)."""

import asyncio
import datetime as dt
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import close_old_connections
from django.test import TestCase

from prakerja.core.models import AuditLog
from prakerja.helpdesk import realtime, services
from prakerja.helpdesk.models import Priority, Ticket
from prakerja.helpdesk.selectors import tickets_sla_at_risk

from .factories import agent

pytestmark = pytest.mark.django_db


def _ticket(*, assignee=None) -> Ticket:
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket = services.ticket_create(
            channel="web",
            subject="Saldo",
            description="Belum masuk",
            category_slug="other",
            name="Warga",
            email="warga@example.test",
            route=False,
        )
    if assignee is not None:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
    return Ticket.objects.get(pk=ticket.pk)


def _listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def _received(channel: str) -> list[dict]:
    layer = get_channel_layer()

    async def drain():
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.05))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()


def _watch(at: dt.datetime) -> dict:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.sla_watch(now=at)


def test_warned_once_then_escalated_once(open_hours, settings):
    settings.HELPDESK_SLA_WARN_MINUTES = 30
    budi = agent(username="budi")
    ticket = _ticket(assignee=budi)
    due = ticket.first_response_due_at
    budi_socket, supervisors = (
        _listen(realtime.agent_group(budi.pk)),
        _listen(realtime.SUPERVISORS_GROUP),
    )

    assert _watch(due - dt.timedelta(minutes=31)) == {"warned": 0, "escalated": 0}
    assert _watch(due - dt.timedelta(minutes=29)) == {"warned": 1, "escalated": 0}
    assert _watch(due - dt.timedelta(minutes=10)) == {"warned": 0, "escalated": 0}
    [warning] = _received(budi_socket)
    assert (warning["type"], warning["level"], warning["ticket"]) == (
        "notify",
        "warning",
        ticket.reference,
    )
    assert ticket.reference in warning["message"]
    assert [e["level"] for e in _received(supervisors)] == ["warning"]
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.NORMAL

    assert _watch(due + dt.timedelta(seconds=1)) == {"warned": 0, "escalated": 1}
    assert _watch(due + dt.timedelta(hours=1)) == {"warned": 0, "escalated": 0}
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert ticket.escalated_at == due + dt.timedelta(seconds=1)
    assert ticket.first_response_due_at == due  # escalating does not move the deadline
    [entry] = AuditLog.objects.filter(action="ticket.escalate")
    assert entry.object_id == str(ticket.pk)
    assert entry.before == {"priority": "normal"}
    assert [e["level"] for e in _received(budi_socket)] == ["error"]
    assert [e["level"] for e in _received(supervisors)] == ["error"]


def test_answered_tickets_are_watched_on_their_resolution_due_time(open_hours):
    budi = agent(username="budi")
    ticket = _ticket(assignee=budi)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=budi, body="Kami cek dulu.")
    ticket.refresh_from_db()
    assert _watch(ticket.first_response_due_at + dt.timedelta(minutes=1))["escalated"] == 0
    result = _watch(ticket.resolution_due_at + dt.timedelta(minutes=1))
    assert result["escalated"] == 1


def test_waiting_on_the_requester_and_resolved_tickets_are_not_watched(open_hours):
    budi = agent(username="budi")
    pending, resolved = _ticket(assignee=budi), _ticket(assignee=budi)
    Ticket.objects.filter(pk=pending.pk).update(status="pending")
    Ticket.objects.filter(pk=resolved.pk).update(status="resolved")
    late = max(pending.resolution_due_at, resolved.resolution_due_at) + dt.timedelta(days=1)
    assert _watch(late) == {"warned": 0, "escalated": 0}


def test_at_risk_lists_the_most_urgent_first(open_hours, django_assert_num_queries):
    first, second = _ticket(), _ticket()
    Ticket.objects.filter(pk=second.pk).update(
        first_response_due_at=first.first_response_due_at - dt.timedelta(minutes=5)
    )
    at = first.first_response_due_at - dt.timedelta(minutes=6)  # both due within 30 minutes
    with django_assert_num_queries(6):
        risk = tickets_sla_at_risk(at=at, within=dt.timedelta(minutes=30))
    assert risk["count"] == 2
    assert risk["breached"] == 0
    assert [r.ticket.pk for r in risk["rows"]] == [second.pk, first.pk]
    assert {r.kind for r in risk["rows"]} == {"first_response"}
    # Two minutes on, the second is a minute past due; the first is due in four minutes.
    later = tickets_sla_at_risk(at=at + dt.timedelta(minutes=2), within=dt.timedelta(minutes=3))
    assert (later["count"], later["breached"]) == (1, 1)
    assert later["rows"][0].breached


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_watches_escalate_each_ticket_once():
    tickets = [_ticket() for _ in range(30)]
    late = max(t.first_response_due_at for t in tickets) + dt.timedelta(minutes=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(services.sla_watch(now=late))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(r["escalated"] for r in results) == 30
    assert AuditLog.objects.filter(action="ticket.escalate").count() == 30
    assert not Ticket.objects.filter(escalated_at__isnull=True).exists()
