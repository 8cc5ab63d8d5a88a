"""Writes for switches, announcements, waves, applications and selection. Each audits."""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from prakerja.accounts.models import IdentityStatus
from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.services import audit_record, audited_save

from . import hooks
from .models import (
    Announcement,
    Application,
    ApplicationStatus,
    Wave,
    WaveState,
)
from .selectors import wave_join_blocker


def _announcement_dict(a: Announcement) -> dict:
    return {
        "title": a.title,
        "body": a.body,
        "publish_at": a.publish_at.isoformat() if a.publish_at else None,
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
        "show_banner": a.show_banner,
        "while_switch_on": a.while_switch_on,
    }


@transaction.atomic
def announcement_save(*, announcement: Announcement, actor) -> Announcement:
    """Create or update an announcement; audits `announcement.create`/`announcement.update`."""
    if announcement.expires_at and announcement.expires_at <= announcement.publish_at:
        raise ValidationFailed(errors={"expires_at": [_("Must be after the publish time.")]})
    return audited_save(
        obj=announcement, actor=actor, entity="announcement", snapshot=_announcement_dict
    )


@transaction.atomic
def announcement_delete(*, announcement: Announcement, actor) -> None:
    audit_record(
        actor=actor,
        action="announcement.delete",
        obj=announcement,
        before=_announcement_dict(announcement),
    )
    announcement.delete()


def _wave_dict(w: Wave) -> dict:
    return {
        "number": w.number,
        "title": w.title,
        "opens_at": w.opens_at.isoformat() if w.opens_at else None,
        "closes_at": w.closes_at.isoformat() if w.closes_at else None,
        "quota": w.quota,
        "selection_ran_at": w.selection_ran_at.isoformat() if w.selection_ran_at else None,
        "announce_at": w.announce_at.isoformat() if w.announce_at else None,
    }


@transaction.atomic
def wave_save(*, wave: Wave, actor) -> Wave:
    """Create or update a wave; audits `wave.create`/`wave.update`."""
    if wave.opens_at and wave.closes_at and wave.opens_at >= wave.closes_at:
        raise ValidationFailed(errors={"closes_at": [_("Must be after the opening time.")]})
    return audited_save(obj=wave, actor=actor, entity="wave", snapshot=_wave_dict)


def _wave_share_locked(*, wave_id: int) -> Wave:
    """The wave, read under PostgreSQL's FOR KEY SHARE: joins do not wait for each other, but a
    join waits for a selection holding the wave's row (FOR UPDATE) and a selection waits for the
    joins in progress, so no application is left pending in a wave already decided. Django's ORM
    has no FOR KEY SHARE. SQLite runs one writing transaction at a time."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    query = f"SELECT * FROM {Wave._meta.db_table} WHERE id = %s{lock}"  # noqa: S608
    return next(iter(Wave.objects.raw(query, [wave_id])))


@transaction.atomic
def wave_join(*, participant, wave: Wave) -> Application:
    """A participant joins an open wave. Refuses (403 `email_not_confirmed`,
    `phone_not_confirmed`, `identity_not_verified`) an account that is not ready, (409
    `wave_not_open`) a wave outside its join window or whose selection has run, (409
    `application_pending` / `already_selected`) a second pending application or a participant
    selected before (both also database constraints). Audits `application.create`."""
    now = clock.now()
    identity = getattr(participant, "identity", None) if hasattr(participant, "identity") else None
    blocker = wave_join_blocker(participant=participant, identity=identity)
    if blocker is not None:
        code, message = blocker
        raise Forbidden(message, code=code)
    wave = _wave_share_locked(wave_id=wave.pk)
    if wave.state_at(now) != WaveState.OPEN:
        raise Conflict(_("This wave is not open for joining."), code="wave_not_open")
    existing = Application.objects.filter(participant=participant).exclude(
        status=ApplicationStatus.REJECTED
    )
    if existing.filter(status=ApplicationStatus.SELECTED).exists():
        raise Conflict(_("You have already been selected in a wave."), code="already_selected")
    if existing.filter(status=ApplicationStatus.PENDING).exists():
        raise Conflict(
            _("You already have an application waiting for selection."),
            code="application_pending",
        )
    try:
        with transaction.atomic():
            application = Application.objects.create(
                wave=wave, participant=participant, joined_at=now
            )
    except IntegrityError as exc:
        raise Conflict(
            _("You already have an application waiting for selection."),
            code="application_pending",
        ) from exc
    audit_record(
        actor=participant,
        action="application.create",
        obj=application,
        after={"wave": wave.number, "status": application.status},
    )
    return application


@transaction.atomic
def wave_run_selection(*, wave: Wave, actor, announce_at: dt.datetime | None = None) -> dict:
    """Select within the quota once the wave has closed. Rule: applicants whose identity is
    verified at selection time are eligible; among them the earliest joiners (then the lower
    application id) are selected up to the quota; everyone else is not selected (with the reason).
    Results become visible to participants at `announce_at` (default: now). Holds a row lock on the
    wave, so two runs cannot both select. Audits `wave.select` and each `application.decide`."""
    now = clock.now()
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if now < wave.closes_at:
        raise Conflict(_("Selection can run only after the wave closes."), code="wave_not_closed")
    if wave.selection_ran_at is not None:
        raise Conflict(_("Selection has already run for this wave."), code="selection_done")
    pending = list(
        wave.applications.select_for_update(of=("self",))
        .filter(status=ApplicationStatus.PENDING)
        .select_related("participant__identity")
        .order_by("joined_at", "pk")
    )
    selected = rejected = 0
    for application in pending:
        identity = getattr(application.participant, "identity", None)
        eligible = identity is not None and identity.status == IdentityStatus.VERIFIED
        if eligible and selected < wave.quota:
            application.status = ApplicationStatus.SELECTED
            application.reason = ""
            selected += 1
        else:
            application.status = ApplicationStatus.REJECTED
            application.reason = (
                _("Quota for this wave is full.") if eligible else _("Identity not verified.")
            )
            rejected += 1
        application.decided_at = now
    Application.objects.bulk_update(pending, ["status", "reason", "decided_at"])
    before = _wave_dict(wave)
    wave.selection_ran_at = now
    wave.announce_at = announce_at or now
    wave.save(update_fields=["selection_ran_at", "announce_at"])
    hooks.participants_selected(
        wave=wave, applications=[a for a in pending if a.status == ApplicationStatus.SELECTED]
    )
    for application in pending:
        audit_record(
            actor=actor,
            action="application.decide",
            obj=application,
            before={"status": ApplicationStatus.PENDING},
            after={"status": application.status, "reason": application.reason},
        )
    result = {"wave": wave.number, "selected": selected, "not_selected": rejected}
    audit_record(actor=actor, action="wave.select", obj=wave, before=before, after=result)
    return result
