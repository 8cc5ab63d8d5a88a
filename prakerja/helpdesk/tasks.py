"""Background work of the helpdesk (Django Tasks API).

A new ticket's request writes only what the requester's answer needs (the ticket and its first
message) and enqueues one `ticket_intake` task (`services.tickets.ticket_create`). The worker
(`manage.py db_worker` in production; the ImmediateBackend runs it at commit in development and
tests) then audits the creation, routes the ticket, keeps the reports in step and sends the
acknowledgement e-mail.
"""

import logging

from django.db import OperationalError
from django_tasks import task

from .notifications import send_ticket_email, ticket_email_taken_over
from .services.routing import ticket_intake_finish

logger = logging.getLogger(__name__)

# A deadlock victim or serialization failure is retried: nothing of the attempt was kept.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


@task()
def ticket_intake(
    *,
    ticket_id: int,
    route: bool,
    acknowledge: bool,
    language: str,
    created_by_id: int | None,
    request_id: str,
) -> int | None:
    """Audit the creation of the ticket, route it (when asked), report, then acknowledge by
    e-mail. Returns the assignee's id."""
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
    if acknowledge and not ticket_email_taken_over(
        ticket=ticket, kind="acknowledgement", language=language
    ):
        # Called here rather than enqueued: this already is the background work for the ticket.
        send_ticket_email.call(ticket.pk, "acknowledgement", None, language)
    return ticket.assignee_id
