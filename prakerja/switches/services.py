"""Writes for switches (each audited) and the refusal a closed switch gives."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.core.errors import DomainError, ValidationFailed
from prakerja.core.services import audit_record

from .models import Override, Switch, SwitchName, SwitchWindow
from .selectors import forget_schedules, switch_schedule, switch_state


class RegistrationClosed(DomainError):
    status = 403
    code = "registration_closed"


class AccountLinkingClosed(DomainError):
    status = 403
    code = "account_linking_closed"


CLOSED_ERRORS = {
    SwitchName.REGISTRATION: RegistrationClosed,
    SwitchName.ACCOUNT_LINKING: AccountLinkingClosed,
}


def switch_require_active(name: str) -> None:
    """Raise the switch's 403 (`registration_closed` / `account_linking_closed`) while it is off,
    with the PMO's message. Evaluated now, so the refusal starts at the exact second."""
    state = switch_state(name)
    if not state.active:
        raise CLOSED_ERRORS[name](state.message or _("This feature is switched off at the moment."))


def windows_errors(windows: list[tuple[dt.datetime | None, dt.datetime | None]]) -> list[str]:
    """Inverted or overlapping windows (touching is fine: [a,b) then [b,c))."""
    errors = []
    for start, end in windows:
        if start is not None and end is not None and start >= end:
            errors.append(_("A window must start before it ends."))
    if errors:
        return errors
    low = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = sorted(windows, key=lambda w: w[0] or low)
    for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:], strict=False):
        if e1 is None or (s2 or low) < e1:
            errors.append(_("Windows must not overlap."))
            break
    return errors


@transaction.atomic
def switch_set_schedule(
    *,
    name: str,
    windows: list[tuple[dt.datetime | None, dt.datetime | None]],
    override: str | None,
    message: str,
    actor,
) -> Switch:
    """Replace a switch's windows, override and message. Precondition: the caller checked the
    actor is a PMO admin. Raises ValidationFailed for inverted/overlapping windows or an unknown
    override. Audits `switch.update` with the schedule before and after."""
    if name not in SwitchName.values:
        raise ValidationFailed(errors={"name": [_("Unknown switch.")]})
    if override not in (None, "", *Override.values):
        raise ValidationFailed(errors={"override": [_('Use "on", "off" or null.')]})
    for start, end in windows:
        for value in (start, end):
            if value is not None and value.tzinfo is None:
                raise ValidationFailed(errors={"windows": [_("Times need a time zone.")]})
    problems = windows_errors(windows)
    if problems:
        raise ValidationFailed(errors={"windows": problems})
    switch, _created = Switch.objects.select_for_update().get_or_create(name=name)
    before = switch_schedule(switch=switch)
    switch.override = override or ""
    switch.message = message
    switch.save()
    switch.windows.all().delete()
    SwitchWindow.objects.bulk_create(
        [SwitchWindow(switch=switch, active_from=s, active_until=e) for s, e in windows]
    )
    return audit_switch_change(switch=switch, before=before, actor=actor)


def _forget() -> None:
    """Drop the cached schedules now and again after commit (a request between the two could
    have cached the old rows)."""
    forget_schedules()
    transaction.on_commit(forget_schedules)


def audit_switch_change(*, switch: Switch, before: dict | None, actor) -> Switch:
    """Audit `switch.update` (the schedule before and as stored now) and drop the cached
    schedules; returns the switch with its windows. The admin, which saves the switch and its
    window rows itself, calls it after saving."""
    switch = Switch.objects.prefetch_related("windows").get(pk=switch.pk)
    audit_record(
        actor=actor,
        action="switch.update",
        obj=switch,
        before=before,
        after=switch_schedule(switch=switch),
    )
    _forget()
    return switch
