"""E-mails to the requester (acknowledgement, agent reply, resolution) through the Tasks API.

Services call `notify_requester(...)` inside their transaction; the task is enqueued on commit, so
a rolled-back action sends nothing. The e-mail is rendered in the language of the request that
caused it, and always carries the ticket reference. A channel app registered on
`hooks.ticket_email` (the e-mail channel) may take the e-mail over and send it threaded; it
renders the same words with `ticket_email_content`.
"""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from .hooks import ticket_email
from .models import Message, Ticket

KINDS = ("acknowledgement", "reply", "resolved")


def ticket_email_content(
    *, ticket, kind: str, message=None, language: str = "id"
) -> tuple[str, str]:
    """(subject, plain-text body) of a ticket e-mail; the subject carries the reference."""
    with translation.override(language):
        subjects = {
            "acknowledgement": _("We received your report %(ref)s"),
            "reply": _("New reply on your report %(ref)s"),
            "resolved": _("Your report %(ref)s has been resolved"),
        }
        context = {
            "ticket": ticket,
            "message": message,
            "kind": kind,
            "program": settings.PROGRAM_NAME,
            "hotline": settings.CONTACT_CENTER_HOTLINE,
            "site_url": getattr(settings, "SITE_URL", "").rstrip("/"),
        }
        body = render_to_string("helpdesk/email/ticket.txt", context)
        return subjects[kind] % {"ref": ticket.reference}, body


def _ticket_email(*, ticket, kind: str, message=None, language: str) -> EmailMessage:
    subject, body = ticket_email_content(
        ticket=ticket, kind=kind, message=message, language=language
    )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [ticket.requester_email])


@task()
def send_ticket_email(
    ticket_id: int, kind: str, message_id: int | None = None, language: str = "id"
):
    ticket = Ticket.objects.select_related("category").filter(pk=ticket_id).first()
    if ticket is None or not ticket.requester_email or kind not in KINDS:
        return 0
    message = Message.objects.filter(pk=message_id, ticket=ticket).first() if message_id else None
    return _ticket_email(ticket=ticket, kind=kind, message=message, language=language).send()


def acknowledgements_send(*, tickets_languages: list[tuple[Ticket, str]]) -> int:
    """The acknowledgement e-mails of an intake batch (tickets loaded with their category, each
    with the language of its request), the same as `send_ticket_email` would send one by one,
    over one connection to the mail server. Returns how many were sent."""
    emails = [
        _ticket_email(ticket=ticket, kind="acknowledgement", language=language)
        for ticket, language in tickets_languages
        if ticket.requester_email
    ]
    return get_connection().send_messages(emails) if emails else 0


def ticket_email_taken_over(*, ticket, kind: str, message=None, language: str) -> bool:
    """True when a channel app registered on `hooks.ticket_email` sends this e-mail itself."""
    return any(ticket_email(ticket=ticket, kind=kind, message=message, language=language))


def notify_requester(*, ticket, kind: str, message=None) -> None:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if ticket_email_taken_over(ticket=ticket, kind=kind, message=message, language=language):
        return
    ticket_id, message_id = ticket.pk, (message.pk if message is not None else None)
    transaction.on_commit(lambda: send_ticket_email.enqueue(ticket_id, kind, message_id, language))
