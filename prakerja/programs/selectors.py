"""Reads for switches, announcements and waves. Every time-dependent answer uses `clock.now()`
(so a PMO preview shows the site as it will be)."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from prakerja.accounts.models import Identity, IdentityStatus
from prakerja.core import clock
from prakerja.core.errors import NotFound
from prakerja.switches.selectors import all_switch_states

from .dashboard import panels_for
from .models import Announcement, Application, ApplicationStatus, Wave


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
    now = clock.now()
    identity = Identity.objects.filter(user=user).first()
    applications = applications_for(participant=user)
    latest = applications[0] if applications else None
    can_join = wave_join_blocker(participant=user, identity=identity) is None and not any(
        a.status in (ApplicationStatus.PENDING, ApplicationStatus.SELECTED) for a in applications
    )
    joined_waves = {a.wave_id for a in applications}
    return {
        "identity": identity,
        "applications": applications,
        "latest_application": latest,
        "open_waves": [w for w in open_waves(at=now) if w.pk not in joined_waves],
        "can_join": can_join,
        "panels": panels_for(user=user),
    }
