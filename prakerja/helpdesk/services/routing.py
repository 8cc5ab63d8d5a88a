"""Routing: who gets a ticket. Decided by the database, so two workers never take the same
ticket and an agent never goes over their limit through automatic assignment.

- `ticket_route` picks the least-loaded available agent (on shift, online, presence fresh) under
  their limit. The chosen agent's `AgentPresence` row is locked with
  `select_for_update(skip_locked=True)` while their load is re-counted: a concurrent router skips
  that agent and tries the next, so a limit cannot be overrun by a race.
- `tickets_route_new` does the same for the intake's batch of new tickets, with the available
  agents locked and their loads counted once for the batch.
- `ticket_claim_next` / `routing_drain` take tickets from the unassigned queue with
  `select_for_update(skip_locked=True)`: each row goes to exactly one claimant.
- A channel with a capacity of its own (e-mail, `HELPDESK_CHANNEL_TICKET_LIMITS`) is a lane:
  its tickets count only against its limit, the others only against the agent's ticket limit.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.bulk import rows_update
from prakerja.core.errors import Conflict
from prakerja.core.models import AuditLog
from prakerja.core.services import audit_entry

from .. import realtime
from ..models import (
    ACTIVE_STATUSES,
    AgentPresence,
    Channel,
    Ticket,
    claimable,
)
from ..selectors import (
    agent_loads,
    agents_available,
    capacity_lane,
    channel_limits,
    lane_limit,
    lane_tickets,
)
from ._common import _report


def _lane_loads(agent_ids) -> Counter:
    """Active tickets per (agent id, capacity lane), in one read."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(agent_ids), status__in=ACTIVE_STATUSES)
        .values("assignee_id", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    loads: Counter = Counter()
    for row in rows:
        loads[row["assignee_id"], capacity_lane(row["channel"])] += row["n"]
    return loads


def _lock_agent_with_capacity(*, at=None, lane: str = ""):
    """Lock and return (presence) of the least-loaded available agent under their limit in
    `lane`, or None. Must run inside a transaction; the lock is held until it ends."""
    presences = {
        p.agent_id: p
        for p in AgentPresence.objects.filter(agent__in=agents_available(at=at)).only(
            "agent_id", "ticket_limit", "last_routed_at"
        )
    }
    if not presences:
        return None
    loads = agent_loads(presences, lane=lane)
    epoch = clock.now().replace(year=2000)
    candidates = sorted(
        (p for p in presences.values() if loads.get(p.agent_id, 0) < lane_limit(p, lane)),
        key=lambda p: (loads.get(p.agent_id, 0), p.last_routed_at or epoch, p.agent_id),
    )
    skipped = []
    acquired_any = False
    for candidate in candidates:
        locked = (
            AgentPresence.objects.select_for_update(skip_locked=True)
            .filter(pk=candidate.pk)
            .first()
        )
        if locked is None:  # another router is assigning to this agent right now
            skipped.append(candidate)
            continue
        acquired_any = True
        if _has_capacity(locked, lane):
            return locked
    if acquired_any:
        return None
    # Every candidate was busy being assigned by someone else. Wait for them in one global order
    # (agent id): a waiter holds no other presence lock, so waiting cannot deadlock.
    for candidate in sorted(skipped, key=lambda p: p.agent_id):
        locked = AgentPresence.objects.select_for_update().get(pk=candidate.pk)
        if _has_capacity(locked, lane):
            return locked
    return None


def _has_capacity(presence: AgentPresence, lane: str) -> bool:
    active = Ticket.objects.filter(assignee_id=presence.agent_id, status__in=ACTIVE_STATUSES)
    return lane_tickets(active, lane).count() < lane_limit(presence, lane)


def _give(ticket: Ticket, presence: AgentPresence, *, actor=None, via: str) -> Ticket:
    now = clock.now()
    ticket.assignee_id = presence.agent_id
    ticket.assigned_at = now
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "assigned_at", "updated_at"])
    _report(ticket)
    presence.last_routed_at = now
    presence.save(update_fields=["last_routed_at"])
    _assignment_audit(ticket, actor=actor, via=via).save()
    if actor is None or actor.pk != presence.agent_id:  # not news to an agent who took it
        realtime.tell_agent_on_commit(presence.agent_id, "ticket.assigned", ticket=ticket)
    return ticket


def _assignment_audit(ticket: Ticket, *, actor, via: str) -> AuditLog:
    return audit_entry(
        actor=actor,
        action="ticket.assign",
        obj=ticket,
        before={"assignee": None},
        after={"assignee_id": ticket.assignee_id, "via": via},
        at=ticket.assigned_at,
    )


def _routing_wanted(ticket: Ticket) -> bool:
    """Whether routing would give this ticket to an agent: unassigned, active and not a chat
    (live chat routes its own, `livechat.services`)."""
    return (
        ticket.assignee_id is None
        and ticket.status in ACTIVE_STATUSES
        and ticket.channel != Channel.CHAT
    )


def tickets_route_new(*, tickets: list[Ticket]) -> list[AuditLog]:
    """Route new tickets in their order, as `ticket_route` would one after another, with one
    read of the agents' loads: each ticket goes to the least-loaded available agent under
    their limit in its capacity lane (ties: least recently routed, then agent id), and counts
    towards that agent's load for the tickets after it. The tickets carry the batch's time as
    their assignment time, written with one UPDATE for the batch; each agent's
    last-routed time is that of their last assignment here, so the next routing orders them as
    it would after one ticket at a time. Returns the assignments' audit entries (unsaved, the
    caller writes them with its own), in the tickets' order.

    Caller holds the tickets' row locks (`tickets_intake_finish`) and the transaction. The
    available agents' presence rows are locked `SKIP LOCKED` (agents another router is
    assigning to right now are left out of this batch, as `ticket_route` skips them) and their
    loads counted after the lock, so no limit is overrun by a concurrent router; when every
    one is held by another router, waits for them in agent-id order, as `ticket_route` does.
    """
    wanted = [t for t in tickets if _routing_wanted(t)]
    if not wanted:
        return []
    available = AgentPresence.objects.filter(agent__in=agents_available()).order_by("agent_id")
    locked_rows = available.select_for_update(of=("self",), skip_locked=True)
    presences = list(locked_rows.select_related("agent"))
    if not presences:
        presences = list(available.select_for_update(of=("self",)).select_related("agent"))
    if not presences:
        return []
    loads = _lane_loads([p.agent_id for p in presences])
    epoch = clock.now().replace(year=2000)
    now = clock.now()
    entries, notices, assigned, routed = [], [], [], {}
    for ticket in wanted:
        lane = capacity_lane(ticket.channel)
        candidates = [p for p in presences if loads[p.agent_id, lane] < lane_limit(p, lane)]
        if not candidates:
            continue
        presence = min(
            candidates,
            key=lambda p, lane=lane: (
                loads[p.agent_id, lane],
                p.last_routed_at or epoch,
                p.agent_id,
            ),
        )
        ticket.assignee = presence.agent
        ticket.assigned_at = ticket.updated_at = now
        # The time of each assignment, as one by one would record it: it orders the agents
        # given tickets in this batch for the next ones, in this batch and after it.
        presence.last_routed_at = clock.now()
        loads[presence.agent_id, lane] += 1
        assigned.append(ticket)
        routed[presence.agent_id] = presence
        entries.append(_assignment_audit(ticket, actor=None, via="routing"))
        notices.append((presence.agent_id, "ticket.assigned", ticket))
    rows_update(assigned, ["assignee", "assigned_at", "updated_at"])
    rows_update(list(routed.values()), ["last_routed_at"])
    realtime.tell_agents_on_commit(notices)
    return entries


@transaction.atomic
def ticket_route(*, ticket: Ticket, at=None) -> Ticket:
    """Assign an unassigned active ticket to the least-loaded available agent under their
    limit; leave it in the unassigned queue when nobody is available. Returns the ticket."""
    locked = (
        Ticket.objects.select_for_update(skip_locked=True)
        .filter(pk=ticket.pk, assignee__isnull=True, status__in=ACTIVE_STATUSES)
        .first()
    )
    if locked is None:  # already assigned, finished, or being routed by someone else
        return ticket
    presence = _lock_agent_with_capacity(at=at, lane=capacity_lane(locked.channel))
    if presence is None:
        return locked
    _give(locked, presence, via="routing")
    ticket.assignee_id, ticket.assigned_at = locked.assignee_id, locked.assigned_at
    return locked


def _lock_oldest_unassigned(*, skip_lanes=()) -> Ticket | None:
    """The oldest claimable ticket (`models.claimable`: chats are live chat's to route),
    locked; rows another claimant holds are skipped, and so are the tickets of the capacity
    lanes in `skip_lanes` ("" is the shared one)."""
    qs = claimable(Ticket.objects.select_for_update(skip_locked=True))
    for lane in skip_lanes:
        qs = qs.exclude(channel=lane) if lane else qs.filter(channel__in=list(channel_limits()))
    return qs.order_by("created_at", "id").first()


def _full_lanes(presence: AgentPresence) -> list[str]:
    """The capacity lanes in which the agent holds as many active tickets as allowed."""
    loads = dict.fromkeys(["", *channel_limits()], 0)
    active = Ticket.objects.filter(assignee_id=presence.agent_id, status__in=ACTIVE_STATUSES)
    for channel in active.values_list("channel", flat=True):
        loads[capacity_lane(channel)] += 1
    return [lane for lane, load in loads.items() if load >= lane_limit(presence, lane)]


@transaction.atomic
def ticket_claim_next(*, agent) -> Ticket | None:
    """The agent takes the oldest unassigned ticket, within their limit. None when the queue is
    empty or the agent is at their limit. Rows locked by another claimant are skipped."""
    presence, _created = AgentPresence.objects.get_or_create(agent=agent)
    presence = AgentPresence.objects.select_for_update().get(pk=presence.pk)
    full = _full_lanes(presence)
    if len(full) == 1 + len(channel_limits()):
        return None
    ticket = _lock_oldest_unassigned(skip_lanes=full)
    if ticket is None:
        return None
    return _give(ticket, presence, actor=agent, via="claim")


@transaction.atomic
def ticket_claim(*, ticket: Ticket, agent) -> Ticket:
    """The agent takes this unassigned ticket; Conflict `already_assigned` if someone has it."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.assignee_id == agent.pk:
        return locked
    if locked.assignee_id is not None:
        raise Conflict(_("Another agent already took this ticket."), code="already_assigned")
    if locked.status not in ACTIVE_STATUSES:
        raise Conflict(_("This ticket is no longer open."), code="ticket_not_active")
    presence, _created = AgentPresence.objects.get_or_create(agent=agent)
    return _give(locked, presence, actor=agent, via="claim")


def routing_drain(*, limit: int = 50, at=None) -> int:
    """Offer the oldest unassigned tickets to available agents, one transaction per ticket.
    Stops when nobody has capacity. Returns how many were assigned."""
    assigned = 0
    full: list[str] = []  # lanes in which nobody has capacity left
    for _i in range(limit):
        with transaction.atomic():
            ticket = _lock_oldest_unassigned(skip_lanes=full)
            if ticket is None:
                return assigned
            lane = capacity_lane(ticket.channel)
            presence = _lock_agent_with_capacity(at=at, lane=lane)
            if presence is None:
                full.append(lane)
                if len(full) == 1 + len(channel_limits()):
                    return assigned
                continue
            _give(ticket, presence, via="routing")
            assigned += 1
    return assigned


def routing_drain_on_commit() -> None:
    """Capacity may have freed up: drain the unassigned queue after this transaction commits."""
    transaction.on_commit(routing_drain)
