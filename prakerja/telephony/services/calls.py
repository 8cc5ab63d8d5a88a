"""Agents' own call work: calls logged by hand, after-call wrap-up, the screen-pop, extensions."""

import datetime as dt
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.accounts.phones import normalize_phone
from prakerja.core import clock
from prakerja.core.errors import Forbidden, ValidationFailed
from prakerja.core.services import audit_record
from prakerja.helpdesk.models import TicketStatus
from prakerja.helpdesk.services import (
    ticket_reply,
    ticket_resolve,
    ticket_set_status,
    ticket_update_fields,
)

from ..models import (
    AgentExtension,
    Call,
    CallOutcome,
    CallState,
    Direction,
)
from .callbacks import _callback_close_when_caller_got_through, _require_contact_center
from .events import _ticket_for_call


@transaction.atomic
def call_log_manual(
    *,
    agent,
    number: str,
    direction: str = Direction.IN,
    started_at: dt.datetime | None = None,
    duration_minutes: int = 0,
    notes: str = "",
) -> Call:
    """Log a call the agent took without a connected PBX: an answered call with its phone ticket
    assigned to the agent (no screen-pop: the agent is already looking at it)."""
    _require_contact_center(agent)
    errors: dict[str, list[str]] = {}
    try:
        caller = normalize_phone(number)
    except ValueError:
        caller = ""
        errors["number"] = [_("Enter a valid phone number, e.g. 0812-3456-7890.")]
    if direction not in Direction.values:
        errors["direction"] = [_("Choose a direction.")]
    if not 0 <= duration_minutes <= 600:
        errors["duration_minutes"] = [_("Between 0 and 600 minutes.")]
    if errors:
        raise ValidationFailed(errors=errors)
    answered = started_at or clock.now()
    call = Call.objects.create(
        call_id=f"manual-{uuid.uuid4().hex}",
        direction=direction,
        from_raw=caller if direction == Direction.IN else "",
        to_raw=caller if direction == Direction.OUT else "",
        caller_number=caller,
        agent=agent,
        agent_label=agent.get_username(),
        state=CallState.ENDED,
        outcome=CallOutcome.ANSWERED,
        ringing_at=answered,
        answered_at=answered,
        ended_at=answered + dt.timedelta(minutes=duration_minutes),
        waiting_seconds=0,
        talking_seconds=duration_minutes * 60,
        manual=True,
        pop_closed=True,
    )
    _ticket_for_call(call, actor=agent)
    if notes.strip():
        ticket_reply(ticket=call.ticket, author=agent, body=notes.strip(), internal=True)
    if direction == Direction.IN:
        _callback_close_when_caller_got_through(call)
    audit_record(
        actor=agent,
        action="call.log",
        obj=call,
        after={"direction": direction, "ticket": call.ticket.reference},
    )
    return call


@transaction.atomic
def call_wrap_up(
    *, call: Call, agent, category_slug: str, notes: str = "", resolve: bool = False
) -> Call:
    """The agent's after-call work from the screen-pop: category, an internal note, and either
    resolve the ticket (which asks the caller for a rating by SMS, through the helpdesk's
    ticket_resolve) or keep it open. Closes the pop."""
    if call.agent_id != agent.pk or call.ticket_id is None:
        raise Forbidden()
    ticket = ticket_update_fields(ticket=call.ticket, actor=agent, category_slug=category_slug)
    if notes.strip():
        ticket_reply(ticket=ticket, author=agent, body=notes.strip(), internal=True)
    if resolve:
        ticket_resolve(ticket=ticket, actor=agent)
    elif ticket.status == TicketStatus.NEW:
        ticket_set_status(ticket=ticket, status=TicketStatus.OPEN, actor=agent)
    call.pop_closed = True
    call.save(update_fields=["pop_closed", "updated_at"])
    return call


@transaction.atomic
def call_pop_close(*, call: Call, agent) -> Call:
    """The agent closes the screen-pop panel of one of their calls."""
    if call.agent_id != agent.pk:
        raise Forbidden()
    call.pop_closed = True
    call.save(update_fields=["pop_closed", "updated_at"])
    return call


@transaction.atomic
def agent_extension_set(*, agent, extension: str, actor) -> AgentExtension:
    """Give an agent their PBX extension (replacing a previous one)."""
    extension = extension.strip()
    if not extension:
        raise ValidationFailed(errors={"extension": [_("This field is required.")]})
    if AgentExtension.objects.filter(extension=extension).exclude(agent=agent).exists():
        raise ValidationFailed(errors={"extension": [_("Another agent has this extension.")]})
    ext, _created = AgentExtension.objects.update_or_create(
        agent=agent, defaults={"extension": extension}
    )
    audit_record(actor=actor, action="agent_extension.set", obj=ext, after={"extension": extension})
    return ext
