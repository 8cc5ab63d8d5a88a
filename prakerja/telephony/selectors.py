"""Reads for the phone desk: the screen-pop, the agent's calls, the callback list."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from prakerja.core import clock
from prakerja.core.errors import NotFound
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role
from prakerja.helpdesk.selectors import participant_summary_for_agent

from .models import Call, Callback, CallOutcome

POP_WINDOW = dt.timedelta(hours=2)
MAX_MATCHES = 5


def call_get_for_agent(*, user, pk: int) -> Call:
    """A call the agent answered (or logged). Others' calls are NotFound."""
    call = Call.objects.select_related("ticket", "agent").filter(pk=pk, agent=user).first()
    if call is None:
        raise NotFound()
    return call


def pops_for_agent(*, user, limit: int = 3) -> list[Call]:
    """The agent's answered calls whose pop is still open (newest first): what the screen-pop
    shows, over the websocket or by polling."""
    since = clock.now() - POP_WINDOW
    return list(
        Call.objects.select_related("ticket", "ticket__category")
        .filter(
            agent=user,
            outcome=CallOutcome.ANSWERED,
            pop_closed=False,
            answered_at__gte=since,
        )
        .order_by("-answered_at", "-pk")[:limit]
    )


def participants_for_number(*, number: str) -> list[dict]:
    """Agent-safe summaries of every account with this number (several matches are listed)."""
    if not number:
        return []
    users = (
        get_user_model()
        .objects.filter(phone=number, is_active=True)
        .order_by("-date_joined")[:MAX_MATCHES]
    )
    return [participant_summary_for_agent(user=u) for u in users]


def calls_for_agent(*, user, limit: int = 20) -> QuerySet[Call]:
    return (
        Call.objects.select_related("ticket")
        .filter(agent=user)
        .order_by("-ringing_at", "-pk")[:limit]
    )


def callbacks_open(*, limit: int = 50) -> QuerySet[Callback]:
    """Open callbacks, oldest missed call first (the order `callback_claim_next` takes them)."""
    return Callback.objects.filter(status=Callback.Status.OPEN).order_by("first_missed_at", "pk")[
        :limit
    ]


def callbacks_open_count() -> int:
    return Callback.objects.filter(status=Callback.Status.OPEN).count()


def callbacks_claimed_by(*, user) -> QuerySet[Callback]:
    return Callback.objects.filter(status=Callback.Status.CLAIMED, claimed_by=user).order_by(
        "claimed_at"
    )


def ticket_url(ticket) -> str:
    """The agent workspace's page for a ticket (the helpdesk owns the URL)."""

    for name in ("helpdesk:agent_ticket", "helpdesk:ticket_detail", "helpdesk:agent-ticket"):
        try:
            return reverse(name, args=[ticket.reference])
        except NoReverseMatch:
            continue
    return reverse("admin:helpdesk_ticket_change", args=[ticket.pk])


def pops_open_count(*, user) -> int:
    """How many of the agent's answered calls still wait for their wrap-up (the calls tab)."""
    since = clock.now() - POP_WINDOW
    return Call.objects.filter(
        agent=user, outcome=CallOutcome.ANSWERED, pop_closed=False, answered_at__gte=since
    ).count()


def callbacks_for_inbox(*, user, limit: int = 50) -> list[Callback]:
    """The agent's claimed callbacks, then the open ones oldest first. One query."""
    return list(
        Callback.objects.filter(
            Q(status=Callback.Status.OPEN) | Q(status=Callback.Status.CLAIMED, claimed_by=user)
        ).order_by("status", "first_missed_at", "pk")[:limit]  # "claimed" before "open"
    )


def callback_get_for_agent(*, user, pk: int) -> Callback:
    """Any callback for anyone in the contact center (the list is shared); NotFound otherwise."""
    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise NotFound()
    callback = Callback.objects.select_related("claimed_by").filter(pk=pk).first()
    if callback is None:
        raise NotFound()
    return callback


def calls_for_ticket(*, ticket, limit: int = 20) -> list[Call]:
    return list(
        Call.objects.select_related("agent")
        .filter(ticket=ticket)
        .order_by("-ringing_at", "-pk")[:limit]
    )
