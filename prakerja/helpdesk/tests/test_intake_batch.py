"""The intake task's work done for a batch of tickets gives what one ticket after another gives,
and two workers running batches at once never do a ticket twice."""

import threading

import pytest
from django.core import mail
from django.db import OperationalError, close_old_connections, transaction
from django.db.models import Sum
from django.forms.models import model_to_dict

from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.helpdesk import services, tasks
from prakerja.helpdesk.models import AgentPresence, Channel, Ticket
from prakerja.helpdesk.services.intake import Intake, tickets_intake_finish
from prakerja.mail.models import OutboundMail
from prakerja.reports import rollups
from prakerja.reports.models import DailyRollup, TicketFact

from .factories import on_shift_agent, participant


def _new_ticket(*, channel=Channel.WEB, email="", requester=None, route=True, **kw) -> Intake:
    """A ticket as a request leaves it (its intake not run): the intake task's arguments."""
    with transaction.atomic():  # the intake, enqueued on commit, is dropped with the savepoint
        ticket = services.ticket_create(
            channel=channel,
            subject="Sertifikat",
            description="Belum muncul",
            name="Warga",
            email=email,
            requester=requester,
            route=route,
            **kw,
        )
    return Intake(
        ticket_id=ticket.pk,
        route=route and channel != Channel.CHAT,
        acknowledge=bool(email or (requester and requester.email)) and channel != Channel.CHAT,
        language="en" if channel == Channel.PHONE else "id",
        created_by_id=requester.pk if requester else None,
        request_id=f"req-{ticket.pk}",
    )


def _state() -> dict:
    """Everything the intake writes, independent of row ids and row splits (rollups are summed
    per key, as every reader does)."""
    ticket_fields = ["assignee", "assigned_at", "status", "first_response_due_at"]
    rollup_sums = {}
    for spec in rollups.SPECS:
        keys = [name for name in spec.keys if name != "metric"] + (
            ["metric"] if "metric" in spec.keys else []
        )
        rows = spec.model.objects.values(*keys).annotate(
            **{f"sum_{v}": Sum(v) for v in spec.values}
        )
        rollup_sums[spec.model.__name__] = sorted(
            tuple(sorted(row.items())) for row in rows.order_by()
        )
    return {
        "tickets": {
            t.pk: model_to_dict(t, fields=ticket_fields) for t in Ticket.objects.order_by("pk")
        },
        "presences": dict(AgentPresence.objects.values_list("agent_id", "last_routed_at")),
        "audit": list(
            AuditLog.objects.filter(action__startswith="ticket.")
            .order_by("pk")
            .values_list("action", "object_id", "actor_id", "actor_label", "before", "after", "at")
        ),
        "audit_request_ids": list(
            AuditLog.objects.filter(action="ticket.create")
            .order_by("pk")
            .values_list("request_id", flat=True)
        ),
        "facts": {f.ticket_id: model_to_dict(f, exclude=["id"]) for f in TicketFact.objects.all()},
        "rollups": rollup_sums,
        # Each requester's e-mail; the order between requesters is not kept.
        "emails": sorted((m.to, m.subject, m.body) for m in mail.outbox),
        "outbound": list(OutboundMail.objects.order_by("pk").values_list("ticket_id", "kind")),
    }


def _outcome(run, capture) -> dict:
    """What `run` writes and sends, rolled back afterwards so the next run starts the same."""
    mail.outbox = []
    with transaction.atomic():
        with capture(execute=True):
            run()
        state = _state()
        transaction.set_rollback(True)
    return state


@pytest.mark.django_db
def test_a_batch_gives_what_one_ticket_after_another_gives(
    open_hours, settings, django_capture_on_commit_callbacks
):
    settings.HELPDESK_CHANNEL_TICKET_LIMITS = {Channel.EMAIL: 2}
    a = on_shift_agent(limit=3)
    on_shift_agent(limit=2)
    on_shift_agent(limit=4)
    busy = on_shift_agent(limit=2)
    for _ in range(2):  # `busy` is full: routing passes them by
        intake = _new_ticket(channel=Channel.PHONE, route=False)
        Ticket.objects.filter(pk=intake.ticket_id).update(assignee=busy)
    AgentPresence.objects.filter(agent=a).update(last_routed_at=clock.now())
    someone = participant(email="peserta@example.test")
    intakes = [
        _new_ticket(email="satu@example.test"),
        _new_ticket(channel=Channel.PHONE),
        _new_ticket(channel=Channel.EMAIL, email="surel@example.test"),
        _new_ticket(channel=Channel.CHAT),
        _new_ticket(requester=someone),
        _new_ticket(email="tanpa-rute@example.test", route=False),
        _new_ticket(channel=Channel.EMAIL, email="surel2@example.test"),
        _new_ticket(channel=Channel.EMAIL, email="surel3@example.test"),
        *(_new_ticket(email=f"w{i}@example.test") for i in range(8)),  # more than all limits
    ]
    one_by_one = _outcome(
        lambda: [tickets_intake_finish(intakes=[i]) for i in intakes],
        django_capture_on_commit_callbacks,
    )
    batch = _outcome(
        lambda: tickets_intake_finish(intakes=intakes), django_capture_on_commit_callbacks
    )

    assert batch == one_by_one
    # The comparison covers real work: tickets routed to several agents and some left waiting,
    # audit entries, facts and rollups, acknowledgements, threaded e-mails.
    assignees = [t["assignee"] for t in batch["tickets"].values()]
    assert len({x for x in assignees if x is not None} - {busy.pk}) == 3
    assert None in assignees
    assert len(batch["facts"]) == len(intakes)
    assert len(batch["emails"]) == 14  # every ticket with an address but the chat
    assert len(batch["outbound"]) == 3  # e-mail tickets': threaded by the mail app
    assert batch["rollups"]["DailyRollup"]


@pytest.mark.django_db
def test_a_vanished_ticket_is_skipped(open_hours, django_capture_on_commit_callbacks):
    kept, gone = _new_ticket(email="a@example.test"), _new_ticket(email="b@example.test")
    Ticket.objects.filter(pk=gone.ticket_id).delete()
    with django_capture_on_commit_callbacks(execute=True):
        result = tickets_intake_finish(intakes=[gone, kept])
    assert result[0] is None
    assert result[1].pk == kept.ticket_id
    assert TicketFact.objects.get().ticket_id == kept.ticket_id


def _database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _worker(worker_id):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_a_worker_takes_waiting_intakes_into_its_batch(open_hours, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    _database_backend(settings)
    monkeypatch.setattr(tasks, "INTAKE_BATCH", 4)
    agent = on_shift_agent(limit=100)
    created = [
        services.ticket_create(
            channel=Channel.WEB, subject="S", description="x", name="W", email=f"{i}@ex.test"
        )
        for i in range(10)
    ]
    batches = []
    real = tickets_intake_finish
    monkeypatch.setattr(
        tasks.intake_services,
        "tickets_intake_finish",
        lambda *, intakes: batches.append(len(intakes)) or real(intakes=intakes),
    )
    _worker("w1").run()
    assert batches == [4, 4, 2]
    rows = DBTaskResult.objects.all()
    assert {r.status for r in rows} == {"SUCCESSFUL"}
    assert {r.return_value for r in rows} == {agent.pk}
    assert all(r.worker_ids == ["w1"] for r in rows)
    assert Ticket.objects.filter(assignee=agent).count() == len(created)
    assert len(mail.outbox) == len(created)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_when_a_batch_fails_its_tickets_are_done_one_at_a_time(open_hours, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    _database_backend(settings)
    first, good, bad = (
        services.ticket_create(channel=Channel.PHONE, subject="S", description="x", name="W")
        for _ in range(3)
    )
    real = tickets_intake_finish
    batches = []

    def fails_with_the_bad_one(*, intakes):
        batches.append([i.ticket_id for i in intakes])
        if any(i.ticket_id == bad.pk for i in intakes):
            raise RuntimeError("a bad ticket")
        return real(intakes=intakes)

    monkeypatch.setattr(tasks.intake_services, "tickets_intake_finish", fails_with_the_bad_one)
    worker = _worker("w1")
    worker.max_tasks = 1
    worker.run()
    assert batches == [[first.pk, good.pk, bad.pk], [first.pk], [good.pk], [bad.pk]]
    rows = {r.args_kwargs["kwargs"]["ticket_id"]: r for r in DBTaskResult.objects.all()}
    assert [rows[t.pk].status for t in (first, good, bad)] == ["SUCCESSFUL", "SUCCESSFUL", "FAILED"]
    assert rows[bad.pk].exception_class_path == "builtins.RuntimeError"
    assert "a bad ticket" in rows[bad.pk].traceback
    assert rows[good.pk].worker_ids == rows[bad.pk].worker_ids == ["w1"]
    assert sorted(TicketFact.objects.values_list("ticket_id", flat=True)) == [first.pk, good.pk]


class _DeadlockDetected(Exception):
    sqlstate = "40P01"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_a_ticket_that_loses_a_deadlock_alone_stays_waiting(open_hours, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    _database_backend(settings)
    first, unlucky = (
        services.ticket_create(channel=Channel.PHONE, subject="S", description="x", name="W")
        for _ in range(2)
    )
    real = tickets_intake_finish

    def fails(*, intakes):
        if len(intakes) > 1:
            raise RuntimeError("a bad ticket in the batch")
        if intakes[0].ticket_id == unlucky.pk:
            raise OperationalError("deadlock detected") from _DeadlockDetected()
        return real(intakes=intakes)

    monkeypatch.setattr(tasks.intake_services, "tickets_intake_finish", fails)
    worker = _worker("w1")
    worker.max_tasks = 1
    worker.run()
    rows = {r.args_kwargs["kwargs"]["ticket_id"]: r for r in DBTaskResult.objects.all()}
    assert rows[first.pk].status == "SUCCESSFUL"
    assert rows[unlucky.pk].status == "READY"
    assert rows[unlucky.pk].worker_ids == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_two_workers_never_do_a_ticket_twice(open_hours, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    _database_backend(settings)
    monkeypatch.setattr(tasks, "INTAKE_BATCH", 5)
    agents = [on_shift_agent(limit=8) for _ in range(4)]
    created = [
        services.ticket_create(
            channel=Channel.WEB, subject="S", description="x", name="W", email=f"{i}@ex.test"
        )
        for i in range(60)
    ]
    barrier = threading.Barrier(2)
    errors = []

    def run(worker_id):
        try:
            barrier.wait(timeout=10)
            _worker(worker_id).run()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    created_audits = AuditLog.objects.filter(action="ticket.create")
    assert sorted(created_audits.values_list("object_id", flat=True)) == sorted(
        str(t.pk) for t in created
    )
    assert TicketFact.objects.count() == len(created)
    assert len(mail.outbox) == len(created)
    loads = [Ticket.objects.filter(assignee=a).count() for a in agents]
    assert loads == [8, 8, 8, 8]
    assigns = AuditLog.objects.filter(action="ticket.assign")
    assert assigns.count() == len(set(assigns.values_list("object_id", flat=True))) == 32
    assert DailyRollup.objects.aggregate(n=Sum("tickets"))["n"] == len(created)
