"""Who works now: shifts, agents on shift and available, effective presence, the supervisor's
board."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from prakerja.core import clock
from prakerja.core.roles import Role

from ..models import (
    ACTIVE_STATUSES,
    AgentPresence,
    PresenceStatus,
    RosterEntry,
    Shift,
    Ticket,
    unassigned_active,
)
from .queues import COUNT_CAP


def default_limit() -> int:
    return int(getattr(settings, "HELPDESK_AGENT_TICKET_LIMIT", 8))


def channel_limits() -> dict[str, int]:
    """Channels with a capacity of their own (e-mail): per channel, the active tickets an agent
    may hold on it. They count only against it, and the ticket limit counts only the others."""
    return dict(getattr(settings, "HELPDESK_CHANNEL_TICKET_LIMITS", {}))


def capacity_lane(channel: str) -> str:
    """The capacity a ticket on `channel` takes: its channel's own, or the shared one ("")."""
    return channel if channel in channel_limits() else ""


def lane_tickets(qs, lane: str):
    """`qs` narrowed to the tickets that count against `lane`."""
    return qs.filter(channel=lane) if lane else qs.exclude(channel__in=list(channel_limits()))


def lane_limit(presence, lane: str) -> int:
    """How many active tickets of `lane` the agent may hold."""
    if lane:
        return channel_limits()[lane]
    return (presence.ticket_limit if presence is not None else None) or default_limit()


def agent_loads(agent_ids, *, lane: str | None = None) -> dict[int, int]:
    """Active (new/open/pending) tickets per agent: all of them, or those counting against
    `lane` (see `capacity_lane`)."""
    qs = Ticket.objects.filter(assignee_id__in=list(agent_ids), status__in=ACTIVE_STATUSES)
    if lane is not None:
        qs = lane_tickets(qs, lane)
    rows = qs.values("assignee_id").annotate(n=Count("id")).order_by()
    return {row["assignee_id"]: row["n"] for row in rows}


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


def roster_by_shift(*, date: dt.date) -> list[tuple[dt.time, dt.time, int]]:
    """(starts, ends, agents) of each active shift with agents rostered on `date`, for planning."""
    rows = (
        RosterEntry.objects.filter(date=date, shift__is_active=True, agent__is_active=True)
        .values("shift__starts_at", "shift__ends_at")
        .annotate(agents=Count("agent_id", distinct=True))
        .order_by("shift__starts_at")
    )
    return [(r["shift__starts_at"], r["shift__ends_at"], r["agents"]) for r in rows]


def roster_days(*, start: dt.date, days: int) -> list[dict]:
    """Agents rostered per active shift on each of `days` dates from `start` (one query):
    [{"date", "shifts": [{"name", "code", "starts_at", "ends_at", "agents"}]}]."""
    rows = (
        RosterEntry.objects.filter(
            date__gte=start,
            date__lt=start + dt.timedelta(days=days),
            shift__is_active=True,
            agent__is_active=True,
        )
        .values("date", "shift__name", "shift__code", "shift__starts_at", "shift__ends_at")
        .annotate(agents=Count("agent_id", distinct=True))
        .order_by("date", "shift__starts_at")
    )
    by_date: dict[dt.date, list[dict]] = {start + dt.timedelta(days=i): [] for i in range(days)}
    for r in rows:
        by_date[r["date"]].append(
            {
                "name": r["shift__name"],
                "code": r["shift__code"],
                "starts_at": r["shift__starts_at"],
                "ends_at": r["shift__ends_at"],
                "agents": r["agents"],
            }
        )
    return [{"date": day, "shifts": shifts} for day, shifts in by_date.items()]


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


def presence_status_for(*, agent, at: dt.datetime | None = None) -> str:
    """The agent's own effective status (online, away or offline)."""
    return effective_presence(AgentPresence.objects.filter(agent=agent).first(), at=at)


def supervisor_board(*, at: dt.datetime | None = None) -> dict:
    """Who is on shift now, their effective presence and load; today's roster per shift; the
    unassigned queue size. A fixed number of queries whatever the team size."""

    at = at or clock.now()
    local = clock.to_local(at)
    on_shift = list(agents_on_shift(at=at).order_by("full_name", "username"))
    presences = {p.agent_id: p for p in AgentPresence.objects.filter(agent__in=on_shift)}
    # Against the ticket limit: channels with a capacity of their own count against theirs.
    loads = agent_loads([u.pk for u in on_shift], lane="")
    rows = []
    for user in on_shift:
        presence = presences.get(user.pk)
        status = effective_presence(presence, at=at)
        rows.append(
            {
                "user": user,
                "status": status,
                "status_label": PresenceStatus(status).label,
                "load": loads.get(user.pk, 0),
                "limit": (presence.ticket_limit if presence and presence.ticket_limit else None)
                or default_limit(),
                "last_seen_at": presence.last_seen_at if presence else None,
            }
        )
    roster = (
        RosterEntry.objects.filter(date=local.date())
        .values("shift__name", "shift__starts_at", "shift__ends_at")
        .annotate(n=Count("id"))
        .order_by("shift__starts_at")
    )

    return {
        "rows": rows,
        "online": sum(1 for r in rows if r["status"] == PresenceStatus.ONLINE),
        "roster": list(roster),
        "unassigned": unassigned_active(Ticket.objects.all()).values("pk")[: COUNT_CAP + 1].count(),
        "shifts_now": list(shifts_at(at=at)),
        "at": local,
    }


def assignable_agents(*, limit: int = 500) -> list:
    """Everyone a supervisor may assign a ticket to (active agents and supervisors), by name:
    the assignee list of the inbox's conversation."""
    return list(
        get_user_model()
        .objects.filter(groups__name__in=[Role.AGENT, Role.SUPERVISOR], is_active=True)
        .distinct()
        .order_by("full_name", "username")
        .only("pk", "full_name", "username")[:limit]
    )
