"""The callback list: unanswered callers grouped by number, claimed atomically by agents."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from prakerja.core.roles import CONTACT_CENTER_ROLES, Role, has_role
from prakerja.core.services import audit_record

from ..models import (
    Call,
    Callback,
)


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
        actor=agent, action="callback.claim", obj=callback, after={"status": callback.status}
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
