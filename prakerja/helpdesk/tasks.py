"""Background work of the helpdesk (Django Tasks API).

A new ticket's request writes only what the requester's answer needs (the ticket and its first
message) and enqueues one `ticket_intake` task (`services.intake.ticket_create`). The worker
(`manage.py db_worker` in production; the ImmediateBackend runs it at commit in development and
tests) then audits the creation, routes the ticket, keeps the reports in step and sends the
acknowledgement e-mail.

A worker that runs one `ticket_intake` task takes up to `INTAKE_BATCH - 1` other waiting ones
with it and does the work of all of them at once (`services.intake.tickets_intake_finish`): the
work per ticket is mostly statements and round trips that a batch shares (docs/adr/0041-batched-ticket-intake.md).
"""

import logging

from django.db import OperationalError, transaction
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from prakerja.core.bulk import rows_update

from .services import intake as intake_services

logger = logging.getLogger(__name__)

# A deadlock victim or serialization failure is retried: nothing of the attempt was kept.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
# Tickets per batch: their rows and their task rows stay locked while the batch runs (an agent
# claiming one of them waits that long: 50 took 0.4 s of CPU on a crowded benchmark machine).
INTAKE_BATCH = 50


@task(takes_context=True)
def ticket_intake(
    context: TaskContext,
    *,
    ticket_id: int,
    route: bool,
    acknowledge: bool,
    language: str,
    created_by_id: int | None,
    request_id: str,
) -> int | None:
    """Audit the creation of the ticket, route it (when asked), report, then acknowledge by
    e-mail; with the database backend, for up to `INTAKE_BATCH - 1` other waiting intake tasks
    too, which are marked done in the same transaction. Returns the ticket's assignee's id.

    Should the batch fail for another reason than a deadlock, this task's ticket is tried
    alone: the others stay waiting, so one bad ticket fails only its own task."""
    own = intake_services.Intake(
        ticket_id=ticket_id,
        route=route,
        acknowledge=acknowledge,
        language=language,
        created_by_id=created_by_id,
        request_id=request_id,
    )
    batch = isinstance(ticket_intake.get_backend(), DatabaseBackend)
    attempt = 0
    while True:
        attempt += 1
        others: list[DBTaskResult] = []
        try:
            with transaction.atomic():
                others = _claim_waiting(INTAKE_BATCH - 1) if batch else []
                tickets = intake_services.tickets_intake_finish(
                    intakes=[
                        own,
                        *(intake_services.Intake(**row.args_kwargs["kwargs"]) for row in others),
                    ]
                )
                _mark_done(others, tickets[1:], worker_ids=context.task_result.worker_ids)
            break
        except Exception as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if isinstance(exc, OperationalError) and sqlstate in RETRY_SQLSTATES:
                if attempt >= ATTEMPTS:
                    raise
                logger.warning(
                    "helpdesk.intake_retry", extra={"sqlstate": sqlstate, "attempt": attempt}
                )
            elif others:
                logger.exception("helpdesk.intake_batch_failed", extra={"ticket_id": ticket_id})
                batch = False
            else:
                raise
    ticket = tickets[0]
    return ticket.assignee_id if ticket is not None else None


def _claim_waiting(limit: int) -> list[DBTaskResult]:
    """Waiting `ticket_intake` tasks, oldest first (the worker's order), locked `SKIP LOCKED`:
    no other worker takes them (as its next task or into its batch) until this transaction
    ends, by when they are done."""
    return list(
        DBTaskResult.objects.ready()
        .filter(task_path=ticket_intake.module_path, backend_name=ticket_intake.backend)
        .select_for_update(skip_locked=True)[:limit]
    )


def _mark_done(rows: list[DBTaskResult], tickets, *, worker_ids: list[str]) -> None:
    """Record the claimed tasks as run successfully by this worker, in one UPDATE, as the worker
    records a task it ran (`DBTaskResult.set_successful`)."""
    now = timezone.now()
    for row, ticket in zip(rows, tickets, strict=True):
        row.status = TaskResultStatus.SUCCESSFUL
        row.started_at = row.finished_at = now
        row.worker_ids = [*row.worker_ids, *worker_ids[-1:]]
        row.return_value = ticket.assignee_id if ticket is not None else None
        row.exception_class_path = row.traceback = ""
    rows_update(
        rows,
        [
            "status",
            "started_at",
            "finished_at",
            "worker_ids",
            "return_value",
            "exception_class_path",
            "traceback",
        ],
    )
