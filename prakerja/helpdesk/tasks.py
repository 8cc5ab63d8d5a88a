"""Background work of the helpdesk (Django Tasks API).

A new ticket's request writes only what the requester's answer needs (the ticket and its first
message) and enqueues one `ticket_intake` task (`ticket_intake_enqueue`). The worker
(`manage.py db_worker` in production; the ImmediateBackend runs it at commit in development and
tests) then audits the creation, routes the ticket, keeps the reports in step and sends the
acknowledgement e-mail.
"""

import logging

from django.conf import settings
from django.db import OperationalError, router, transaction
from django.utils import translation
from django_tasks import task

logger = logging.getLogger(__name__)

# A deadlock victim or serialization failure is retried: nothing of the attempt was kept.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


@task()
def ticket_intake(
    ticket_id: int,
    route: bool = True,
    acknowledge: bool = False,
    language: str = "id",
    created_by_id: int | None = None,
    request_id: str = "",
) -> int | None:
    """Audit the creation, route (when asked), report, then acknowledge by e-mail. Returns the
    assignee's id."""
    from .services.routing import ticket_intake_finish

    for attempt in range(1, ATTEMPTS + 1):
        try:
            ticket = ticket_intake_finish(
                ticket_id=ticket_id,
                route=route,
                created_by_id=created_by_id,
                request_id=request_id,
            )
            break
        except OperationalError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if sqlstate not in RETRY_SQLSTATES or attempt == ATTEMPTS:
                raise
            logger.warning(
                "helpdesk.intake_retry", extra={"sqlstate": sqlstate, "attempt": attempt}
            )
    if ticket is None:
        return None
    if acknowledge:
        from .notifications import send_ticket_email

        # Called here rather than enqueued: this already is the background work for the ticket.
        send_ticket_email.call(ticket.pk, "acknowledgement", None, language)
    return ticket.assignee_id


def _enqueues_in_transaction(backend) -> bool:
    """True when the backend stores tasks as rows of the database the ticket is written to
    (django-tasks-db): the row is then written in the ticket's own transaction."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    return isinstance(backend, DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == transaction.get_connection().alias
    )


def ticket_intake_enqueue(
    *, ticket, route: bool, acknowledge: bool, created_by_id: int | None
) -> None:
    """Enqueue `ticket_intake` for a ticket created in the current transaction.

    With the database task backend the task row is inserted in this transaction (an outbox:
    the ticket and its follow-up work commit, or roll back, together, in one commit, and no
    worker can see the row before the ticket). Any other backend is called on commit, so a
    rolled-back ticket starts nothing and the ImmediateBackend runs the task after the commit.
    """
    from prakerja.core.services import current_request_id

    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    args = (ticket.pk, route, acknowledge, language, created_by_id, current_request_id())
    if _enqueues_in_transaction(ticket_intake.get_backend()):
        ticket_intake.enqueue(*args)
    else:
        transaction.on_commit(lambda: ticket_intake.enqueue(*args))
