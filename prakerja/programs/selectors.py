"""Reads for switches, announcements and waves. Every time-dependent answer uses `clock.now()`
(so a PMO preview shows the site as it will be)."""

import dataclasses
import datetime as dt
import random

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.utils import formats
from django.utils.translation import gettext as _

from prakerja.accounts.models import Identity, IdentityStatus
from prakerja.core import clock
from prakerja.core.errors import NotFound
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import (
    all_switch_states,
    schedule_changes,
    switch_on_periods,
    switch_windows,
)

from .dashboard import panels_for
from .models import (
    Announcement,
    Application,
    ApplicationStatus,
    SkillsAttemptStatus,
    SkillsChoice,
    SkillsTestAnswer,
    SkillsTestAttempt,
    Wave,
    WaveState,
)


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


def wave_join_blocker(
    *, participant, identity, skills_test_done: bool | None = None
) -> tuple[str, str] | None:
    """(code, message) of the first requirement for joining a wave that `participant` does not
    meet (confirmed e-mail, confirmed mobile number, verified identity, a completed basic skills
    test), or None. `skills_test_done` saves the query when the caller knows it."""
    if participant.email_verified_at is None:
        return "email_not_confirmed", _("Confirm your e-mail address before joining a wave.")
    if participant.phone_verified_at is None:
        return "phone_not_confirmed", _("Confirm your mobile number before joining a wave.")
    if identity is None or identity.status != IdentityStatus.VERIFIED:
        return "identity_not_verified", _(
            "Your identity must be verified before you can join a wave."
        )
    if skills_test_done is None:
        skills_test_done = SkillsTestAttempt.objects.filter(
            participant=participant, status=SkillsAttemptStatus.SUBMITTED
        ).exists()
    if not skills_test_done:
        return "skills_test_required", _("Complete the basic skills test before joining a wave.")
    return None


# --- Basic skills test ----------------------------------------------------------------------------


def skills_answer_deadline(attempt: SkillsTestAttempt) -> dt.datetime:
    """The last moment answers are taken: the time limit plus a grace for the network."""
    return attempt.deadline_at + dt.timedelta(seconds=settings.SKILLS_TEST_GRACE_SECONDS)


@dataclasses.dataclass(frozen=True)
class SkillsTestStatus:
    attempts: list  # the participant's attempts, newest first
    in_progress: SkillsTestAttempt | None  # started and still within its time
    best_score: int | None  # the score on the profile: the best of the submitted attempts
    attempts_left: int
    blocker: tuple[str, str] | None  # (code, message) why no new attempt can start now
    next_start_at: dt.datetime | None  # when a retake may start, if waiting is what blocks it

    @property
    def completed(self) -> bool:
        return self.best_score is not None


def skills_test_status(*, participant, at: dt.datetime | None = None) -> SkillsTestStatus:
    """Where the participant stands with the basic skills test at `at`, in one query. Rules:
    at most SKILLS_TEST_MAX_ATTEMPTS attempts, each started at least SKILLS_TEST_RETAKE_HOURS
    after the one before; an attempt not submitted in time counts as used. The profile shows the
    best score."""
    at = at or clock.now()
    attempts = list(SkillsTestAttempt.objects.filter(participant=participant).order_by("-pk"))
    in_progress = next(
        (
            a
            for a in attempts
            if a.status == SkillsAttemptStatus.STARTED and at <= skills_answer_deadline(a)
        ),
        None,
    )
    scores = [a.score for a in attempts if a.status == SkillsAttemptStatus.SUBMITTED]
    left = max(0, settings.SKILLS_TEST_MAX_ATTEMPTS - len(attempts))
    blocker = next_start_at = None
    if in_progress is None and attempts:
        next_start_at = attempts[0].started_at + dt.timedelta(
            hours=settings.SKILLS_TEST_RETAKE_HOURS
        )
        if left == 0:
            blocker = (
                "skills_test_attempts_used",
                _("You have used all %(count)d attempts of the basic skills test.")
                % {"count": settings.SKILLS_TEST_MAX_ATTEMPTS},
            )
            next_start_at = None
        elif at < next_start_at:
            blocker = (
                "skills_test_retake_later",
                _("You can take the test again from %(when)s WIB.")
                % {"when": formats.date_format(clock.to_local(next_start_at), "DATETIME_FORMAT")},
            )
        else:
            next_start_at = None
    return SkillsTestStatus(
        attempts=attempts,
        in_progress=in_progress,
        best_score=max(scores) if scores else None,
        attempts_left=left,
        blocker=blocker,
        next_start_at=next_start_at,
    )


def skills_best_scores(*, participant_ids) -> dict[int, int]:
    """The profile score (best submitted) of each participant, for the PMO's lists."""
    rows = (
        SkillsTestAttempt.objects.filter(
            participant_id__in=participant_ids, status=SkillsAttemptStatus.SUBMITTED
        )
        .values("participant_id")
        .annotate(best=Max("score"))
    )
    return {row["participant_id"]: row["best"] for row in rows}


def skills_test_questions(*, attempt: SkillsTestAttempt) -> list[tuple]:
    """The attempt's questions in their drawn order, each with its choices in an order fixed per
    attempt (so a reload shows the same page): [(question, [choice, ...]), ...]. Two queries."""
    answers = (
        SkillsTestAnswer.objects.filter(attempt=attempt)
        .select_related("question")
        .prefetch_related(
            Prefetch("question__choices", queryset=SkillsChoice.objects.order_by("pk"))
        )
        .order_by("position")
    )
    drawn = []
    for answer in answers:
        choices = list(answer.question.choices.all())
        random.Random(f"{attempt.pk}:{answer.question_id}").shuffle(choices)  # noqa: S311
        drawn.append((answer.question, choices))
    return drawn


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
    """Everything the participant's dashboard shows, in a handful of queries. `next_step` is
    the first thing the participant has to do before joining a wave, as (code, message)."""
    now = clock.now()
    identity = Identity.objects.filter(user=user).first()
    skills = skills_test_status(participant=user, at=now)
    applications = applications_for(participant=user)
    latest = applications[0] if applications else None
    blocker = wave_join_blocker(
        participant=user, identity=identity, skills_test_done=skills.completed
    )
    in_play = any(
        a.status in (ApplicationStatus.PENDING, ApplicationStatus.SELECTED) for a in applications
    )
    can_join = blocker is None and not in_play
    joined_waves = {a.wave_id for a in applications}
    return {
        "identity": identity,
        "skills_test": skills,
        "applications": applications,
        "latest_application": latest,
        "open_waves": [w for w in open_waves(at=now) if w.pk not in joined_waves],
        "can_join": can_join,
        "next_step": None if in_play else blocker,
        "panels": panels_for(user=user),
    }


# --- The PMO console ------------------------------------------------------------------------


def switch_changes(
    *, name: str, windows, override: str, message: str, start: dt.datetime, limit: int
) -> list[dict]:
    """The coming changes of a schedule as the console words them: each with its moment, the
    state it turns to, and the message participants read while the switch is off."""
    return [
        {
            "name": name,
            "label": SwitchName(name).label,
            "at": at,
            "active": active,
            "message": "" if active else message,
        }
        for at, active in schedule_changes(
            windows=windows, override=override, start=start, limit=limit
        )
    ]


def console_switches(*, at: dt.datetime | None = None, limit: int = 3) -> list[dict]:
    """Each switch now (state, override, message) with its next `limit` changes."""
    at = at or clock.now()
    states = all_switch_states(at=at)
    rows = []
    for name in SwitchName.values:
        override, message, windows = switch_windows(name)
        rows.append(
            {
                "name": name,
                "label": SwitchName(name).label,
                "state": states[name],
                "override": override,
                "message": message,
                "windows": windows,
                "changes": switch_changes(
                    name=name,
                    windows=windows,
                    override=override,
                    message=message,
                    start=at,
                    limit=limit,
                ),
            }
        )
    return rows


def _percent(moment: dt.datetime, start: dt.datetime, span: dt.timedelta) -> float:
    return round(max(0.0, min(1.0, (moment - start) / span)) * 100, 3)


def console_timeline(*, start: dt.datetime, days: int) -> dict:
    """The console's timeline over [start, start + days): a row per switch with its on-periods
    and a row per wave overlapping the range with its joining period and results publication.
    Positions are percentages of the range, so the page draws bars without any script."""
    end = start + dt.timedelta(days=days)
    span = end - start

    def bar(from_: dt.datetime, until: dt.datetime) -> dict:
        left = _percent(from_, start, span)
        return {
            "from": from_,
            "until": until,
            "left": left,
            "width": round(_percent(until, start, span) - left, 3),
        }

    rows = [
        {
            "kind": "switch",
            "label": SwitchName(name).label,
            "bars": [bar(a, b) for a, b in switch_on_periods(name, start=start, end=end)],
            "marks": [],
        }
        for name in SwitchName.values
    ]
    for wave in (
        Wave.objects.filter(opens_at__lt=end)
        .filter(Q(closes_at__gte=start) | Q(announce_at__gte=start))
        .order_by("opens_at")
    ):
        marks = []
        if wave.announce_at and start <= wave.announce_at < end:
            marks.append({"at": wave.announce_at, "left": _percent(wave.announce_at, start, span)})
        rows.append(
            {
                "kind": "wave",
                "label": str(wave),
                "bars": [bar(max(wave.opens_at, start), min(wave.closes_at, end))]
                if wave.closes_at > start
                else [],
                "marks": marks,
            }
        )
    step = 7 if days <= 120 else 30
    ticks = [
        {
            "at": start + dt.timedelta(days=d),
            "left": _percent(start + dt.timedelta(days=d), start, span),
        }
        for d in range(0, days, step)
    ]
    now = clock.now()
    return {
        "start": start,
        "end": end,
        "days": days,
        "rows": rows,
        "ticks": ticks,
        "now": _percent(now, start, span) if start <= now < end else None,
    }


def console_waves() -> list[dict]:
    """Every wave with its state now and its application counts (one query)."""
    now = clock.now()
    waves = Wave.objects.annotate(
        joined=Count("applications"),
        selected=Count("applications", filter=Q(applications__status=ApplicationStatus.SELECTED)),
    ).order_by("-number")
    return [{"wave": w, "state": WaveState(w.state_at(now))} for w in waves]


def announcement_get_for_pmo(*, pk: int) -> Announcement:
    """Any announcement, scheduled or expired (the caller checked the PMO role)."""
    found = Announcement.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def console_announcements(*, limit: int = 100) -> list[dict]:
    """The latest announcements, scheduled ones included, each with whether it is live now."""
    live = set(live_announcements().values_list("pk", flat=True))
    now = clock.now()
    return [
        {
            "announcement": a,
            "live": a.pk in live,
            "scheduled": a.publish_at > now,
        }
        for a in Announcement.objects.order_by("-publish_at", "-id")[:limit]
    ]
