"""Reads for the contact center. Tickets a requester owns are fetched through
`ticket_get_for_requester` / `ticket_get_for_tracking`; agents through `ticket_get_for_agent`."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from prakerja.core import clock
from prakerja.core.errors import Forbidden, NotFound
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from .models import PresenceStatus, RosterEntry, Shift, Ticket


def presence_ttl() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "HELPDESK_PRESENCE_TTL_SECONDS", 90)))


def shifts_at(*, at: dt.datetime | None = None) -> QuerySet[Shift]:
    """Active shifts covering the Asia/Jakarta wall-clock time `at` (default now)."""
    local = clock.to_local(at or clock.now())
    return Shift.objects.filter(
        is_active=True, starts_at__lte=local.time(), ends_at__gt=local.time()
    )


def agents_on_shift(*, at: dt.datetime | None = None) -> QuerySet:
    """Users rostered on a shift covering `at` (any presence)."""
    at = at or clock.now()
    local = clock.to_local(at)
    on_roster = RosterEntry.objects.filter(date=local.date(), shift__in=shifts_at(at=at))
    return get_user_model().objects.filter(pk__in=on_roster.values("agent_id"), is_active=True)


def agents_available(*, at: dt.datetime | None = None) -> QuerySet:
    """Agents on shift now and online: presence `online` and seen within the presence TTL (a
    browser that went quiet expires). The routing pool."""
    at = at or clock.now()
    return agents_on_shift(at=at).filter(
        presence__status=PresenceStatus.ONLINE,
        presence__last_seen_at__gte=at - presence_ttl(),
    )


def effective_presence(presence, *, at: dt.datetime | None = None) -> str:
    """The status others should see: what the agent set, or offline when the heartbeat stopped."""
    if presence is None or presence.last_seen_at is None:
        return PresenceStatus.OFFLINE
    at = at or clock.now()
    if at - presence.last_seen_at > presence_ttl():
        return PresenceStatus.OFFLINE
    return presence.status


def ticket_get_for_agent(*, user, reference: str) -> Ticket:
    """A ticket for the workspace: any contact-center agent or supervisor may open any ticket."""
    from .services.tickets import normalize_reference

    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    ticket = (
        Ticket.objects.select_related("category", "assignee", "requester")
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_get_for_tracking(*, reference: str, email: str) -> Ticket:
    """A guest's lookup: reference and e-mail must both match; NotFound either way (no hint)."""
    from .services.tickets import normalize_reference

    email = (email or "").strip().lower()
    if not email or not reference:
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference), requester_email__iexact=email)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_get_for_requester(*, user, reference: str) -> Ticket:
    """A logged-in participant's own ticket; NotFound for anyone else's."""
    from .services.tickets import normalize_reference

    if not user.is_authenticated:
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference), requester=user)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def tickets_for_requester(*, user, limit: int = 50) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(requester=user)
        .select_related("category")
        .order_by("-created_at", "-id")[:limit]
    )


def public_messages(ticket: Ticket):
    from .models import MessageKind

    return ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("created_at", "id")
