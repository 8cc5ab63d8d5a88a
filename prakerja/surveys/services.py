"""Writes of surveys: asking for a rating when a ticket is resolved, and recording the answer.

`survey_request_for_ticket` is called by helpdesk's `ticket_resolve` on commit. Live chat shows
the question inline and records the answer with `survey_answer`; web tickets get an e-mail link,
phone tickets an SMS link (through the SMS gateway adapter).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from prakerja.accounts.sms import get_sms_gateway
from prakerja.core import clock
from prakerja.core.errors import Conflict, DomainError, ValidationFailed
from prakerja.helpdesk.hooks import ticket_facts_changed
from prakerja.helpdesk.models import Ticket
from prakerja.helpdesk.selectors import ticket_was_served

from .links import survey_url
from .models import Delivery, Survey
from .tasks import survey_email_send

logger = logging.getLogger(__name__)
COMMENT_MAX = 2000


def link_max_age() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SURVEY_LINK_MAX_AGE_SECONDS)


def reask_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SURVEY_REASK_AFTER_SECONDS)


def _recipient_email(ticket) -> str:
    return ticket.requester_email or (ticket.requester.email if ticket.requester_id else "")


def _recipient_phone(ticket) -> str:
    return ticket.requester_phone or (
        getattr(ticket.requester, "phone", "") if ticket.requester_id else ""
    )


def _delivery_for(ticket) -> str | None:
    if ticket.channel == "chat":
        return Delivery.CHAT
    if ticket.channel == "phone":
        return Delivery.SMS if _recipient_phone(ticket) else None
    return Delivery.EMAIL if _recipient_email(ticket) else None


def _send_sms(survey_id: int) -> None:
    survey = Survey.objects.select_related("ticket__requester").get(pk=survey_id)
    url = survey_url(survey)
    with translation.override("id"):  # the program's language; the requester has no session here
        text = _(
            "Kartu Prakerja: how satisfied are you with our help on report %(reference)s? "
            "Answer in 1 minute: %(url)s"
        ) % {"reference": survey.ticket.reference, "url": url}
    try:
        # the link answers the survey: staff reading the outbox must not be able to use it
        get_sms_gateway().send(to=_recipient_phone(survey.ticket), text=text, secret=url)
    except Exception:  # a failed SMS must not break the resolve that triggered it
        logger.exception("survey SMS failed", extra={"survey": survey_id})


@transaction.atomic
def survey_request_for_ticket(*, ticket) -> Survey | None:
    """Ask the requester of a resolved ticket how satisfied they are, once.

    Returns the new survey, or None when nothing is sent: the ticket is not resolved, no agent
    served it (a chat ended in the queue: a rating would rate nobody), the requester was asked
    about this ticket within SURVEY_REASK_AFTER_SECONDS (a chat is asked once, ever), or there
    is no address for its channel (a web ticket without e-mail, a call without a number).
    Side effects on commit: web -> e-mail task; phone -> SMS; chat -> nothing to send (the
    widget asks inline and live chat calls `survey_answer`). Updates the report facts (surveys
    sent) in this transaction.
    """
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("requester").get(pk=ticket.pk)
    )
    if ticket.status not in ("resolved", "closed") or not ticket_was_served(ticket):
        return None
    now = clock.now()
    delivery = _delivery_for(ticket)
    if delivery is None:
        return None
    asked = Survey.objects.filter(ticket=ticket)
    if delivery != Delivery.CHAT:
        asked = asked.filter(sent_at__gt=now - reask_after())
    if asked.exists():
        return None
    survey = Survey.objects.create(
        ticket=ticket,
        channel=ticket.channel,
        delivery=delivery,
        sent_at=now,
        expires_at=now + link_max_age(),
    )
    if delivery == Delivery.EMAIL:
        transaction.on_commit(lambda: survey_email_send.enqueue(survey.pk))
    elif delivery == Delivery.SMS:
        transaction.on_commit(lambda: _send_sms(survey.pk))
    # Chat: the widget asks inline when the chat ends; live chat records it with survey_answer.
    ticket_facts_changed(ticket=ticket)
    return survey


@transaction.atomic
def survey_answer(*, survey: Survey, rating: int, comment: str = "") -> Survey:
    """Record the requester's rating (1-5) and optional comment.

    Single use: a second answer raises Conflict (code `survey_answered`) and changes nothing; an
    expired survey raises DomainError `survey_expired` (410). Updates the report facts.
    """
    survey = (
        Survey.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=survey.pk)
    )
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed(errors={"rating": [_("Choose a rating from 1 to 5.")]})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(
            errors={"comment": [_("At most %(n)d characters.") % {"n": COMMENT_MAX}]}
        )
    if survey.is_answered:
        raise Conflict(
            _("This survey has already been answered. Thank you!"), code="survey_answered"
        )
    now = clock.now()
    if now >= survey.expires_at:
        raise DomainError(_("This survey link has expired."), code="survey_expired", status=410)
    survey.rating, survey.comment, survey.answered_at = rating, comment, now
    survey.save(update_fields=["rating", "comment", "answered_at"])
    ticket_facts_changed(ticket=survey.ticket)
    return survey
