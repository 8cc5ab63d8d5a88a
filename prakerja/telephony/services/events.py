"""PBX events: a call is recomputed from all of its events every time a new one arrives
(`_derive`), so a resent event changes nothing (the (call_id, event, key) unique constraint) and
events arriving out of order still give the right call. Side effects (ticket, screen-pop, callback
list) are then reconciled against the state before the event.
"""

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from prakerja.accounts.phones import normalize_phone
from prakerja.core import clock
from prakerja.core.errors import Forbidden, ValidationFailed
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role
from prakerja.helpdesk import hours
from prakerja.helpdesk.models import Channel
from prakerja.helpdesk.realtime import agent_group, group_send_on_commit
from prakerja.helpdesk.services import (
    ticket_assign,
    ticket_create,
)

from ..models import (
    UNANSWERED_OUTCOMES,
    AgentExtension,
    Call,
    CallEvent,
    CallOutcome,
    CallState,
    Direction,
    EventType,
    HangupCause,
)
from .callbacks import (
    _callback_attach,
    _callback_close_when_caller_got_through,
    _callback_detach,
)

logger = logging.getLogger(__name__)

# The caller gave up while waiting (in the queue or while it rang): abandoned. Other causes of an
# unanswered call (nobody picked up, busy, congestion, not found, forwarded away): missed.
ABANDON_CAUSES = frozenset({HangupCause.CANCEL, HangupCause.NORMAL_CLEARING})
MAX_FIELD = {"call_id": 100, "from": 64, "to": 64, "agent": 150}


@dataclass(frozen=True)
class EventResult:
    call: Call
    duplicate: bool


def _outside_party(direction: str, from_raw: str, to_raw: str) -> str:
    raw = from_raw if direction == Direction.IN else to_raw
    try:
        return normalize_phone(raw)
    except ValueError:
        return ""  # hidden ("anonymous") or an internal extension


def _validate_event(
    *, event, call_id, direction, from_number, to_number, agent, cause, occurred_at
) -> dict:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if event not in EventType.values:
        add("event", _("Must be one of: %s.") % ", ".join(EventType.values))
    if not call_id.strip():
        add("call_id", _("This field is required."))
    if direction and direction not in Direction.values:
        add("direction", _("Must be one of: %s.") % ", ".join(Direction.values))
    if event == EventType.NEW_CALL:
        if not direction:
            add("direction", _("This field is required."))
        if not from_number.strip():
            add("from", _("This field is required."))
        if not to_number.strip():
            add("to", _("This field is required."))
    if event == EventType.ANSWER and not agent.strip():
        add("agent", _("This field is required."))
    if event == EventType.HANGUP and cause not in HangupCause.values:
        add("cause", _("Must be one of: %s.") % ", ".join(HangupCause.values))
    for field, value in (
        ("call_id", call_id),
        ("from", from_number),
        ("to", to_number),
        ("agent", agent),
    ):
        if len(value) > MAX_FIELD[field]:
            add(field, _("At most %d characters.") % MAX_FIELD[field])
    if occurred_at is not None and occurred_at.tzinfo is None:
        add("time", _("Give a time zone offset."))
    return errors


RETRY_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
ATTEMPTS = 3


def call_event_record(**kwargs) -> EventResult:
    """Record one PBX event; see `_call_event_record`. A transaction that the database aborted
    as a deadlock victim (concurrent tickets' report rollups can take row locks in different
    orders) is retried from the start: the event is idempotent and nothing of it was kept."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _call_event_record(**kwargs)
        except OperationalError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if _in_transaction() or sqlstate not in RETRY_SQLSTATES or attempt == ATTEMPTS:
                raise
            logger.warning(
                "telephony.event_retry", extra={"sqlstate": sqlstate, "attempt": attempt}
            )
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")


def _in_transaction() -> bool:
    # Inside the caller's transaction a retry cannot start over: the whole transaction is lost.
    return connection.in_atomic_block


@transaction.atomic
def _call_event_record(
    *,
    event: str,
    call_id: str,
    occurred_at: dt.datetime | None = None,
    direction: str = "",
    from_number: str = "",
    to_number: str = "",
    agent: str = "",
    cause: str = "",
    actor=None,
) -> EventResult:
    """Record one PBX event (newCall, answer, hangup) and bring the call up to date.

    Idempotent: an event already recorded for this call (same type; for `answer` the same agent)
    changes nothing and returns `duplicate=True`. Order does not matter: the call is recomputed
    from all its events. A second `answer` by another agent is a transfer.
    Side effects, on commit: a phone ticket assigned to the answering agent, a screen-pop pushed to
    that agent only; unanswered incoming calls join the callback list for their number.
    Raises ValidationFailed (422) with field errors; nothing is saved then. The actor (the
    integration's user) needs the `telephony.add_callevent` permission.
    """
    if actor is not None and not actor.has_perm("telephony.add_callevent"):
        raise Forbidden()
    call_id = call_id.strip()
    agent = agent.strip()
    errors = _validate_event(
        event=event,
        call_id=call_id,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        agent=agent,
        cause=cause,
        occurred_at=occurred_at,
    )
    if errors:
        raise ValidationFailed(errors=errors)
    received = clock.now()
    occurred_at = occurred_at or received
    key = agent if event == EventType.ANSWER else ""

    # Lock the call row: events of one call are applied one at a time.
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    if call is None:
        # get_or_create: a concurrent first event of the same call may have just inserted it.
        call, created = Call.objects.get_or_create(
            call_id=call_id,
            defaults={
                "direction": direction or Direction.IN,
                "from_raw": from_number,
                "to_raw": to_number,
                "ringing_at": occurred_at,
            },
        )
        if not created:
            call = Call.objects.select_for_update().get(pk=call.pk)
    payload = {
        "event": event,
        "call_id": call_id,
        "direction": direction,
        "from": from_number,
        "to": to_number,
        "agent": agent,
        "cause": cause,
        "time": occurred_at.isoformat(),
    }
    try:
        with transaction.atomic():
            CallEvent.objects.create(
                call=call,
                call_id_raw=call_id,
                event=event,
                key=key,
                occurred_at=occurred_at,
                received_at=received,
                payload=payload,
            )
    except IntegrityError:
        # Already recorded: the (call_id, event, key) constraint is the idempotency check.
        return EventResult(call=call, duplicate=True)
    before = _snapshot(call)
    _derive(call, list(call.events.order_by("occurred_at", "pk")))
    call.save()
    _reconcile(call, before=before, actor=actor)
    return EventResult(call=call, duplicate=False)


def _snapshot(call: Call) -> dict:
    return {"agent_id": call.agent_id, "outcome": call.outcome, "state": call.state}


def _resolve_agent(label: str):
    """The contact-center user behind an extension or username, or None (then the call is
    recorded with the label only and its ticket left unassigned)."""
    if not label:
        return None
    ext = AgentExtension.objects.select_related("agent").filter(extension=label).first()
    user = ext.agent if ext else get_user_model().objects.filter(username=label).first()
    if user is None or not has_role(user, *CONTACT_CENTER_ROLES):
        return None
    return user


def _is_open(at: dt.datetime) -> bool:
    return hours.is_open(at)


def _derive(call: Call, events: list[CallEvent]) -> None:
    """Set the call's fields from its events (sorted by time). Pure apart from the agent and
    hours look-ups."""
    new = next((e for e in events if e.event == EventType.NEW_CALL), None)
    answers = [e for e in events if e.event == EventType.ANSWER]
    hangup = next((e for e in events if e.event == EventType.HANGUP), None)
    described = [new] if new else []
    described += [e for e in events if e is not new]

    def first_of(field: str) -> str:
        return next((e.payload.get(field) for e in described if e.payload.get(field)), "")

    call.direction = first_of("direction") or Direction.IN
    call.from_raw = first_of("from")
    call.to_raw = first_of("to")
    call.caller_number = _outside_party(call.direction, call.from_raw, call.to_raw)
    call.dialled_number = call.to_raw
    call.ringing_at = new.occurred_at if new else min(e.occurred_at for e in events)
    call.answered_at = max(answers[0].occurred_at, call.ringing_at) if answers else None
    if answers and answers[-1].key != call.agent_label:
        call.agent_label = answers[-1].key
        call.agent = _resolve_agent(call.agent_label)
    call.transfers = max(len(answers) - 1, 0)
    call.ended_at = max(hangup.occurred_at, call.answered_at or call.ringing_at) if hangup else None
    call.hangup_cause = hangup.payload.get("cause", "") if hangup else ""
    if hangup:
        call.state = CallState.ENDED
    elif answers:
        call.state = CallState.TALKING
    else:
        call.state = CallState.RINGING
    stop_waiting = call.answered_at or call.ended_at
    call.waiting_seconds = (
        int((stop_waiting - call.ringing_at).total_seconds()) if stop_waiting else None
    )
    call.talking_seconds = (
        int((call.ended_at - call.answered_at).total_seconds())
        if call.ended_at and call.answered_at
        else None
    )
    if answers:
        # Known as answered as soon as it is (the hang-up may still be on its way).
        call.outcome = CallOutcome.ANSWERED
    elif not hangup:
        call.outcome = CallOutcome.NONE
    elif call.direction == Direction.IN and not _is_open(call.ringing_at):
        call.outcome = CallOutcome.OUTSIDE_HOURS
    elif call.hangup_cause in ABANDON_CAUSES:
        call.outcome = CallOutcome.ABANDONED
    else:
        call.outcome = CallOutcome.MISSED


def _reconcile(call: Call, *, before: dict, actor) -> None:
    """Bring ticket, screen-pop and callback list in line with the call after an event."""
    if call.outcome == CallOutcome.ANSWERED:
        if call.callback_id is not None:
            # An out-of-order answer turned a "missed" call into an answered one.
            _callback_detach(call)
        if call.ticket_id is None:
            _ticket_for_call(call, actor=actor)
        elif call.agent_id and call.agent_id != before["agent_id"]:
            ticket_assign(ticket=call.ticket, agent=call.agent, actor=actor)
        if call.agent_id and call.agent_id != before["agent_id"]:
            _screen_pop(call)
        if before["outcome"] != CallOutcome.ANSWERED and call.direction == Direction.IN:
            _callback_close_when_caller_got_through(call)
    elif (
        call.outcome in UNANSWERED_OUTCOMES
        and call.direction == Direction.IN
        and call.caller_number
        and call.callback_id is None
    ):
        _callback_attach(call)


def _matching_participants(number: str):
    if not number:
        return []
    return list(
        get_user_model().objects.filter(phone=number, is_active=True).order_by("-date_joined")[:5]
    )


def _ticket_for_call(call: Call, *, actor) -> None:

    matches = _matching_participants(call.caller_number)
    requester = matches[0] if len(matches) == 1 else None
    number = call.caller_number or call.from_raw or _("hidden number")
    local = clock.to_local(call.answered_at or call.ringing_at)
    if call.direction == Direction.IN:
        subject = _("Phone call from %(number)s") % {"number": number}
    else:
        subject = _("Phone call to %(number)s") % {"number": number}
    subject = f"{subject} ({formats.date_format(local, 'DATETIME_FORMAT')} WIB)"
    # No description: it would become a public message "from the requester"; the call record
    # (linked from the ticket's call panel) holds the times.
    ticket = ticket_create(
        channel=Channel.PHONE,
        subject=subject,
        description="",
        requester=requester,
        name=requester.get_full_name() if requester else "",
        email=requester.email if requester else "",
        phone=call.caller_number,
        actor=actor,
        route=False,
    )
    if call.agent is not None:
        ticket = ticket_assign(ticket=ticket, agent=call.agent, actor=actor)
    call.ticket = ticket
    call.save(update_fields=["ticket", "updated_at"])


def _screen_pop(call: Call) -> None:
    """Push the pop to the answering agent's own group only, after commit."""
    group_send_on_commit(
        agent_group(call.agent_id),
        {
            "type": "screen.pop",
            "title": _("Phone call from %(number)s")
            % {"number": call.caller_number or call.from_raw or _("hidden number")},
            "call_id": call.call_id,
            "call_pk": call.pk,
            "caller_number": call.caller_number,
            "ticket_id": call.ticket_id,
            "ticket_reference": call.ticket.reference if call.ticket_id else "",
        },
    )


# --- Callbacks ---------------------------------------------------------------------------------
