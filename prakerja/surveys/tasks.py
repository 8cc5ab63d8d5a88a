"""Background work of surveys (Django Tasks API): the e-mail with the survey link."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from .links import survey_url
from .models import Survey


@task()
def survey_email_send(survey_id: int) -> None:
    survey = Survey.objects.select_related("ticket").filter(pk=survey_id).first()
    if survey is None or survey.is_answered:
        return
    ticket = survey.ticket
    address = ticket.requester_email or (ticket.requester.email if ticket.requester_id else "")
    if not address:
        return
    with translation.override("id"):
        context = {"survey": survey, "ticket": ticket, "url": survey_url(survey)}
        subject = render_to_string("surveys/email_subject.txt", context).strip()
        body = render_to_string("surveys/email_body.txt", context)
    send_mail(subject, body, None, [address])
