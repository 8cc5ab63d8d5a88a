"""Switches, announcements and waves under /api/v1."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from prakerja.core import clock
from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import Forbidden
from prakerja.core.roles import STAFF_ROLES, Role, has_role

from . import selectors, services

router = Router(tags=["programs"])


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    publish_at: datetime
    expires_at: datetime | None
    live: bool


@router.get(
    "/announcements",
    response={200: list[AnnouncementOut], **errors(422)},
    summary="Published announcements",
)
def announcements(request, live_only: bool = False):
    live = selectors.live_announcements()
    live_ids = set(live.values_list("pk", flat=True))
    qs = live if live_only else selectors.published_announcements()
    return [
        AnnouncementOut(
            id=a.pk,
            title=a.title,
            body=a.body,
            publish_at=a.publish_at,
            expires_at=a.expires_at,
            live=a.pk in live_ids,
        )
        for a in qs[:50]
    ]


class WaveOut(Schema):
    number: int
    title: str
    opens_at: datetime
    closes_at: datetime
    quota: int
    state: str


def _wave_out(wave) -> WaveOut:
    return WaveOut(
        number=wave.number,
        title=wave.title,
        opens_at=wave.opens_at,
        closes_at=wave.closes_at,
        quota=wave.quota,
        state=wave.state_at(clock.now()),
    )


@router.get("/waves", response=list[WaveOut], summary="Waves and their state now")
def waves(request):
    return [_wave_out(w) for w in selectors.waves_for_participants()]


class ApplicationOut(Schema):
    wave: int
    status: str = Field(description="pending | selected | rejected (pending until results are out)")
    joined_at: datetime


def _application_out(application) -> ApplicationOut:
    return ApplicationOut(
        wave=application.wave.number,
        status=application.public_status,
        joined_at=application.joined_at,
    )


@router.post(
    "/waves/{number}/join",
    response={201: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Join an open wave (confirmed e-mail and phone, verified identity)",
    description="403 email_not_confirmed, phone_not_confirmed, identity_not_verified; 409 "
    "skills_test_required, wave_not_open (outside the join window, or selection has run), application_pending, "
    "already_selected.",
)
def wave_join(request, number: int):
    if not has_role(request.auth, Role.PARTICIPANT):
        raise Forbidden(_("Only participants can join a wave."))
    application = services.wave_join(
        participant=request.auth, wave=selectors.wave_get(number=number)
    )
    return Status(201, _application_out(application))


class SkillsChoiceOut(Schema):
    id: int
    text: str


class SkillsQuestionOut(Schema):
    id: int
    text: str
    choices: list[SkillsChoiceOut]


class SkillsTestOut(Schema):
    questions: list[SkillsQuestionOut]
    deadline_at: datetime = Field(description="answers are taken until this time")


class SkillsAnswersIn(Schema):
    answers: dict[str, int | str] = Field(
        description='{"<question id>": "<choice id>"}; a question left out counts as wrong'
    )


class SkillsResultOut(Schema):
    score: int = Field(description="0-100, recorded for selection (not a pass mark)")
    completed_at: datetime


def _participant(request):
    if not has_role(request.auth, Role.PARTICIPANT):
        raise Forbidden(_("Only participants can take the basic skills test."))
    return request.auth


@router.get(
    "/me/skills-test",
    response={200: SkillsTestOut, **errors(401, 403, 409)},
    auth=SESSION_OR_TOKEN,
    summary="The questions of the caller's basic skills test attempt (starts one if needed)",
    description="Returns the attempt in progress, or starts the next one (its time runs from "
    "now). 409 skills_test_attempts_used, skills_test_retake_later, skills_test_unavailable.",
)
def skills_test_get(request):
    attempt = services.skills_test_start(participant=_participant(request))
    return SkillsTestOut(
        questions=[
            SkillsQuestionOut(
                id=question.pk,
                text=question.text,
                choices=[SkillsChoiceOut(id=c.pk, text=c.text) for c in choices],
            )
            for question, choices in selectors.skills_test_questions(attempt=attempt)
        ],
        deadline_at=attempt.deadline_at,
    )


@router.post(
    "/me/skills-test",
    response={201: SkillsResultOut, **errors(400, 401, 403, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Submit the answers of the caller's basic skills test attempt",
    description="409 skills_test_not_started, skills_test_time_up (after the time limit: not "
    "scored, the attempt counts as used); 422 validation_error for ids not in the attempt.",
)
def skills_test_submit(request, payload: SkillsAnswersIn):
    attempt = services.skills_test_submit(
        participant=_participant(request), answers=payload.answers
    )
    return Status(201, SkillsResultOut(score=attempt.score, completed_at=attempt.completed_at))


@router.get(
    "/me/applications",
    response={200: list[ApplicationOut], **errors(401)},
    auth=SESSION_OR_TOKEN,
    summary="The caller's wave applications, newest first",
)
def my_applications(request):
    return [_application_out(a) for a in selectors.applications_for(participant=request.auth)]


class FunnelOut(Schema):
    wave: int
    joined: int = Field(description="the cohort: participants who joined this wave")
    new_accounts: int = Field(description="of the cohort, accounts created while the wave was open")
    returning: int = Field(description="of the cohort, participants who joined an earlier wave")
    emails_confirmed: int
    phones_confirmed: int
    identities_verified: int
    waiting: int = Field(description="applications not decided yet")
    selected: int
    not_selected: int


@router.get(
    "/waves/{number}/funnel",
    response={200: FunnelOut, **errors(401, 403, 404, 422)},
    auth=SESSION_OR_TOKEN,
    summary="A wave's funnel: its cohort and their path (PMO admin, supervisors)",
)
def wave_funnel(request, number: int):
    if not has_role(request.auth, *STAFF_ROLES):
        raise Forbidden()
    return selectors.wave_funnel(wave=selectors.wave_get(number=number))
