"""Helpers every ticket write shares: the row lock, the audit snapshot and keeping what is reported
about a ticket in step."""

from .. import hooks
from ..models import (
    Ticket,
)

# Ticket fields a report fact is derived from (reports.services.ticket_fact_values). A change that
# touches none of them (most chat and thread messages) needs no report work.
REPORTED_FIELDS = frozenset({"status", "first_response_at", "resolved_at", "category", "assignee"})


def _report(ticket: Ticket) -> None:
    """Keep what is reported about the ticket in step, inside this transaction."""
    hooks.ticket_facts_changed(ticket=ticket)


def _report_if_changed(ticket: Ticket, fields: list[str]) -> None:
    if REPORTED_FIELDS.intersection(fields):
        _report(ticket)


def _snapshot(ticket: Ticket) -> dict:
    return {
        "status": ticket.status,
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else None,
        "category": ticket.category.slug if ticket.category_id else None,
        "priority": ticket.priority,
    }


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock (callers pass whatever instance they hold)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category", "assignee")
        .get(pk=ticket.pk)
    )
