"""The SLA watch (a scheduler job): a worked ticket about to miss its due time is flagged to its
agent and the supervisors once; one past it is escalated once, by the rule below (once per
ticket: a ticket escalated for its first response is not escalated again for its resolution).
See selectors.sla for which due time applies."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.services import audit_record

from .. import realtime
from ..models import Priority, Ticket
from ..selectors import tickets_due_before

BATCH = 200


def _notify(ticket: Ticket, *, level: str, text: str) -> None:
    event = {"type": "notify", "level": level, "message": text, "ticket": ticket.reference}
    if ticket.assignee_id:
        realtime.group_send_on_commit(realtime.agent_group(ticket.assignee_id), event)
    realtime.group_send_on_commit(realtime.SUPERVISORS_GROUP, event)


def _locked(querysets, *, flag: str) -> list[Ticket]:
    """Up to BATCH tickets of `querysets` not yet flagged, locked; rows another run holds are
    skipped (it is handling them), so concurrent runs never flag a ticket twice."""
    tickets: list[Ticket] = []
    for queryset in querysets:
        tickets += list(
            queryset.filter(**{f"{flag}__isnull": True})
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:BATCH]
        )
    return tickets


@transaction.atomic
def sla_watch(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn about worked tickets due within HELPDESK_SLA_WARN_MINUTES, once each; escalate those
    past due, once each. Escalation rule: the priority becomes urgent (so it leads every queue
    and the wallboard), the agent and the supervisors are told, and it is audited
    (`ticket.escalate`). The due times stay as they were: escalating does not extend them."""
    now = now or clock.now()
    warn_by = now + dt.timedelta(minutes=settings.HELPDESK_SLA_WARN_MINUTES)
    escalated = _locked(tickets_due_before(now), flag="escalated_at")
    for ticket in escalated:
        before = ticket.priority
        ticket.escalated_at = ticket.updated_at = now
        ticket.sla_warned_at = ticket.sla_warned_at or now
        ticket.priority = Priority.URGENT
        audit_record(
            actor=None,
            action="ticket.escalate",
            obj=ticket,
            before={"priority": before},
            after={"priority": Priority.URGENT, "reason": "sla_breached"},
        )
        _notify(
            ticket,
            level="error",
            text=_("%(ref)s is past its SLA due time and has been escalated.")
            % {"ref": ticket.reference},
        )
    Ticket.objects.bulk_update(
        escalated, ["escalated_at", "sla_warned_at", "priority", "updated_at"]
    )
    warned = _locked(tickets_due_before(warn_by), flag="sla_warned_at")
    for ticket in warned:
        ticket.sla_warned_at = now
        _notify(
            ticket,
            level="warning",
            text=_("%(ref)s reaches its SLA due time in less than %(minutes)d minutes.")
            % {"ref": ticket.reference, "minutes": settings.HELPDESK_SLA_WARN_MINUTES},
        )
    Ticket.objects.bulk_update(warned, ["sla_warned_at"])
    return {"warned": len(warned), "escalated": len(escalated)}
