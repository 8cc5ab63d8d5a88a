"""Tickets near or past their SLA due time, for the SLA watch and the wallboard.

The due time that applies to a ticket being worked (new or open) is its first-response due time
until someone answers, then its resolution due time. Waiting on the requester pauses it."""

import dataclasses
import datetime as dt

from django.db.models import QuerySet

from ..models import Ticket, TicketStatus

WORKED = (TicketStatus.NEW, TicketStatus.OPEN)


@dataclasses.dataclass(frozen=True)
class AtRisk:
    ticket: Ticket
    kind: str  # "first_response" or "resolution"
    due_at: dt.datetime
    breached: bool


def tickets_due_before(moment: dt.datetime) -> tuple[QuerySet[Ticket], QuerySet[Ticket]]:
    """(awaiting a first response, awaiting resolution) with that due time before `moment`;
    each served by its partial index."""
    first = Ticket.objects.filter(
        status__in=WORKED, first_response_at__isnull=True, first_response_due_at__lt=moment
    )
    resolution = Ticket.objects.filter(
        status__in=WORKED, first_response_at__isnull=False, resolution_due_at__lt=moment
    )
    return first, resolution


def tickets_sla_at_risk(*, at: dt.datetime, within: dt.timedelta, limit: int = 20) -> dict:
    """Worked tickets due within `within` of `at` or already past due: the count and the most
    urgent `limit` of them (earliest due first). Six queries whatever the backlog."""
    first, resolution = tickets_due_before(at + within)
    rows = [
        AtRisk(t, "first_response", t.first_response_due_at, t.first_response_due_at <= at)
        for t in first.select_related("assignee").order_by("first_response_due_at")[:limit]
    ] + [
        AtRisk(t, "resolution", t.resolution_due_at, t.resolution_due_at <= at)
        for t in resolution.select_related("assignee").order_by("resolution_due_at")[:limit]
    ]
    rows.sort(key=lambda r: r.due_at)
    return {
        "count": first.count() + resolution.count(),
        "breached": first.filter(first_response_due_at__lte=at).count()
        + resolution.filter(resolution_due_at__lte=at).count(),
        "rows": rows[:limit],
    }
