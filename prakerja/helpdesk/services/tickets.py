"""A ticket's lifecycle: status, resolution, assignment, category and priority, auto-close.

Every function is one transaction; the ticket row is locked (`select_for_update`) before it is
changed, so concurrent replies and status changes serialize per ticket. E-mails and the survey
are sent on commit.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.roles import CONTACT_CENTER_ROLES, Role, has_role
from prakerja.core.services import audit_record

from .. import hooks, realtime
from ..models import (
    Category,
    Channel,
    Priority,
    Ticket,
    TicketStatus,
)
from ..notifications import notify_requester
from ..selectors import sla_due_times
from ._common import _lock, _report, _snapshot
from .routing import routing_drain_on_commit, ticket_claim

REOPEN_WINDOW = dt.timedelta(days=7)
AUTOCLOSE_BATCH = 500  # tickets closed per transaction


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    TicketStatus.NEW: {
        TicketStatus.OPEN,
        TicketStatus.PENDING,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    },
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}


def _set_status(ticket: Ticket, status: str, *, actor, now, fields: list[str]) -> None:
    """Apply a transition in memory (caller saves `fields`) and audit it."""
    if status not in ALLOWED_TRANSITIONS.get(ticket.status, set()):
        raise Conflict(
            _("A ticket cannot go from %(old)s to %(new)s.")
            % {"old": ticket.get_status_display(), "new": TicketStatus(status).label},
            code="invalid_transition",
        )
    before = ticket.status
    ticket.status = status
    fields.append("status")
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif before == TicketStatus.RESOLVED:  # reopened
        ticket.resolved_at = None
        fields.append("resolved_at")
    audit_record(
        actor=actor,
        action="ticket.reopen" if before == TicketStatus.RESOLVED else "ticket.status",
        obj=ticket,
        before={"status": before},
        after={"status": status},
    )


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor) -> Ticket:
    """Change status along ALLOWED_TRANSITIONS (Conflict otherwise). Resolving goes through
    `ticket_resolve` so its side effects (e-mail, survey) always happen."""
    if status not in TicketStatus:
        raise ValidationFailed(errors={"status": [_("Unknown status.")]})
    if status == TicketStatus.RESOLVED:
        return ticket_resolve(ticket=ticket, actor=actor)
    ticket = _lock(ticket)
    if ticket.status == status:
        return ticket
    now = clock.now()
    fields = ["updated_at"]
    ticket.updated_at = now
    _set_status(ticket, status, actor=actor, now=now, fields=fields)
    ticket.save(update_fields=fields)
    _report(ticket)
    if status == TicketStatus.CLOSED or status == TicketStatus.PENDING:
        routing_drain_on_commit()
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor) -> Ticket:
    """Mark resolved (sets `resolved_at`). On commit: the resolution e-mail (web/phone with an
    e-mail), the `ticket_resolved` hook (surveys asks for a rating), and the agent's
    freed capacity is offered to the unassigned queue."""
    ticket = _lock(ticket)
    if ticket.status == TicketStatus.RESOLVED:
        return ticket
    now = clock.now()
    fields = ["updated_at"]
    ticket.updated_at = now
    _set_status(ticket, TicketStatus.RESOLVED, actor=actor, now=now, fields=fields)
    ticket.save(update_fields=fields)
    _report(ticket)
    ticket_pk = ticket.pk

    transaction.on_commit(lambda: hooks.ticket_resolved(ticket=Ticket.objects.get(pk=ticket_pk)))
    if ticket.requester_email and ticket.channel != Channel.CHAT:
        notify_requester(ticket=ticket, kind="resolved")
    routing_drain_on_commit()
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent, actor) -> Ticket:
    """Assign (or unassign with agent=None) as a supervisor or the agent themself. No capacity
    check: a supervisor's reassignment is deliberate. Audited."""
    if agent is not None and not has_role(agent, *CONTACT_CENTER_ROLES):
        raise ValidationFailed(errors={"assignee": [_("This user is not an agent.")]})
    ticket = _lock(ticket)
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket
    before = _snapshot(ticket)
    now = clock.now()
    ticket.assignee = agent
    ticket.assigned_at = now if agent else None
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "assigned_at", "updated_at"])
    _report(ticket)
    audit_record(
        actor=actor,
        action="ticket.assign",
        obj=ticket,
        before={"assignee": before["assignee"]},
        after={"assignee": agent.get_username() if agent else None},
    )
    if agent is not None and agent != actor:  # not news to an agent who took it
        realtime.tell_agent_on_commit(agent.pk, "ticket.assigned", ticket=ticket)
    return ticket


@transaction.atomic
def ticket_update_fields(
    *, ticket: Ticket, actor, category_slug: str | None = None, priority: str | None = None
) -> Ticket:
    """Change category and/or priority (audited). A priority change recomputes the SLA due
    times from creation."""
    ticket = _lock(ticket)
    before = _snapshot(ticket)
    fields = []
    if category_slug is not None and category_slug != ticket.category.slug:
        category = Category.objects.filter(slug=category_slug, is_active=True).first()
        if category is None:
            raise ValidationFailed(errors={"category": [_("Choose a category from the list.")]})
        ticket.category = category
        fields.append("category")
    if priority is not None and priority != ticket.priority:
        if priority not in Priority:
            raise ValidationFailed(errors={"priority": [_("Unknown priority.")]})
        ticket.priority = priority
        ticket.first_response_due_at, ticket.resolution_due_at = sla_due_times(
            priority=priority, start=ticket.created_at
        )
        fields += ["priority", "first_response_due_at", "resolution_due_at"]
    if not fields:
        return ticket
    ticket.updated_at = clock.now()
    ticket.save(update_fields=[*fields, "updated_at"])
    _report(ticket)
    after = _snapshot(ticket)
    changed = [k for k in ("category", "priority") if before[k] != after[k]]
    audit_record(
        actor=actor,
        action="ticket.update",
        obj=ticket,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return ticket


def tickets_close_resolved(
    *, older_than: dt.timedelta = REOPEN_WINDOW, batch: int = AUTOCLOSE_BATCH
) -> int:
    """Close tickets resolved longer ago than the reopen window (the scheduler's auto-close job
    and `manage.py helpdesk_route`), each closure audited. One transaction per `batch` tickets,
    so no transaction grows with the backlog; rows another transaction holds are skipped and left
    for the next run. Returns how many were closed."""
    closed = 0
    while True:
        done = _tickets_close_resolved_batch(older_than=older_than, batch=batch)
        closed += done
        if done < batch:
            return closed


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor,
    status: str | None = None,
    category_slug: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
) -> Ticket:
    """An agent's or supervisor's change to a ticket (workspace page and API): category and
    priority (`ticket_update_fields`), assignee, then status (`ticket_set_status`), in one
    transaction, so a refused part leaves the whole ticket as it was. None leaves a part as it is.

    `assignee` is a username ("" unassigns). Who may assign: a supervisor, anyone in the contact
    center or nobody; an agent, only themselves, and only while the ticket is unassigned
    (`ticket_claim`: Conflict `already_assigned` when another agent has it). An agent naming
    someone else, or unassigning, is Forbidden. Naming the current assignee changes nothing.
    """
    ticket = ticket_update_fields(
        ticket=ticket, actor=actor, category_slug=category_slug, priority=priority
    )
    current = ticket.assignee.get_username() if ticket.assignee_id else ""
    username = None if assignee is None else assignee.strip()
    if username is not None and username != current:
        target = None
        if username:
            target = get_user_model().objects.filter(username=username).first()
            if target is None:
                raise ValidationFailed(errors={"assignee": [_("No such user.")]})
        if has_role(actor, Role.SUPERVISOR):
            ticket = ticket_assign(ticket=ticket, agent=target, actor=actor)
        elif target is not None and target.pk == actor.pk:
            ticket = ticket_claim(ticket=ticket, agent=actor)
        else:
            raise Forbidden(_("Only supervisors can assign tickets to someone else."))
    if status is not None and status != ticket.status:
        ticket = ticket_set_status(ticket=ticket, status=status, actor=actor)
    return ticket


@transaction.atomic
def _tickets_close_resolved_batch(*, older_than: dt.timedelta, batch: int) -> int:
    now = clock.now()
    ids = list(
        Ticket.objects.select_for_update(skip_locked=True)
        .filter(status=TicketStatus.RESOLVED, resolved_at__lt=now - older_than)
        .values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        audit_record(
            actor=None,
            action="ticket.status",
            object_type="helpdesk.ticket",
            object_id=str(pk),
            before={"status": TicketStatus.RESOLVED},
            after={"status": TicketStatus.CLOSED},
        )
    return Ticket.objects.filter(pk__in=ids).update(
        status=TicketStatus.CLOSED, closed_at=now, updated_at=now
    )
