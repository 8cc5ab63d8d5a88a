"""Writes for switches, announcements, waves, applications, selection and the basic skills
test. Each audits a person's action."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from prakerja.accounts.models import IdentityStatus
from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.services import audit_record, audited_save

from . import hooks, tasks
from .models import (
    Announcement,
    Application,
    ApplicationStatus,
    SkillsAttemptStatus,
    SkillsQuestion,
    SkillsTestAnswer,
    SkillsTestAttempt,
    Wave,
    WaveState,
)
from .selectors import skills_answer_deadline, skills_test_status, wave_join_blocker


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
    `skills_test_required`) a participant without a completed basic skills test, (409
    `wave_not_open`) a wave outside its join window or whose selection has run, (409
    `application_pending` / `already_selected`) a second pending application or a participant
    selected before (both also database constraints). Audits `application.create`."""
    now = clock.now()
    identity = getattr(participant, "identity", None) if hasattr(participant, "identity") else None
    blocker = wave_join_blocker(participant=participant, identity=identity)
    if blocker is not None:
        code, message = blocker
        if code == "skills_test_required":  # a step still to take, not a matter of access
            raise Conflict(message, code=code)
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


@transaction.atomic
def wave_results_notify_due(*, now: dt.datetime | None = None) -> int:
    """Scheduler job: claim each wave whose results are published (announce_at passed) and whose
    participants have not been told, and on commit enqueue the messages (SMS and e-mail to each
    decided applicant). The claim is a conditional update of `results_notified_at`, so a wave is
    claimed exactly once even when two runs overlap. Returns the number of waves claimed."""
    now = now or clock.now()
    due = list(
        Wave.objects.filter(announce_at__lte=now, results_notified_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    claimed = 0
    for wave_id in due:
        if Wave.objects.filter(pk=wave_id, results_notified_at__isnull=True).update(
            results_notified_at=now
        ):
            claimed += 1
            transaction.on_commit(lambda wave_id=wave_id: tasks.wave_results_send.enqueue(wave_id))
    return claimed


# --- Basic skills test ----------------------------------------------------------------------------


def _participant_locked(participant):
    """The participant's row under FOR UPDATE: one skills test action of theirs at a time."""
    return get_user_model().objects.select_for_update().get(pk=participant.pk)


@transaction.atomic
def skills_test_start(*, participant) -> SkillsTestAttempt:
    """The participant's attempt in progress, or a new one with SKILLS_TEST_QUESTIONS questions
    drawn at random from the active bank, due in SKILLS_TEST_MINUTES. An attempt whose time ran
    out unsubmitted is closed as expired (it counts as used). Refuses (409
    `skills_test_attempts_used`, `skills_test_retake_later`) per the retake rules of
    `skills_test_status`, (409 `skills_test_unavailable`) when the bank is empty. Holds the
    participant's row lock. Audits `skills_test.start`."""
    now = clock.now()
    _participant_locked(participant)
    status = skills_test_status(participant=participant, at=now)
    if status.in_progress is not None:
        return status.in_progress
    SkillsTestAttempt.objects.filter(
        participant=participant, status=SkillsAttemptStatus.STARTED
    ).update(status=SkillsAttemptStatus.EXPIRED)
    if status.blocker is not None:
        code, message = status.blocker
        raise Conflict(message, code=code)
    questions = list(
        SkillsQuestion.objects.filter(active=True)
        .order_by("?")
        .values_list("pk", flat=True)[: settings.SKILLS_TEST_QUESTIONS]
    )
    if not questions:
        raise Conflict(
            _("The basic skills test is not available at the moment."),
            code="skills_test_unavailable",
        )
    attempt = SkillsTestAttempt.objects.create(
        participant=participant,
        started_at=now,
        deadline_at=now + dt.timedelta(minutes=settings.SKILLS_TEST_MINUTES),
    )
    SkillsTestAnswer.objects.bulk_create(
        SkillsTestAnswer(attempt=attempt, question_id=pk, position=i)
        for i, pk in enumerate(questions)
    )
    audit_record(
        actor=participant,
        action="skills_test.start",
        obj=attempt,
        after={"questions": len(questions), "deadline_at": attempt.deadline_at.isoformat()},
    )
    return attempt


def _parse_answers(answers, drawn: dict[int, SkillsTestAnswer]) -> dict[int, int]:
    """{question id: choice id} from the client's {"<question id>": "<choice id>"}; every
    question must belong to the attempt and every choice to its question."""
    if not isinstance(answers, dict):
        raise ValidationFailed(errors={"answers": [_("Send an object of question: choice.")]})
    parsed: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for raw_question, raw_choice in answers.items():
        try:
            question_id, choice_id = int(raw_question), int(raw_choice)
        except (TypeError, ValueError):
            errors[f"answers.{raw_question}"] = [_("Question and choice are ids.")]
            continue
        answer = drawn.get(question_id)
        if answer is None:
            errors[f"answers.{raw_question}"] = [_("This question is not in your test.")]
        elif choice_id not in {c.pk for c in answer.question.choices.all()}:
            errors[f"answers.{raw_question}"] = [_("This choice does not belong to the question.")]
        else:
            parsed[question_id] = choice_id
    if errors:
        raise ValidationFailed(errors=errors)
    return parsed


@transaction.atomic
def skills_test_submit(*, participant, answers) -> SkillsTestAttempt:
    """Score the participant's attempt in progress from `answers` ({question id: choice id};
    a question left out counts as wrong): the share of correct answers, 0-100, rounded.
    Refuses (409 `skills_test_not_started`) without an attempt in progress, (409
    `skills_test_time_up`) after the time limit plus SKILLS_TEST_GRACE_SECONDS: answers that
    late are not scored and the attempt counts as used. Bad ids -> 422 with the fields. Holds the
    participant's row lock. Audits `skills_test.submit`."""
    now = clock.now()
    _participant_locked(participant)
    attempt = SkillsTestAttempt.objects.filter(
        participant=participant, status=SkillsAttemptStatus.STARTED
    ).first()
    if attempt is None:
        raise Conflict(
            _("Start the basic skills test before sending answers."),
            code="skills_test_not_started",
        )
    if now > skills_answer_deadline(attempt):
        raise Conflict(
            _("The time for this test has run out; these answers were not scored."),
            code="skills_test_time_up",
        )
    drawn = {
        a.question_id: a
        for a in attempt.answers.select_related("question").prefetch_related("question__choices")
    }
    chosen = _parse_answers(answers, drawn)
    correct = 0
    for question_id, answer in drawn.items():
        answer.choice_id = chosen.get(question_id)
        right = next((c.pk for c in answer.question.choices.all() if c.is_correct), None)
        correct += answer.choice_id == right
    SkillsTestAnswer.objects.bulk_update(drawn.values(), ["choice"])
    attempt.status = SkillsAttemptStatus.SUBMITTED
    attempt.completed_at = now
    attempt.score = (200 * correct + len(drawn)) // (2 * len(drawn))  # rounded half up
    attempt.save(update_fields=["status", "completed_at", "score"])
    audit_record(
        actor=participant,
        action="skills_test.submit",
        obj=attempt,
        after={"score": attempt.score, "answered": len(chosen), "questions": len(drawn)},
    )
    return attempt
