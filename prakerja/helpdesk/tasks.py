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

# Deadlock victims and serialization failures are tried again (`_retryable`).
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
# Tickets per batch. Part of a batch's cost is per batch, not per ticket (~20 statements, the
# agents' loads), so larger batches cost less per ticket: 1.4 against 2.2 ms of CPU at 200
# against 50 (docs/adr/0045-intake-cpu.md). But the batch's tickets, their task rows and the
# available agents' presences stay locked while it runs: an agent taking one of them, or going
# on or off line, waits that long (200 take 0.3-0.4 s on the benchmark machine).
INTAKE_BATCH = 200


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

    Should the batch fail for another reason than a deadlock, its tickets are done one at a
    time, this task's first: one bad ticket fails only its own task, and the next batches do
    not take it in again."""
    own = intake_services.Intake(
        ticket_id=ticket_id,
        route=route,
        acknowledge=acknowledge,
        language=language,
        created_by_id=created_by_id,
        request_id=request_id,
    )
    batch = isinstance(ticket_intake.get_backend(), DatabaseBackend)
    worker_ids = context.task_result.worker_ids
    left_over: list[str] = []
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
                _mark_done(others, tickets[1:], worker_ids=worker_ids)
            break
        except Exception as exc:
            if _retryable(exc):
                if attempt >= ATTEMPTS:
                    raise
                logger.warning(
                    "helpdesk.intake_retry",
                    extra={"sqlstate": exc.__cause__.sqlstate, "attempt": attempt},
                )
            elif others:
                logger.exception("helpdesk.intake_batch_failed", extra={"ticket_id": ticket_id})
                batch = False
                left_over = [row.pk for row in others]
            else:
                raise
    _one_by_one(left_over, worker_ids=worker_ids)
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


def _one_by_one(ids: list[str], *, worker_ids: list[str]) -> None:
    """The other tasks of a batch that failed, each run alone in its own transaction, as the
    worker runs a task: done, or failed with its error. A task another worker took meanwhile is
    left to it; one that lost a deadlock stays waiting."""
    for pk in ids:
        with transaction.atomic():
            row = (
                DBTaskResult.objects.ready()
                .filter(pk=pk)
                .select_for_update(skip_locked=True)
                .first()
            )
            if row is None:
                continue
            try:
                tickets = intake_services.tickets_intake_finish(
                    intakes=[intake_services.Intake(**row.args_kwargs["kwargs"])]
                )
            except Exception as exc:  # noqa: BLE001 - recorded on the task, as the worker does
                if not _retryable(exc):
                    _mark_failed(row, exc, worker_ids=worker_ids)
                continue
            _mark_done([row], tickets, worker_ids=worker_ids)


def _retryable(exc: Exception) -> bool:
    """A deadlock victim or a serialization failure: nothing of the attempt was kept."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return isinstance(exc, OperationalError) and sqlstate in RETRY_SQLSTATES


def _mark_failed(row: DBTaskResult, exc: Exception, *, worker_ids: list[str]) -> None:
    logger.error(
        "helpdesk.intake_failed",
        exc_info=exc,
        extra={"ticket_id": row.args_kwargs["kwargs"]["ticket_id"]},
    )
    row.started_at = timezone.now()
    row.worker_ids = [*row.worker_ids, *worker_ids[-1:]]
    row.save(update_fields=["started_at", "worker_ids"])
    row.set_failed(exc)


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
