import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import override_settings

from prakerja.accounts.models import IdentityStatus
from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import (
    Application,
    ApplicationStatus,
    SkillsAttemptStatus,
    SkillsChoice,
    SkillsQuestion,
    SkillsTestAttempt,
)
from prakerja.programs.selectors import skills_test_status
from prakerja.programs.services import skills_test_start, skills_test_submit, wave_join

from .factories import WaveFactory, verified_participant

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/skills-test"


def _right(question_id: int) -> int:
    return SkillsChoice.objects.get(question_id=question_id, is_correct=True).pk


def _wrong(question_id: int) -> int:
    return SkillsChoice.objects.filter(question_id=question_id, is_correct=False).first().pk


def test_the_seeded_bank_has_one_right_choice_per_question_in_three_topics():
    questions = SkillsQuestion.objects.filter(active=True)
    assert questions.count() >= 20
    assert set(questions.values_list("topic", flat=True)) == {"literacy", "numeracy", "logic"}
    for question in questions:
        assert question.choices.filter(is_correct=True).count() == 1
    # The right answer is not always the first choice created.
    assert (
        len({list(q.choices.values_list("is_correct", flat=True)).index(True) for q in questions})
        > 1
    )


def test_get_starts_an_attempt_and_returns_the_same_questions_until_submitted(client):
    user = ParticipantFactory()
    client.force_login(user)
    first = client.get(URL)
    assert first.status_code == 200, first.content
    body = first.json()
    assert len(body["questions"]) == 10
    question = body["questions"][0]
    assert set(question) == {"id", "text", "choices"}
    assert set(question["choices"][0]) == {"id", "text"}
    assert "is_correct" not in first.content.decode()
    assert len({q["id"] for q in body["questions"]}) == 10
    assert client.get(URL).json() == body  # a reload neither restarts the clock nor redraws
    assert SkillsTestAttempt.objects.filter(participant=user).count() == 1
    assert AuditLog.objects.filter(action="skills_test.start").count() == 1


def test_post_scores_the_share_of_right_answers_and_unanswered_counts_as_wrong(client):
    user = ParticipantFactory()
    client.force_login(user)
    ids = [q["id"] for q in client.get(URL).json()["questions"]]
    answers = {str(q): str(_right(q)) for q in ids[:6]}
    answers[str(ids[6])] = str(_wrong(ids[6]))  # 6 right, 1 wrong, 3 left out
    response = client.post(URL, {"answers": answers}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["score"] == 60
    assert response.json()["completed_at"]
    attempt = SkillsTestAttempt.objects.get(participant=user)
    assert attempt.status == SkillsAttemptStatus.SUBMITTED
    assert attempt.answers.filter(choice__isnull=False).count() == 7
    again = client.post(URL, {"answers": answers}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "skills_test_not_started"


def test_choice_ids_may_be_numbers(client):
    client.force_login(ParticipantFactory())
    ids = [q["id"] for q in client.get(URL).json()["questions"]]
    answers = {str(q): _right(q) for q in ids}
    response = client.post(URL, {"answers": answers}, content_type="application/json")
    assert response.json()["score"] == 100


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"999999": "1"}, "answers.999999"),
        ({"abc": "1"}, "answers.abc"),
        ({"QUESTION": "x"}, "answers.QUESTION"),
        ({"1\x00": "2\x00"}, "answers.1\x00"),
    ],
)
def test_bad_answers_are_refused_with_the_field(client, answers, field):
    client.force_login(ParticipantFactory())
    client.get(URL)
    response = client.post(URL, {"answers": answers}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]


def test_a_choice_of_another_question_is_refused(client):
    client.force_login(ParticipantFactory())
    ids = [q["id"] for q in client.get(URL).json()["questions"]]
    response = client.post(
        URL, {"answers": {str(ids[0]): str(_right(ids[1]))}}, content_type="application/json"
    )
    assert response.status_code == 422
    assert f"answers.{ids[0]}" in response.json()["errors"]


@pytest.mark.parametrize("body", [{}, {"answers": []}, {"answers": "1"}, {"answers": {"1": None}}])
def test_malformed_bodies_are_422(client, body):
    client.force_login(ParticipantFactory())
    client.get(URL)
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_post_without_an_attempt_and_anonymous_and_staff(client):
    assert client.get(URL).status_code == 401
    client.force_login(ParticipantFactory())
    response = client.post(URL, {"answers": {}}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "skills_test_not_started"
    client.force_login(user_with_role(Role.AGENT))
    assert client.get(URL).status_code == 403


def test_answers_after_the_time_limit_and_grace_are_refused_and_the_attempt_counts():
    user = ParticipantFactory()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        attempt = skills_test_start(participant=user)
    questions = list(attempt.answers.values_list("question_id", flat=True))
    answers = {str(q): str(_right(q)) for q in questions}
    # 15 minutes plus 30 seconds of grace: taken at the last second, refused one second later.
    last = start + dt.timedelta(minutes=15, seconds=30)
    with time_machine.travel(last + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(Conflict) as exc:
            skills_test_submit(participant=user, answers=answers)
        assert exc.value.code == "skills_test_time_up"
        status = skills_test_status(participant=user)
        assert status.in_progress is None
        assert status.attempts_left == 2
        assert not status.completed
    with time_machine.travel(last, tick=False):
        assert skills_test_submit(participant=user, answers=answers).score == 100


def test_retakes_at_most_three_a_day_apart_and_the_best_score_counts():
    user = ParticipantFactory()
    start = clock.now()
    scores = []
    for day, right in enumerate([8, 5, 9]):
        moment = start + dt.timedelta(days=day)
        with time_machine.travel(moment, tick=False):
            attempt = skills_test_start(participant=user)
            ids = list(attempt.answers.values_list("question_id", flat=True))
            submitted = skills_test_submit(
                participant=user, answers={str(q): str(_right(q)) for q in ids[:right]}
            )
            scores.append(submitted.score)
        if day == 0:
            with time_machine.travel(moment + dt.timedelta(hours=23, minutes=59), tick=False):
                with pytest.raises(Conflict) as exc:
                    skills_test_start(participant=user)
                assert exc.value.code == "skills_test_retake_later"
    assert scores == [80, 50, 90]
    with time_machine.travel(start + dt.timedelta(days=10), tick=False):
        status = skills_test_status(participant=user)
        assert status.best_score == 90
        assert status.attempts_left == 0
        with pytest.raises(Conflict) as exc:
            skills_test_start(participant=user)
        assert exc.value.code == "skills_test_attempts_used"


def test_an_expired_attempt_is_closed_when_the_next_starts():
    user = ParticipantFactory()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        first = skills_test_start(participant=user)
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        second = skills_test_start(participant=user)
    first.refresh_from_db()
    assert first.status == SkillsAttemptStatus.EXPIRED
    assert second.pk != first.pk
    assert second.status == SkillsAttemptStatus.STARTED


@override_settings(SKILLS_TEST_QUESTIONS=25)
def test_the_draw_is_capped_by_the_bank_and_an_empty_bank_is_a_409():
    attempt = skills_test_start(participant=ParticipantFactory())
    assert attempt.answers.count() == SkillsQuestion.objects.filter(active=True).count()
    SkillsQuestion.objects.update(active=False)
    with pytest.raises(Conflict) as exc:
        skills_test_start(participant=ParticipantFactory())
    assert exc.value.code == "skills_test_unavailable"


def test_submit_validates_in_the_service_too():
    user = ParticipantFactory()
    skills_test_start(participant=user)
    with pytest.raises(ValidationFailed):
        skills_test_submit(participant=user, answers=["not", "a", "dict"])


def test_joining_a_wave_needs_a_completed_test(client):
    user = verified_participant(skills_test=False)
    wave = WaveFactory()
    client.force_login(user)
    response = client.post(f"/api/v1/waves/{wave.number}/join")
    assert response.status_code == 409
    assert response.json()["code"] == "skills_test_required"
    dashboard = client.get("/dasbor/").content.decode()
    assert 'id="next-step"' in dashboard
    assert "/tes-kemampuan-dasar/" in dashboard
    # An attempt started but not submitted is not a completed test.
    skills_test_start(participant=user)
    with pytest.raises(Conflict):
        wave_join(participant=user, wave=wave)
    ids = [q["id"] for q in client.get(URL).json()["questions"]]
    client.post(
        URL, {"answers": {str(ids[0]): str(_right(ids[0]))}}, content_type="application/json"
    )
    assert client.post(f"/api/v1/waves/{wave.number}/join").status_code == 201
    assert 'id="next-step"' not in client.get("/dasbor/").content.decode()


def test_account_steps_come_before_the_test():
    user = verified_participant(status=IdentityStatus.PENDING, skills_test=False)
    with pytest.raises(Forbidden) as exc:
        wave_join(participant=user, wave=WaveFactory())
    assert exc.value.code == "identity_not_verified"


def test_the_web_page_starts_shows_and_scores_a_test(client):
    user = ParticipantFactory()
    client.force_login(user)
    page = client.get("/tes-kemampuan-dasar/").content.decode()
    assert 'action="/tes-kemampuan-dasar/mulai/"' in page
    assert client.post("/tes-kemampuan-dasar/mulai/").status_code == 302
    page = client.get("/tes-kemampuan-dasar/").content.decode()
    attempt = SkillsTestAttempt.objects.get(participant=user)
    ids = list(attempt.answers.values_list("question_id", flat=True))
    for question_id in ids:
        assert f'name="q{question_id}"' in page
    form = {f"q{q}": str(_right(q)) for q in ids[:7]}
    response = client.post("/tes-kemampuan-dasar/kirim/", form, follow=True)
    html = response.content.decode()
    assert 'id="skills-score">70<' in html
    assert client.post("/tes-kemampuan-dasar/mulai/", follow=True).status_code == 200
    assert SkillsTestAttempt.objects.filter(participant=user).count() == 1  # a day apart


def test_the_web_page_is_for_participants(client):
    assert client.get("/tes-kemampuan-dasar/").status_code == 302
    client.force_login(user_with_role(Role.AGENT))
    assert client.get("/tes-kemampuan-dasar/").status_code == 403
    assert client.post("/tes-kemampuan-dasar/mulai/").status_code == 403
    assert not SkillsTestAttempt.objects.exists()


def test_a_participant_not_selected_before_the_test_existed_is_sent_to_it(client):
    user = verified_participant(skills_test=False)
    wave = WaveFactory()
    Application.objects.create(
        wave=wave, participant=user, status=ApplicationStatus.REJECTED, joined_at=clock.now()
    )
    client.force_login(user)
    assert 'id="next-step"' in client.get("/dasbor/").content.decode()


def test_the_pmo_sees_the_best_score_next_to_applications(client):
    user = verified_participant()
    wave_join(participant=user, wave=WaveFactory())
    client.force_login(user_with_role(Role.PMO_ADMIN))
    html = client.get("/admin/programs/application/").content.decode()
    assert "column-skills_score" in html
    assert ">70<" in html
    assert client.get("/admin/programs/skillsquestion/").status_code == 200
    assert client.get("/admin/programs/skillstestattempt/").status_code == 200


def test_skills_page_query_budget(client, django_assert_num_queries):
    user = ParticipantFactory()
    skills_test_start(participant=user)
    client.force_login(user)
    # Session, user, layout (switches, announcements, hours, roles): 8; the test page: 3.
    with django_assert_num_queries(11):
        assert client.get("/tes-kemampuan-dasar/").status_code == 200


def test_openapi_documents_the_skills_test(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/me/skills-test"]) >= {"get", "post"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_tabs_starting_at_once_share_one_attempt():
    """Two requests start the test at the same moment: the participant's row lock orders them,
    so the second finds the first's attempt instead of drawing another."""
    user = ParticipantFactory()
    barrier = threading.Barrier(2)
    attempts, errors = [], []

    def start():
        try:
            barrier.wait(timeout=10)
            attempts.append(skills_test_start(participant=user).pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert len(set(attempts)) == 1
    assert SkillsTestAttempt.objects.filter(participant=user).count() == 1
