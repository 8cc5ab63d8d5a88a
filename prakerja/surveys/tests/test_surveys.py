import re

import pytest
import time_machine
from django.core import mail

from prakerja.accounts.models import SmsOutbox
from prakerja.accounts.sms import MASK, inbox
from prakerja.core.clock import local_datetime
from prakerja.core.errors import Conflict, DomainError, ValidationFailed
from prakerja.reports.models import TicketFact
from prakerja.reports.tests.factories import agent, reopen_at, resolve_at, ticket_at
from prakerja.surveys.links import survey_token, survey_url
from prakerja.surveys.models import Delivery, Survey
from prakerja.surveys.services import survey_answer

pytestmark = pytest.mark.django_db

T0 = local_datetime(2026, 3, 2, 9, 0)
LINK_RE = re.compile(r"https?://\S+/survei/\S+/")


def _resolved(channel="web", **kwargs):
    staff = agent()
    ticket = ticket_at(T0, channel=channel, assignee=staff, **kwargs)
    return resolve_at(ticket, local_datetime(2026, 3, 2, 10, 0), staff), staff


def test_web_ticket_gets_one_email_with_a_signed_link_and_counts_as_sent():
    mail.outbox.clear()
    ticket, _ = _resolved("web", email="ani@example.test")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.delivery == Delivery.EMAIL
    assert survey.expires_at - survey.sent_at == __import__("datetime").timedelta(days=7)
    survey_mails = [m for m in mail.outbox if survey_url(survey) in m.body]
    assert len(survey_mails) == 1
    assert survey_mails[0].to == ["ani@example.test"]
    assert TicketFact.objects.get(ticket=ticket).survey_sent is True


def test_phone_ticket_gets_an_sms_link_through_the_gateway():
    ticket, _ = _resolved("phone", email="", phone="+6281234567890")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.delivery == Delivery.SMS
    sms = SmsOutbox.objects.get(to="+6281234567890")
    assert survey_url(survey) not in sms.text  # the link answers the survey: staff must not see it
    assert (sms.to, sms.text.replace(MASK, survey_url(survey))) == inbox[-1]


def test_chat_ticket_is_asked_inline_and_livechat_records_with_survey_answer():
    mail.outbox.clear()
    ticket, _ = _resolved("chat")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.delivery == Delivery.CHAT
    assert not [m for m in mail.outbox if "/survei/" in m.body]
    with time_machine.travel(local_datetime(2026, 3, 2, 10, 1), tick=False):
        survey_answer(survey=survey, rating=5, comment="Cepat")
    fact = TicketFact.objects.get(ticket=ticket)
    assert fact.rating == 5


def test_answering_twice_changes_nothing():
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    with time_machine.travel(local_datetime(2026, 3, 3, 8, 0), tick=False):
        survey_answer(survey=survey, rating=2)
        with pytest.raises(Conflict):
            survey_answer(survey=survey, rating=5)
    survey.refresh_from_db()
    assert survey.rating == 2
    assert TicketFact.objects.get(ticket=ticket).rating == 2


def test_rating_must_be_one_to_five():
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    with time_machine.travel(local_datetime(2026, 3, 3, 8, 0), tick=False):
        for bad in (0, 6, "x", None):
            with pytest.raises(ValidationFailed):
                survey_answer(survey=survey, rating=bad)
    assert Survey.objects.get(pk=survey.pk).answered_at is None


def test_reopened_and_re_resolved_ticket_is_not_asked_again_within_the_window(settings):
    settings.SURVEY_REASK_AFTER_SECONDS = 10 * 24 * 3600
    ticket, staff = _resolved()
    ticket = reopen_at(ticket, local_datetime(2026, 3, 3, 9, 0))
    ticket = resolve_at(ticket, local_datetime(2026, 3, 3, 10, 0), staff)
    assert Survey.objects.filter(ticket=ticket).count() == 1
    # Past the window a new resolution asks again.
    ticket = reopen_at(ticket, local_datetime(2026, 3, 8, 9, 0))
    ticket = resolve_at(ticket, local_datetime(2026, 3, 13, 10, 0), staff)
    assert Survey.objects.filter(ticket=ticket).count() == 2


def test_no_survey_without_an_address():
    ticket, _ = _resolved("phone", email="", phone="")
    assert not Survey.objects.filter(ticket=ticket).exists()
    assert TicketFact.objects.get(ticket=ticket).survey_sent is False


# --- The survey page ------------------------------------------------------------------------------


def _path(survey):
    return survey_url(survey, absolute=False)


def test_page_works_without_login_and_records_the_answer(client):
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    with time_machine.travel(local_datetime(2026, 3, 4, 12, 0), tick=False):
        page = client.get(_path(survey))
        assert page.status_code == 200
        html = page.content.decode()
        assert html.count('name="rating"') == 5
        assert "\U0001f604" in html
        assert "Sangat puas" in html
        assert ticket.reference in html
        done = client.post(_path(survey), {"rating": "4", "comment": "Terima kasih"})
    assert done.status_code == 200
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Terima kasih")


def test_reused_link_changes_nothing(client):
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    with time_machine.travel(local_datetime(2026, 3, 4, 12, 0), tick=False):
        client.post(_path(survey), {"rating": "5"})
        again = client.post(_path(survey), {"rating": "1"})
        assert again.status_code == 200
        assert "sudah dijawab" in again.content.decode()
        assert client.get(_path(survey)).status_code == 200
    assert Survey.objects.get(pk=survey.pk).rating == 5


def test_expired_link_is_refused(client, settings):
    settings.SURVEY_LINK_MAX_AGE_SECONDS = 3 * 24 * 3600  # configurable
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.expires_at - survey.sent_at).days == 3
    with time_machine.travel(local_datetime(2026, 3, 5, 10, 1), tick=False):
        assert client.get(_path(survey)).status_code == 410
        assert client.post(_path(survey), {"rating": "5"}).status_code == 410
        with pytest.raises(DomainError) as exc:
            survey_answer(survey=survey, rating=5)
        assert exc.value.code == "survey_expired"
    assert Survey.objects.get(pk=survey.pk).answered_at is None


def test_tampered_link_is_refused(client):
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    token = survey_token(survey)
    other_id = f"{survey.pk + 1}"
    forged = ":".join(
        [__import__("base64").urlsafe_b64encode(other_id.encode()).decode().rstrip("=")]
        + token.split(":")[1:]
    )
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        response = client.post(f"/survei/{bad}/", {"rating": "5"})
        assert response.status_code == 404
    assert Survey.objects.get(pk=survey.pk).answered_at is None


def test_missing_rating_shows_the_error(client):
    ticket, _ = _resolved()
    survey = Survey.objects.get(ticket=ticket)
    with time_machine.travel(local_datetime(2026, 3, 4, 12, 0), tick=False):
        response = client.post(_path(survey), {"comment": "x"})
    assert response.status_code == 422
    assert '<a href="#id_rating">' in response.content.decode()  # the error summary's link
