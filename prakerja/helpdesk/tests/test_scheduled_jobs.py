"""The contact center's periodic jobs (registered in apps.py, run by `manage.py scheduler`)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prakerja.core.models import AuditLog
from prakerja.core.scheduler import jobs_named
from prakerja.helpdesk import demo, services
from prakerja.helpdesk.models import Channel, RosterEntry, Ticket, TicketStatus
from prakerja.helpdesk.selectors import agents_on_shift

from .factories import agent, on_shift_agent


def new_ticket(n: int = 0) -> Ticket:
    return services.ticket_create(
        channel=Channel.PHONE, subject=f"Telepon {n}", description="", name="Penelepon", route=False
    )


def resolved_tickets(n: int, staff) -> list[Ticket]:
    tickets = [new_ticket(i) for i in range(n)]
    for ticket in tickets:
        services.ticket_resolve(ticket=ticket, actor=staff)
    return tickets


@pytest.mark.django_db
def test_autoclose_closes_tickets_past_the_reopen_window_in_batches_audited(open_hours):
    staff = agent()
    old = resolved_tickets(5, staff)
    open_hours.shift(dt.timedelta(days=6))
    recent = resolved_tickets(1, staff)[0]
    open_hours.shift(dt.timedelta(days=1, hours=1))  # 7 days and 1 hour after the first five

    with CaptureQueriesContext(connection) as queries:
        assert services.tickets_close_resolved(batch=2) == 5
    updates = [q for q in queries if q["sql"].startswith('UPDATE "helpdesk_ticket"')]
    assert len(updates) == 3  # 2 + 2 + 1, one transaction each

    assert {t.status for t in Ticket.objects.filter(pk__in=[t.pk for t in old])} == {
        TicketStatus.CLOSED
    }
    recent.refresh_from_db()
    assert recent.status == TicketStatus.RESOLVED  # still inside its reopen window
    audited = AuditLog.objects.filter(action="ticket.status", after={"status": "closed"})
    assert sorted(int(a.object_id) for a in audited) == sorted(t.pk for t in old)
    assert services.tickets_close_resolved() == 0


@pytest.mark.django_db(transaction=True)
def test_scheduler_once_routes_waiting_tickets_and_closes_old_resolved_ones(open_hours, seeded):
    staff = agent()
    resolved = resolved_tickets(1, staff)[0]
    open_hours.shift(dt.timedelta(days=8))
    waiting = new_ticket()
    ready = on_shift_agent()  # online already: nothing routes the ticket but the job
    waiting.refresh_from_db()
    assert waiting.assignee is None

    call_command("scheduler", "--once", "--job", "helpdesk.route", "--job", "helpdesk.autoclose")

    waiting.refresh_from_db()
    resolved.refresh_from_db()
    assert waiting.assignee == ready
    assert resolved.status == TicketStatus.CLOSED


@pytest.mark.django_db
def test_demo_roster_keeps_the_demo_routing_week_after_week(open_hours):
    demo.seed(stdout=io.StringIO())
    (job,) = jobs_named(["helpdesk.demo_roster"])
    assert job.func() == 0  # seeding rostered the coming week already
    assert agents_on_shift().count() == 30  # Pagi, 10:00

    open_hours.shift(dt.timedelta(days=8))
    assert agents_on_shift().count() == 0  # the seeded week is over

    assert job.func() == 60 * 7  # the scheduler's run tops the roster up a week ahead
    assert agents_on_shift().count() == 30
    assert set(agents_on_shift().values_list("username", flat=True)) == {
        f"agen{i:02d}" for i in range(1, 31)
    }
    open_hours.shift(dt.timedelta(hours=5))  # 15:00: Siang
    assert set(agents_on_shift().values_list("username", flat=True)) == {
        f"agen{i:02d}" for i in range(31, 61)
    }
    open_hours.shift(dt.timedelta(days=6, hours=-5))  # the last day of that week
    assert agents_on_shift().count() == 30
    assert job.func() == 60 * 6


@pytest.mark.django_db
def test_demo_roster_job_adds_nothing_without_the_demo_agents(open_hours):
    agent(username="agen01")  # not a demo account (no demo e-mail)
    assert demo.demo_roster_extend() == 0
    assert not RosterEntry.objects.exists()
