"""The agent workspace's queues: keyset-paginated lists and bounded counts."""

import datetime as dt

from django.db.models import Q

from prakerja.core.errors import Forbidden
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from ..models import ACTIVE_STATUSES, Channel, Ticket, TicketStatus, claimable

QUEUES = ("unassigned", "mine", "pending", "open", "all")
COUNT_CAP = 1000  # queue badges count at most this many rows ("1000+"): bounded queries


def _encode_cursor(ticket: Ticket, *, field: str) -> str:
    value = getattr(ticket, field)
    return f"{value.timestamp():.6f}_{ticket.pk}"


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        stamp, pk = cursor.split("_", 1)
        return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def _queue_filter(qs, *, user, queue: str, channel: str = ""):
    if queue == "unassigned":
        qs = claimable(qs)
    elif queue == "mine":
        qs = qs.filter(assignee=user, status__in=[TicketStatus.NEW, TicketStatus.OPEN])
    elif queue == "pending":
        qs = qs.filter(assignee=user, status=TicketStatus.PENDING)
    elif queue == "open":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if channel in Channel:
        qs = qs.filter(channel=channel)
    return qs


def ticket_queue(
    *, user, queue: str = "mine", channel: str = "", after: str = "", limit: int = 25
) -> tuple[list[Ticket], str | None]:
    """One page of a queue, keyset-paginated: the unassigned queue oldest first by creation,
    the others most recently updated first. Returns (tickets, cursor of the next page)."""
    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    if queue not in QUEUES:
        queue = "mine"
    limit = max(1, min(limit, 100))
    qs = _queue_filter(Ticket.objects.all(), user=user, queue=queue, channel=channel)
    oldest_first = queue == "unassigned"
    field = "created_at" if oldest_first else "updated_at"
    position = _decode_cursor(after) if after else None
    if position is not None:
        moment, pk = position
        if oldest_first:
            qs = qs.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
        else:
            qs = qs.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=pk))
    order = ("created_at", "id") if oldest_first else ("-updated_at", "-id")
    rows = list(
        qs.select_related("category", "assignee")
        .only(
            "reference",
            "channel",
            "subject",
            "status",
            "priority",
            "requester_name",
            "requester_email",
            "created_at",
            "updated_at",
            "first_response_at",
            "first_response_due_at",
            "resolution_due_at",
            "category__slug",
            "category__name_id",
            "category__name_en",
            "assignee__username",
            "assignee__full_name",
        )
        .order_by(*order)[: limit + 1]
    )
    cursor = _encode_cursor(rows[limit - 1], field=field) if len(rows) > limit else None
    return rows[:limit], cursor


def queue_counts(*, user) -> dict[str, int]:
    """Badge counts per queue, each bounded to COUNT_CAP + 1 rows."""
    base = Ticket.objects.all()
    return {
        queue: _queue_filter(base, user=user, queue=queue).values("pk")[: COUNT_CAP + 1].count()
        for queue in ("unassigned", "mine", "pending")
    }
