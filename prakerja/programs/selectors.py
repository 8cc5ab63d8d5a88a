"""Reads for switches, announcements and waves. Every time-dependent answer uses `clock.now()`
(so a PMO preview shows the site as it will be)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from prakerja.core import clock

from .dashboard import panels_for
from .models import Announcement, Application, ApplicationStatus, Wave


def live_announcements(*, at: dt.datetime | None = None, banner_only: bool = False):
    at = at or clock.now()
    qs = Announcement.objects.filter(publish_at__lte=at).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
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
    at = at or clock.now()
    return Wave.objects.filter(opens_at__lte=at, closes_at__gt=at).order_by("number")


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
    """The PMO's funnel for one wave. The pool is every participant account created before the
    wave closed; of those: e-mail confirmed, identity verified, joined this wave, selected in it."""
    from prakerja.core.roles import Role

    users = get_user_model().objects.filter(
        groups__name=Role.PARTICIPANT, date_joined__lt=wave.closes_at
    )
    pool = users.aggregate(
        accounts_created=Count("pk", distinct=True),
        emails_confirmed=Count("pk", distinct=True, filter=Q(email_verified_at__isnull=False)),
        identities_verified=Count("pk", distinct=True, filter=Q(identity__status="verified")),
    )
    joined = wave.applications.aggregate(
        joined=Count("pk"),
        selected=Count("pk", filter=Q(status=ApplicationStatus.SELECTED)),
    )
    return {"wave": wave.number, **pool, **joined}


def participant_dashboard(*, user) -> dict:
    """Everything the participant's dashboard shows, in a handful of queries."""
    from prakerja.accounts.models import Identity

    now = clock.now()
    identity = Identity.objects.filter(user=user).first()
    applications = applications_for(participant=user)
    latest = applications[0] if applications else None
    can_join = (
        identity is not None
        and identity.status == "verified"
        and not any(
            a.status in (ApplicationStatus.PENDING, ApplicationStatus.SELECTED)
            for a in applications
        )
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
