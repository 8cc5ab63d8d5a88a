"""Writes for the phone channel: PBX events, calls logged by hand, callbacks.

A call is recomputed from all of its events every time a new one arrives (`_derive`), so a
resent event changes nothing (the (call_id, event, key) unique constraint) and events arriving out
of order still give the right call. Side effects (ticket, screen-pop, callback list) are then
reconciled against the state before the event.
"""

import datetime as dt
import logging
import random
import time
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from prakerja.accounts.phones import normalize_phone
from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.roles import CONTACT_CENTER_ROLES, Role, has_role
from prakerja.core.services import audit_record

from .models import (
    UNANSWERED_OUTCOMES,
    AgentExtension,
    Call,
    Callback,
    CallEvent,
    CallOutcome,
    CallState,
    Direction,
    EventType,
    HangupCause,
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
    from prakerja.helpdesk import hours

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
            from prakerja.helpdesk.services import ticket_assign

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
    from prakerja.helpdesk.models import Channel
    from prakerja.helpdesk.services import ticket_assign, ticket_create

    matches = _matching_participants(call.caller_number)
    requester = matches[0] if len(matches) == 1 else None
    number = call.caller_number or call.from_raw or _("hidden number")
    local = clock.to_local(call.answered_at or call.ringing_at)
    if call.direction == Direction.IN:
        subject = _("Phone call from %(number)s") % {"number": number}
    else:
        subject = _("Phone call to %(number)s") % {"number": number}
    subject = f"{subject} ({local:%d-%m-%Y %H:%M} WIB)"
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
    from prakerja.helpdesk.realtime import agent_group, group_send_on_commit

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


def _callback_attach(call: Call) -> None:
    at = call.ringing_at
    callback = (
        Callback.objects.select_for_update()
        .filter(number=call.caller_number)
        .exclude(status=Callback.Status.DONE)
        .first()
    )
    if callback is None:
        try:
            with transaction.atomic():
                callback = Callback.objects.create(
                    number=call.caller_number,
                    first_missed_at=at,
                    last_missed_at=at,
                    missed_count=0,
                )
        except IntegrityError:
            # Another missed call from this number created it concurrently.
            callback = (
                Callback.objects.select_for_update()
                .filter(number=call.caller_number)
                .exclude(status=Callback.Status.DONE)
                .get()
            )
    callback.missed_count += 1
    callback.first_missed_at = min(callback.first_missed_at, at)
    callback.last_missed_at = max(callback.last_missed_at, at)
    callback.save(update_fields=["missed_count", "first_missed_at", "last_missed_at"])
    call.callback = callback
    call.save(update_fields=["callback", "updated_at"])


def _callback_detach(call: Call) -> None:
    callback = Callback.objects.select_for_update().get(pk=call.callback_id)
    call.callback = None
    call.save(update_fields=["callback", "updated_at"])
    if callback.status == Callback.Status.DONE:
        return
    remaining = list(callback.calls.order_by("ringing_at").values_list("ringing_at", flat=True))
    if not remaining and callback.status == Callback.Status.OPEN:
        callback.delete()
        return
    callback.missed_count = len(remaining)
    if remaining:
        callback.first_missed_at, callback.last_missed_at = remaining[0], remaining[-1]
    callback.save(update_fields=["missed_count", "first_missed_at", "last_missed_at"])


def _callback_close_when_caller_got_through(call: Call) -> None:
    """The caller called again and was answered: an unclaimed callback for the number is done."""
    if not call.caller_number:
        return
    callback = (
        Callback.objects.select_for_update()
        .filter(number=call.caller_number, status=Callback.Status.OPEN)
        .first()
    )
    if callback is None or callback.last_missed_at > call.ringing_at:
        return
    callback.status = Callback.Status.DONE
    callback.result = Callback.Result.CALLER_CALLED_AGAIN
    callback.completed_at = clock.now()
    callback.completed_by = call.agent
    callback.save(update_fields=["status", "result", "completed_at", "completed_by"])


def _require_contact_center(user) -> None:
    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()


@transaction.atomic
def callback_claim_next(*, agent) -> Callback | None:
    """Claim the oldest open callback for `agent`, or None when none is left. Concurrent agents
    never get the same one: rows locked by another claim are skipped (SKIP LOCKED on
    PostgreSQL; SQLite serialises writers)."""
    _require_contact_center(agent)
    callback = (
        Callback.objects.select_for_update(skip_locked=True)
        .filter(status=Callback.Status.OPEN)
        .order_by("first_missed_at", "pk")
        .first()
    )
    if callback is None:
        return None
    return _claim(callback, agent=agent)


@transaction.atomic
def callback_claim(*, callback_id: int, agent) -> Callback:
    """Claim one callback. Conflict (409) if another agent holds it or it is done."""
    _require_contact_center(agent)
    callback = Callback.objects.select_for_update().filter(pk=callback_id).first()
    if callback is None:
        from prakerja.core.errors import NotFound

        raise NotFound()
    if callback.status == Callback.Status.CLAIMED and callback.claimed_by_id == agent.pk:
        return callback
    if callback.status != Callback.Status.OPEN:
        raise Conflict(_("Another agent has already taken this callback."))
    return _claim(callback, agent=agent)


def _claim(callback: Callback, *, agent) -> Callback:
    callback.status = Callback.Status.CLAIMED
    callback.claimed_by = agent
    callback.claimed_at = clock.now()
    callback.save(update_fields=["status", "claimed_by", "claimed_at"])
    audit_record(
        actor=agent, action="callback.claim", obj=callback, after={"number": callback.number}
    )
    return callback


@transaction.atomic
def callback_complete(*, callback_id: int, agent, result: str, notes: str = "") -> Callback:
    """Record the outcome of a claimed callback. `no_answer` puts it back in the list (one more
    attempt); other results close it. Only the claiming agent (or a supervisor) may do this."""
    _require_contact_center(agent)
    allowed = [Callback.Result.REACHED, Callback.Result.NO_ANSWER, Callback.Result.WRONG_NUMBER]
    if result not in allowed:
        raise ValidationFailed(errors={"result": [_("Choose an outcome.")]})
    callback = Callback.objects.select_for_update().filter(pk=callback_id).first()
    if callback is None:
        from prakerja.core.errors import NotFound

        raise NotFound()
    if callback.status != Callback.Status.CLAIMED:
        raise Conflict(_("Claim the callback first."))
    if callback.claimed_by_id != agent.pk and not has_role(agent, Role.SUPERVISOR):
        raise Forbidden(_("Another agent has claimed this callback."))
    before = {"status": callback.status}
    callback.attempts += 1
    callback.notes = "\n".join(filter(None, [callback.notes, notes.strip()]))
    if result == Callback.Result.NO_ANSWER:
        callback.status = Callback.Status.OPEN
        callback.claimed_by = None
        callback.claimed_at = None
        callback.result = result
    else:
        callback.status = Callback.Status.DONE
        callback.result = result
        callback.completed_at = clock.now()
        callback.completed_by = agent
    callback.save()
    audit_record(
        actor=agent,
        action="callback.complete",
        obj=callback,
        before=before,
        after={"status": callback.status, "result": result},
    )
    return callback


# --- Calls logged by hand ----------------------------------------------------------------------


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
        from prakerja.helpdesk.services import ticket_reply

        ticket_reply(ticket=call.ticket, author=agent, body=notes.strip(), internal=True)
    if direction == Direction.IN:
        _callback_close_when_caller_got_through(call)
    audit_record(actor=agent, action="call.log", obj=call, after={"number": caller})
    return call


@transaction.atomic
def call_wrap_up(
    *, call: Call, agent, category_slug: str, notes: str = "", resolve: bool = False
) -> Call:
    """The agent's after-call work from the screen-pop: category, an internal note, and either
    resolve the ticket (which asks the caller for a rating by SMS, through the helpdesk's
    ticket_resolve) or keep it open. Closes the pop."""
    from prakerja.helpdesk.models import TicketStatus
    from prakerja.helpdesk.services import (
        ticket_reply,
        ticket_resolve,
        ticket_set_status,
        ticket_update_fields,
    )

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
