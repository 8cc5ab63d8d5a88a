"""Agents' presence, shifts and the roster."""

import csv
import datetime as dt
import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from prakerja.core import clock
from prakerja.core.errors import ValidationFailed
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role
from prakerja.core.services import audit_record

from ..models import AgentPresence, PresenceStatus, RosterEntry, Shift
from ..selectors import agents_on_shift
from .routing import routing_drain_on_commit

ROSTER_MAX_ROWS = 20_000
# The roster file's optional first line, as the import form names it (translated: a supervisor
# copies it from the form in the language they read it in).
ROSTER_HEADER = pgettext_lazy("roster CSV header", "date,shift,username")


@transaction.atomic
def presence_set(*, agent, status: str) -> AgentPresence:
    """The agent sets online/away/offline (also counts as a heartbeat). Going online offers the
    unassigned queue to the agent on commit."""
    if status not in PresenceStatus:
        raise ValidationFailed(errors={"status": [_("Unknown status.")]})
    if not has_role(agent, *CONTACT_CENTER_ROLES):
        raise ValidationFailed(errors={"agent": [_("This user is not an agent.")]})
    now = clock.now()
    presence, _created = AgentPresence.objects.select_for_update().get_or_create(agent=agent)
    changed = presence.status != status
    presence.status = status
    presence.last_seen_at = now
    if changed:
        presence.changed_at = now
    presence.save(update_fields=["status", "last_seen_at", "changed_at"])
    if status == PresenceStatus.ONLINE:
        routing_drain_on_commit()
    return presence


def presence_log_in(*, user) -> AgentPresence | None:
    """Log-in (the `accounts.hooks.logged_in` hook) puts a contact-center user rostered on a
    shift covering now online, through `presence_set` (which offers them the queue): an agent on
    shift starts working, not offline and unaware of it. Off shift, and for anyone else, the
    presence stays as it was. Returns the presence when it was set."""
    if not has_role(user, *CONTACT_CENTER_ROLES):
        return None
    if not agents_on_shift().filter(pk=user.pk).exists():
        return None
    return presence_set(agent=user, status=PresenceStatus.ONLINE)


def presence_heartbeat(*, agent) -> AgentPresence | None:
    """The workspace page is still open: refresh `last_seen_at` (one UPDATE, no lock). An agent
    whose browser went quiet longer than PRESENCE_TTL_SECONDS counts as offline."""
    now = clock.now()
    updated = AgentPresence.objects.filter(agent=agent).update(last_seen_at=now)
    if not updated:
        return None
    return AgentPresence.objects.get(agent=agent)


@transaction.atomic
def roster_set(*, agent, shift: Shift, date: dt.date, actor) -> RosterEntry:
    if not has_role(agent, *CONTACT_CENTER_ROLES):
        raise ValidationFailed(errors={"agent": [_("This user is not an agent.")]})
    entry, created = RosterEntry.objects.get_or_create(agent=agent, shift=shift, date=date)
    if created:
        audit_record(
            actor=actor,
            action="roster.add",
            obj=entry,
            after={"agent": agent.get_username(), "shift": shift.code, "date": date.isoformat()},
        )
    return entry


def _roster_headers() -> set[tuple[str, ...]]:
    """ROSTER_HEADER's cells, case-folded, in every language of the site."""
    headers = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            cells = next(csv.reader([str(ROSTER_HEADER)]))
        headers.add(tuple(cell.strip().casefold() for cell in cells))
    return headers


@transaction.atomic
def roster_import_csv(*, text: str, actor) -> dict:
    """Import `date,shift,username` rows (or separated by ";", as a spreadsheet set to Indonesian
    saves CSV, the comma being its decimal separator). The first line may be ROSTER_HEADER in any
    of the site's languages (any letter case). All or nothing: any bad row raises ValidationFailed
    listing every bad line by number, and nothing is written. Rows already in the roster are
    skipped. Returns {"created": n, "skipped": n}. Audited as one entry."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    errors: list[str] = []
    shifts = {s.code: s for s in Shift.objects.filter(is_active=True)}
    headers = _roster_headers()
    first = True
    for line_no, row in enumerate(reader, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if first:
            first = False
            if tuple(cell.casefold() for cell in cells) in headers:
                continue
        if len(rows) + len(errors) >= ROSTER_MAX_ROWS:
            errors.append(
                _("Line %(n)d: too many rows (at most %(max)d).")
                % {"n": line_no, "max": ROSTER_MAX_ROWS}
            )
            break
        if len(cells) != 3:
            errors.append(
                _("Line %(n)d: expected %(header)s.") % {"n": line_no, "header": ROSTER_HEADER}
            )
            continue
        raw_date, code, username = cells
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(_("Line %(n)d: date must look like 2026-01-31.") % {"n": line_no})
            continue
        if code not in shifts:
            errors.append(_("Line %(n)d: unknown shift %(code)s.") % {"n": line_no, "code": code})
            continue
        rows.append((line_no, day, shifts[code], username))
    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(username__in={r[3] for r in rows}).prefetch_related("groups")
    }
    for line_no, _day, _shift, username in rows:
        user = users.get(username)
        if user is None or not has_role(user, *CONTACT_CENTER_ROLES):
            errors.append(
                _("Line %(n)d: %(user)s is not an agent.") % {"n": line_no, "user": username}
            )
    if errors:
        raise ValidationFailed(_("The roster was not imported."), errors={"file": errors})
    existing = set(
        RosterEntry.objects.filter(
            date__in={r[1] for r in rows}, agent__in=users.values()
        ).values_list("agent_id", "shift_id", "date")
    )
    new = []
    seen = set()
    for _line, day, shift, username in rows:
        key = (users[username].pk, shift.pk, day)
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append(RosterEntry(agent=users[username], shift=shift, date=day))
    RosterEntry.objects.bulk_create(new, batch_size=1000)
    audit_record(
        actor=actor,
        action="roster.import",
        object_type="helpdesk.rosterentry",
        object_id="import",
        after={"created": len(new), "skipped": len(rows) - len(new)},
    )
    return {"created": len(new), "skipped": len(rows) - len(new)}
