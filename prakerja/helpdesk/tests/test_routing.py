import datetime as dt
import threading

import pytest
from django.db import close_old_connections
from django.test import TestCase

from prakerja.core import clock
from prakerja.helpdesk import services
from prakerja.helpdesk.models import Channel, PresenceStatus, Ticket
from prakerja.helpdesk.selectors import agents_available

from .factories import agent, on_shift_agent


def make_ticket(route=True):
    """Create a ticket and run what its commit starts (the intake task routes it)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.ticket_create(
            channel=Channel.PHONE, subject="Telepon", description="", name="Penelepon", route=route
        )


@pytest.mark.django_db
def test_agents_available_needs_shift_online_and_fresh_presence(open_hours):
    ready = on_shift_agent()
    on_shift_agent(status=PresenceStatus.AWAY)
    stale = on_shift_agent()
    stale.presence.last_seen_at = clock.now() - dt.timedelta(minutes=5)
    stale.presence.save()
    agent()  # online nowhere
    other_shift = on_shift_agent(at=clock.now() + dt.timedelta(hours=5))  # Siang roster
    other_shift.presence.last_seen_at = clock.now()
    other_shift.presence.save()
    assert list(agents_available()) == [ready]


@pytest.mark.django_db
def test_routing_least_loaded_first_and_never_over_the_limit(open_hours):
    a = on_shift_agent(limit=2)
    b = on_shift_agent(limit=2)
    tickets = [make_ticket() for _ in range(5)]
    owners = [Ticket.objects.get(pk=t.pk).assignee_id for t in tickets]
    assert owners[:4].count(a.pk) == 2
    assert owners[:4].count(b.pk) == 2
    assert owners[4] is None  # both at their limit: waits in the unassigned queue


@pytest.mark.django_db
def test_nobody_online_leaves_ticket_unassigned_then_drained(
    open_hours, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    late = on_shift_agent(status=PresenceStatus.OFFLINE)
    with django_capture_on_commit_callbacks(execute=True):
        services.presence_set(agent=late, status=PresenceStatus.ONLINE)
    assert Ticket.objects.get(pk=ticket.pk).assignee == late


@pytest.mark.django_db
def test_resolving_frees_capacity_for_the_queue(open_hours, django_capture_on_commit_callbacks):
    a = on_shift_agent(limit=1)
    first, second = make_ticket(), make_ticket()
    assert Ticket.objects.get(pk=second.pk).assignee is None
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket=first, actor=a)
    assert Ticket.objects.get(pk=second.pk).assignee == a


@pytest.mark.django_db
def test_intake_request_writes_little_and_the_task_routes_reports_and_acknowledges(
    open_hours, django_capture_on_commit_callbacks, django_assert_num_queries, mailoutbox
):
    from prakerja.reports.models import TicketFact

    a = on_shift_agent()
    services.ticket_create(  # warm the category and SLA caches, as a running server has them
        channel=Channel.WEB, subject="Pemanasan", description="x", name="W", email="w@example.test"
    )
    # Ticket and message, and four savepoint statements because this test holds a transaction
    # (ticket_create's own and the reference retry's): no audit entry, no routing, no report
    # rows, no task row yet (under the database backend it would be one more INSERT).
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_num_queries(4),
    ):
        ticket = services.ticket_create(
            channel=Channel.WEB,
            subject="Sertifikat",
            description="Belum muncul",
            name="Warga",
            email="warga@example.test",
        )
    assert len(callbacks) == 1  # one task enqueued, on commit
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    assert not TicketFact.objects.filter(ticket=ticket).exists()
    assert not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes at its commit
        callbacks[0]()  # the worker runs the task
    assert Ticket.objects.get(pk=ticket.pk).assignee == a
    assert TicketFact.objects.get(ticket=ticket).agent == a.get_username()
    assert [m.to for m in mailoutbox] == [["warga@example.test"]]
    assert ticket.reference in mailoutbox[0].subject


@pytest.mark.django_db
def test_the_intake_task_audits_the_creation_as_the_request_made_it(
    open_hours, django_capture_on_commit_callbacks
):
    from prakerja.core.logging import request_id_var
    from prakerja.core.models import AuditLog

    from .factories import participant

    user = participant()
    token = request_id_var.set("req-intake-1")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ticket = services.ticket_create(
                channel=Channel.WEB, subject="Insentif", description="Belum cair", requester=user
            )
    finally:
        request_id_var.reset(token)
    assert not AuditLog.objects.filter(action="ticket.create").exists()
    callbacks[0]()  # the worker, later and outside the request
    entry = AuditLog.objects.get(action="ticket.create")
    assert entry.actor == user
    assert entry.object_id == str(ticket.pk)
    assert entry.at == ticket.created_at
    assert entry.request_id == "req-intake-1"
    assert entry.after == {
        "channel": "web",
        "status": "new",
        "assignee": None,
        "category": "other",
        "priority": "normal",
    }


@pytest.mark.django_db
def test_intake_task_leaves_a_ticket_claimed_before_it_ran(
    open_hours, django_capture_on_commit_callbacks
):
    on_shift_agent()
    quick = agent()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = services.ticket_create(
            channel=Channel.PHONE, subject="Telepon", description="", name="Penelepon"
        )
    services.ticket_claim(ticket=ticket, agent=quick)
    callbacks[0]()
    assert Ticket.objects.get(pk=ticket.pk).assignee == quick


@pytest.mark.django_db
def test_route_false_leaves_assignment_to_the_caller(open_hours):
    on_shift_agent()
    assert Ticket.objects.get(pk=make_ticket(route=False).pk).assignee is None


@pytest.mark.django_db
def test_claim_next_and_claim_conflict(open_hours):
    from prakerja.core.errors import Conflict

    older, newer = make_ticket(), make_ticket()
    a, b = agent(), agent()
    assert services.ticket_claim_next(agent=a).pk == older.pk
    with pytest.raises(Conflict):
        services.ticket_claim(ticket=older, agent=b)
    assert services.ticket_claim(ticket=newer, agent=b).assignee == b
    assert services.ticket_claim_next(agent=b) is None


def _run_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_concurrent_claims_never_take_the_same_ticket():
    tickets = [make_ticket(route=False) for _ in range(12)]
    agents = [agent() for _ in range(8)]
    from prakerja.helpdesk.models import AgentPresence

    for a in agents:
        AgentPresence.objects.create(agent=a, ticket_limit=3)

    def claim(i):
        got = []
        while True:
            ticket = services.ticket_claim_next(agent=agents[i])
            if ticket is None:
                return got
            got.append(ticket.pk)

    results, errors = _run_threads(len(agents), claim)
    assert not errors, errors
    claimed = [pk for got in results for pk in got]
    assert len(claimed) == len(set(claimed)) == len(tickets)
    assert all(len(got) <= 3 for got in results)
    assert not Ticket.objects.filter(assignee__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_concurrent_routing_never_exceeds_the_limit():
    from prakerja.helpdesk.models import AgentPresence, RosterEntry, Shift

    local = clock.local_now()
    at = local.replace(hour=10, minute=0)  # inside the Pagi shift, whatever the real time
    agents = [agent() for _ in range(3)]
    for a in agents:
        for shift in Shift.objects.all():
            RosterEntry.objects.create(agent=a, shift=shift, date=local.date())
        AgentPresence.objects.create(
            agent=a, status=PresenceStatus.ONLINE, last_seen_at=at, ticket_limit=2
        )
    tickets = [make_ticket(route=False) for _ in range(10)]

    def route(i):
        return services.ticket_route(ticket=tickets[i], at=at).assignee_id

    results, errors = _run_threads(len(tickets), route)
    assert not errors, errors
    loads = {a.pk: Ticket.objects.filter(assignee=a).count() for a in agents}
    assert all(n <= 2 for n in loads.values()), loads
    assert sum(loads.values()) == 6


@pytest.mark.django_db
def test_with_the_database_backend_the_task_row_commits_or_rolls_back_with_the_ticket(
    open_hours, settings
):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def create(email):
        return services.ticket_create(
            channel=Channel.WEB, subject="Sertifikat", description="x", name="W", email=email
        )

    ticket = create("a@example.test")
    row = DBTaskResult.objects.get()  # written by ticket_create itself, not on commit
    assert row.task_path == "prakerja.helpdesk.tasks.ticket_intake"
    assert row.args_kwargs["kwargs"]["ticket_id"] == ticket.pk

    def create_then_fail():
        with transaction.atomic():
            create("b@example.test")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert DBTaskResult.objects.count() == 1
    assert Ticket.objects.count() == 1
