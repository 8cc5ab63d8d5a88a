"""Reads for switches, announcements and waves. Every time-dependent answer uses `clock.now()`
(so a PMO preview shows the site as it will be)."""

import dataclasses
import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from prakerja.core import clock

from .models import Announcement, Application, ApplicationStatus, Switch, SwitchName, Wave


@dataclasses.dataclass(frozen=True)
class SwitchState:
    name: str
    active: bool
    message: str | None
    active_until: dt.datetime | None
    next_change_at: dt.datetime | None

    def as_dict(self) -> dict:
        return {
            "active": self.active,
            "message": self.message,
            "active_until": self.active_until.isoformat() if self.active_until else None,
            "next_change_at": self.next_change_at.isoformat() if self.next_change_at else None,
        }


Window = tuple[dt.datetime | None, dt.datetime | None]


def _merged(windows: list[Window]) -> list[Window]:
    """Windows sorted and joined where they touch, so [a,b) + [b,c) is one block [a,c)."""
    ordered = sorted(
        windows, key=lambda w: (w[0] is not None, w[0] or dt.datetime.min.replace(tzinfo=dt.UTC))
    )
    merged: list[Window] = []
    for start, end in ordered:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                continue
            if start is None or start <= last_end:
                new_end = None if end is None else max(last_end, end)
                merged[-1] = (last_start, new_end)
                continue
        merged.append((start, end))
    return merged


def evaluate_schedule(
    *, windows: list[Window], override: str, at: dt.datetime
) -> tuple[bool, dt.datetime | None, dt.datetime | None]:
    """(active, active_until, next_change_at) of a schedule at `at`. Windows are half-open:
    active from `active_from` inclusive until `active_until` exclusive, so with a window ending at
    23:59:00 a request at 23:58:59 is inside and one at 23:59:00 is not. An override pins the state
    and leaves no scheduled change."""
    if override == "on":
        return True, None, None
    if override == "off":
        return False, None, None
    for start, end in _merged(windows):
        if (start is None or start <= at) and (end is None or at < end):
            return True, end, end
        if start is not None and at < start:
            return False, None, start
    return False, None, None


SCHEDULE_CACHE_SECONDS = 5


def _schedule_cache_key(name: str) -> str:
    return f"programs:switch-schedule:{name}"


def _cached_schedule(name: str) -> tuple[str, str, list[Window]] | None:
    """(override, message, windows) of a switch, from the shared cache for a few seconds.

    Only the schedule is cached, never the on/off answer: the state is still computed from
    `clock.now()` on every request, so a scheduled change happens at its exact second. A PMO edit
    clears the key (`forget_schedule`); other servers' local caches (LocMem, no Redis) may lag by
    up to SCHEDULE_CACHE_SECONDS. None when the switch has no row."""
    key = _schedule_cache_key(name)
    cached = cache.get(key)
    if cached is None:
        switch = Switch.objects.filter(name=name).prefetch_related("windows").first()
        cached = (
            ("missing",)
            if switch is None
            else (
                switch.override,
                switch.message,
                [(w.active_from, w.active_until) for w in switch.windows.all()],
            )
        )
        cache.set(key, cached, SCHEDULE_CACHE_SECONDS)
    return None if cached == ("missing",) else cached


def forget_schedule(name: str) -> None:
    cache.delete(_schedule_cache_key(name))


def switch_state(name: str, *, at: dt.datetime | None = None) -> SwitchState:
    """The state of one switch now (or at `at`). A switch with no row is on (nothing scheduled)."""
    at = at or clock.now()
    schedule = _cached_schedule(name)
    if schedule is None:
        return SwitchState(name, True, None, None, None)
    override, message, windows = schedule
    active, until, next_change = evaluate_schedule(windows=windows, override=override, at=at)
    return SwitchState(
        name=name,
        active=active,
        message=None if active else (message or None),
        active_until=until,
        next_change_at=next_change,
    )


def all_switch_states(*, at: dt.datetime | None = None) -> dict[str, SwitchState]:
    at = at or clock.now()
    return {name: switch_state(name, at=at) for name in SwitchName.values}


def switch_schedule(*, switch: Switch) -> dict:
    """The stored schedule, as the API and the audit log show it."""
    return {
        "windows": [
            {
                "active_from": w.active_from.isoformat() if w.active_from else None,
                "active_until": w.active_until.isoformat() if w.active_until else None,
            }
            for w in switch.windows.all()
        ],
        "override": switch.override or None,
        "message": switch.message,
    }


def live_announcements(*, at: dt.datetime | None = None, banner_only: bool = False):
    """Published, not expired, and not tied to a switch that is off at `at` (an announcement
    that registration is open never shows while it is closed)."""
    at = at or clock.now()
    switched_off = [name for name, state in all_switch_states(at=at).items() if not state.active]
    qs = (
        Announcement.objects.filter(publish_at__lte=at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .exclude(while_switch_on__in=switched_off)
    )
    if banner_only:
        qs = qs.filter(show_banner=True)
    return qs.order_by("-publish_at", "-id")


def published_announcements(*, at: dt.datetime | None = None):
    """Everything published so far (expired ones included), for the list page and the feed."""
    return Announcement.objects.filter(publish_at__lte=at or clock.now()).order_by(
        "-publish_at", "-id"
    )


def announcement_get_public(*, pk: int) -> Announcement:
    from prakerja.core.errors import NotFound

    found = published_announcements().filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def waves_for_participants(*, at: dt.datetime | None = None) -> list[Wave]:
    """Waves a participant can see: every wave that has opened or opens next, newest first."""
    return list(Wave.objects.order_by("-number"))


def open_waves(*, at: dt.datetime | None = None):
    """Waves taking joins at `at` (`WaveState.OPEN`)."""
    at = at or clock.now()
    return Wave.objects.filter(
        opens_at__lte=at, closes_at__gt=at, selection_ran_at__isnull=True
    ).order_by("number")


def wave_join_blocker(*, participant, identity) -> tuple[str, str] | None:
    """(code, message) of the first account requirement for joining a wave that `participant`
    does not meet (confirmed e-mail, confirmed mobile number, verified identity), or None."""
    from prakerja.accounts.models import IdentityStatus

    if participant.email_verified_at is None:
        return "email_not_confirmed", _("Confirm your e-mail address before joining a wave.")
    if participant.phone_verified_at is None:
        return "phone_not_confirmed", _("Confirm your mobile number before joining a wave.")
    if identity is None or identity.status != IdentityStatus.VERIFIED:
        return "identity_not_verified", _(
            "Your identity must be verified before you can join a wave."
        )
    return None


def wave_get(*, number: int) -> Wave:
    from prakerja.core.errors import NotFound

    wave = Wave.objects.filter(number=number).first()
    if wave is None:
        raise NotFound()
    return wave


def latest_application_for(*, participant) -> Application | None:
    return (
        Application.objects.filter(participant=participant)
        .select_related("wave")
        .order_by("-joined_at", "-id")
        .first()
    )


def applications_for(*, participant) -> list[Application]:
    return list(
        Application.objects.filter(participant=participant)
        .select_related("wave")
        .order_by("-joined_at", "-id")
    )


def wave_funnel(*, wave: Wave) -> dict:
    """The PMO's funnel for one wave's cohort: the participants who joined that wave, and their
    path: accounts new during the wave's window or returning from an earlier wave, e-mail and
    mobile number confirmed and identity verified (as they are now), then the selection outcome.
    One query."""
    earlier = Application.objects.filter(
        participant=OuterRef("participant"), wave__number__lt=wave.number
    )
    return {
        "wave": wave.number,
        **wave.applications.aggregate(
            joined=Count("pk"),
            new_accounts=Count(
                "pk",
                filter=Q(
                    participant__date_joined__gte=wave.opens_at,
                    participant__date_joined__lt=wave.closes_at,
                ),
            ),
            returning=Count("pk", filter=Exists(earlier)),
            emails_confirmed=Count("pk", filter=Q(participant__email_verified_at__isnull=False)),
            phones_confirmed=Count("pk", filter=Q(participant__phone_verified_at__isnull=False)),
            identities_verified=Count("pk", filter=Q(participant__identity__status="verified")),
            waiting=Count("pk", filter=Q(status=ApplicationStatus.PENDING)),
            selected=Count("pk", filter=Q(status=ApplicationStatus.SELECTED)),
            not_selected=Count("pk", filter=Q(status=ApplicationStatus.REJECTED)),
        ),
    }


def participant_dashboard(*, user) -> dict:
    """Everything the participant's dashboard shows, in a handful of queries."""
    from prakerja.accounts.models import Identity

    now = clock.now()
    identity = Identity.objects.filter(user=user).first()
    applications = applications_for(participant=user)
    latest = applications[0] if applications else None
    can_join = wave_join_blocker(participant=user, identity=identity) is None and not any(
        a.status in (ApplicationStatus.PENDING, ApplicationStatus.SELECTED) for a in applications
    )
    joined_waves = {a.wave_id for a in applications}
    context = {
        "identity": identity,
        "applications": applications,
        "latest_application": latest,
        "open_waves": [w for w in open_waves(at=now) if w.pk not in joined_waves],
        "can_join": can_join,
        "linking": all_switch_states(at=now)[SwitchName.ACCOUNT_LINKING],
        "linked_account": None,
        "tickets": [],
    }
    try:
        from prakerja.payouts.selectors import active_linked_account_for
    except ImportError:
        pass
    else:
        context["linked_account"] = active_linked_account_for(user=user)
    try:
        from prakerja.helpdesk.selectors import tickets_for_requester
    except ImportError:
        pass
    else:
        context["tickets"] = list(tickets_for_requester(user=user)[:5])
    return context
