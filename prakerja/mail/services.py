"""Writes of the e-mail channel: a received message into a ticket (or counted as not one), a
ticket e-mail out, threaded.

`mail_ingest` is what the IMAP poll and `manage.py mail_ingest` call for each message. It never
raises for what a message contains: whatever cannot become a ticket is recorded with its outcome
(and, when unreadable or too large, kept whole for a supervisor), so nothing is lost and nothing
answers 500.
"""

import logging
import smtplib
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed
from prakerja.helpdesk.models import Channel, Ticket, TicketStatus
from prakerja.helpdesk.notifications import ticket_email_content
from prakerja.helpdesk.selectors import active_category, articles_suggested
from prakerja.helpdesk.services import (
    attachment_add,
    ticket_create,
    ticket_reply,
    ticket_requester_reply,
)
from prakerja.helpdesk.services.intake import SUBJECT_MAX
from prakerja.helpdesk.services.messages import BODY_MAX

from .models import (
    TICKETED,
    BouncingAddress,
    Dmarc,
    InboundMail,
    OutboundMail,
    Outcome,
    SendStatus,
)
from .parsing import ParsedMail, Unreadable, message_id_of, not_a_ticket, parse
from .selectors import thread_ids_for_ticket, ticket_for_thread

logger = logging.getLogger(__name__)
# Attachments taken from one message; more are listed in a note, not stored.
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # an Outcome value
    reference: str = ""  # the ticket it went to, for ticket and reply
    reason: str = ""

    @property
    def line(self) -> str:
        """What `manage.py mail_ingest` prints last: the reference, or `ignored: <reason>`."""
        return self.reference if self.reference else f"ignored: {self.outcome}"


def own_addresses() -> frozenset[str]:
    """The addresses our own mail comes from: the mailbox's and DEFAULT_FROM_EMAIL's."""
    found = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    if settings.MAIL_ADDRESS:
        found.add(parseaddr(settings.MAIL_ADDRESS)[1].lower())
    return frozenset(a for a in found if a)


def _mailbox_address() -> str:
    return settings.MAIL_ADDRESS or settings.DEFAULT_FROM_EMAIL


def _result(inbound: InboundMail) -> IngestResult:
    ticketed = inbound.outcome in TICKETED and inbound.ticket is not None
    reference = inbound.ticket.reference if ticketed else ""
    return IngestResult(outcome=str(inbound.outcome), reference=reference, reason=inbound.reason)


# --- In -----------------------------------------------------------------------------------------


def mail_ingest(*, raw: bytes) -> IngestResult:
    """Take one received message (RFC 5322 bytes).

    - Larger than MAIL_MAX_BYTES, or unreadable (no sender, undecodable): kept whole for a
      supervisor (`too-large`, `unreadable`).
    - From our own address, looping (our X-Loop, too many hops), a delivery-status notification
      (its failed recipients are marked bouncing) or an auto-reply / bulk mail: recorded and
      counted, never a ticket.
    - A reply (In-Reply-To / References naming a message of a ticket's thread, else a reference
      in the subject) from the ticket's requester address lands in that ticket, reopening it as
      the web tracking does; from anyone else, or to a ticket closed for good, it opens a new one.
    - Anything else opens a ticket on channel `email`, category guessed from the knowledge base.

    Idempotent on Message-ID: a message seen before returns its first result. The DMARC verdict
    of our server's Authentication-Results is kept; a failed one is put before the agent as an
    internal note. One transaction: the ticket, its messages, attachments and the record.
    """
    size = len(raw)
    if size > settings.MAIL_MAX_BYTES:
        return _keep(raw, outcome=Outcome.TOO_LARGE, reason=f"{size} bytes")
    try:
        mail = parse(raw, authserv_id=settings.MAIL_AUTHSERV_ID)
    except Unreadable as exc:
        return _keep(raw, outcome=Outcome.UNREADABLE, reason=str(exc))
    if mail.message_id:
        seen = _seen(mail.message_id)
        if seen is not None:
            return seen
    try:
        return _ingest_parsed(mail, raw=raw)
    except _Refused as exc:
        return _keep(raw, outcome=Outcome.UNREADABLE, reason=str(exc))
    except IntegrityError as exc:
        # The same message taken by a concurrent poll or pipe: its record stands, ours is undone.
        seen = _seen(mail.message_id) if mail.message_id else None
        if seen is None:
            return _failed(raw, exc)
        return seen
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the mailbox
        return _failed(raw, exc)


def _failed(raw: bytes, exc: Exception) -> IngestResult:
    """A message whose ingest failed unexpectedly: everything of the attempt was rolled back;
    the message is kept aside for a supervisor (and the poll goes on with the next one). When
    even that fails (the database is down), the error propagates and the mailbox keeps it."""
    logger.exception("mail.ingest_failed")
    return _keep(raw, outcome=Outcome.UNREADABLE, reason=f"{type(exc).__name__}: {exc}")


class _Refused(Exception):  # noqa: N818
    """Helpdesk refused what the message would make (e.g. its sender address); nothing of the
    attempt is kept but the message itself."""


def _seen(message_id: str) -> IngestResult | None:
    inbound = InboundMail.objects.select_related("ticket").filter(message_id=message_id).first()
    return _result(inbound) if inbound is not None else None


def _headers_of(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, sender, subject) as far as they can be read, for a message kept aside."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        return (
            message_id_of(msg.get("Message-ID"))[:255],
            parseaddr(str(msg.get("From", "") or ""))[1][:254].lower(),
            " ".join(str(msg.get("Subject", "") or "").split())[:200],
        )
    except Exception:  # noqa: BLE001 - a message kept aside is kept even without readable headers
        return "", "", ""


def _keep(raw: bytes, *, outcome: str, reason: str) -> IngestResult:
    """Record a message that cannot become a ticket and keep its bytes for a supervisor."""
    message_id, sender, subject = _headers_of(raw)
    if message_id:
        seen = _seen(message_id)
        if seen is not None:
            return seen
    inbound = InboundMail(
        message_id=message_id or None,
        from_address=sender,
        subject=subject,
        received_at=clock.now(),
        size=len(raw),
        outcome=outcome,
        reason=reason[:200],
    )
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            inbound.save()
    except IntegrityError:
        inbound.raw.delete(save=False)
        seen = _seen(message_id)
        if seen is None:
            raise
        return seen
    logger.warning("mail.kept", extra={"outcome": outcome, "reason": reason[:200]})
    return _result(inbound)


@transaction.atomic
def _ingest_parsed(mail: ParsedMail, *, raw: bytes) -> IngestResult:
    now = clock.now()
    inbound = InboundMail(
        message_id=mail.message_id or None,
        from_address=mail.from_address[:254],
        subject=mail.subject[:200],
        received_at=now,
        size=len(raw),
        dmarc=mail.dmarc,
    )
    verdict = not_a_ticket(mail, own_addresses=own_addresses())
    if verdict is not None:
        inbound.outcome, inbound.reason = verdict[0], verdict[1][:200]
        if inbound.outcome == Outcome.BOUNCE:
            inbound.ticket = _bounce_record(mail, now=now)
        inbound.save()
        return _result(inbound)
    # Mail from an address shows it works again.
    BouncingAddress.objects.filter(address=mail.from_address).delete()
    text, cut = _text_for_ticket(mail)
    ticket, message = _reply_into_thread(mail, text=text)
    if ticket is not None:
        inbound.outcome = Outcome.REPLY
    else:
        try:
            ticket = _open_ticket(mail, text=text)
        except ValidationFailed as exc:  # e.g. a sender address our rules refuse
            reason = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
            raise _Refused(reason or exc.message) from exc
        message = ticket.messages.order_by("id").first()
        inbound.outcome = Outcome.TICKET
    inbound.ticket, inbound.ticket_message = ticket, message
    notes = _attachments_add(ticket, mail, message=message)
    if cut:
        notes.append(
            _("The e-mail was cut to %(n)d characters; the whole of it is kept.") % {"n": BODY_MAX}
        )
        inbound.raw.save("message.eml", ContentFile(raw), save=False)
    if mail.dmarc == Dmarc.FAIL:
        notes.append(
            _(
                "Warning: this e-mail failed the DMARC check of the sender's domain. The sender "
                "may be forged; do not share personal data before you are sure who wrote."
            )
        )
    if notes:
        ticket_reply(ticket=ticket, author=None, body="\n\n".join(notes), internal=True)
    inbound.save()
    return _result(inbound)


def _text_for_ticket(mail: ParsedMail) -> tuple[str, bool]:
    """The message text as it goes into the thread, and whether it had to be cut."""
    text = mail.text.strip() or _("(The e-mail has no text.)")
    if len(text) <= BODY_MAX:
        return text, False
    marker = "\n[…]"
    return text[: BODY_MAX - len(marker)] + marker, True


def _reply_into_thread(mail: ParsedMail, *, text: str):
    """(ticket, message) when the mail answers a ticket of its sender's, else (None, None)."""
    ticket = ticket_for_thread(thread_ids=mail.thread_ids, references=mail.subject_references)
    if ticket is None or ticket.requester_email.lower() != mail.from_address:
        return None, None
    try:
        with transaction.atomic():
            message = ticket_requester_reply(ticket=ticket, body=text)
    except Conflict:  # closed for good: the requester is starting a new report
        return None, None
    return ticket, message


def _category_guess(mail: ParsedMail) -> str:
    """The category of the knowledge-base article the mail's words match best, else `other`."""
    found = articles_suggested(text=f"{mail.subject} {mail.text[:2000]}", limit=1)
    if found and active_category(found[0].category.slug) is not None:
        return found[0].category.slug
    return "other"


def _open_ticket(mail: ParsedMail, *, text: str) -> Ticket:
    subject = mail.subject or _("(no subject)")
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    return ticket_create(
        channel=Channel.EMAIL,
        subject=subject,
        description=text,
        category_slug=_category_guess(mail),
        name=mail.from_name[:150],
        email=mail.from_address,
    )


def _attachments_add(ticket: Ticket, mail: ParsedMail, *, message) -> list[str]:
    """Store the attachments the web form would accept; notes for the agent on the others."""
    notes = []
    for index, part in enumerate(mail.attachments):
        if index >= MAX_ATTACHMENTS:
            notes.append(
                _("%(n)d more attachments were not stored.")
                % {"n": len(mail.attachments) - MAX_ATTACHMENTS}
            )
            break
        upload = SimpleUploadedFile(part.filename, part.data, content_type=part.content_type)
        try:
            attachment_add(ticket=ticket, upload=upload, message=message)
        except ValidationFailed as exc:
            reason = " ".join(str(m) for v in exc.errors.values() for m in v) or exc.message
            notes.append(
                _("Attachment %(name)s was not stored: %(reason)s")
                % {"name": part.filename, "reason": reason}
            )
    return notes


def _bounce_record(mail: ParsedMail, *, now) -> Ticket | None:
    """Mark the permanently failed recipients as bouncing; the ticket the bounced e-mail was
    about, when its Message-ID is ours."""
    bounce = mail.bounce
    if bounce.permanent:
        for address in bounce.recipients:
            row, created = BouncingAddress.objects.get_or_create(
                address=address[:254],
                defaults={"bounced_at": now, "diagnostic": bounce.diagnostic},
            )
            if not created:
                row.bounced_at, row.diagnostic = now, bounce.diagnostic or row.diagnostic
                row.bounces += 1
                row.save(update_fields=["bounced_at", "diagnostic", "bounces"])
    if not bounce.original_message_id:
        return None
    ticket = ticket_for_thread(thread_ids=[bounce.original_message_id], references=[])
    if ticket is not None and bounce.permanent and ticket.status != TicketStatus.CLOSED:
        ticket_reply(
            ticket=ticket,
            author=None,
            body=_(
                "Our e-mail to the requester could not be delivered (%(diagnostic)s). Further "
                "e-mails to this address are not sent until mail arrives from it again."
            )
            % {"diagnostic": bounce.diagnostic or _("address bouncing")},
            internal=True,
        )
    return ticket


# --- Out ----------------------------------------------------------------------------------------


def mail_domain() -> str:
    return _mailbox_address().rsplit("@", 1)[-1].strip("> ") or "localhost"


def ticket_email_take_over(*, ticket, kind: str, message=None, language: str) -> bool:
    """Registered on helpdesk's `ticket_email` hook: an e-mail ticket's e-mails go out threaded
    from here. Records the e-mail with its Message-ID in the caller's transaction and sends it
    through the task worker on commit (`tasks.mail_send`)."""
    if ticket.channel != Channel.EMAIL or not ticket.requester_email:
        return False
    from .tasks import mail_send  # the task module imports this one

    outbound = OutboundMail.objects.create(
        message_id=make_msgid(idstring=ticket.reference, domain=mail_domain()).strip("<>"),
        ticket=ticket,
        ticket_message=message,
        kind=kind,
        language=language,
        to_address=ticket.requester_email,
        created_at=clock.now(),
    )
    transaction.on_commit(lambda: mail_send.enqueue(outbound_id=outbound.pk))
    return True


RETRY = "retry"


def outbound_send(*, outbound_id: int) -> str:
    """Send one recorded ticket e-mail over the configured e-mail backend: text and HTML parts,
    Message-ID as recorded, In-Reply-To the ticket's latest received message (else our latest
    sent one), References the thread. Returns the status: `sent`; `skipped` when the address is
    bouncing; `failed` after MAIL_SEND_ATTEMPTS; `retry` when the caller should try again later.
    A sent or settled e-mail is never sent twice."""
    outbound = (
        OutboundMail.objects.select_related("ticket__category", "ticket_message")
        .filter(pk=outbound_id)
        .first()
    )
    if outbound is None or outbound.status != SendStatus.QUEUED:
        return outbound.status if outbound is not None else SendStatus.FAILED
    if BouncingAddress.objects.filter(address=outbound.to_address.lower()).exists():
        outbound.status = SendStatus.SKIPPED
        outbound.save(update_fields=["status"])
        return outbound.status
    email = _compose(outbound)
    outbound.attempts += 1
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as exc:
        outbound.last_error = f"{type(exc).__name__}: {exc}"[:300]
        final = outbound.attempts >= settings.MAIL_SEND_ATTEMPTS
        if final:
            outbound.status = SendStatus.FAILED
        outbound.save(update_fields=["attempts", "last_error", "status"])
        logger.warning(
            "mail.send_failed", extra={"outbound": outbound.pk, "attempt": outbound.attempts}
        )
        return SendStatus.FAILED if final else RETRY
    outbound.status, outbound.sent_at = SendStatus.SENT, clock.now()
    outbound.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return outbound.status


def _compose(outbound: OutboundMail) -> EmailMultiAlternatives:
    ticket = outbound.ticket
    subject, text = ticket_email_content(
        ticket=ticket,
        kind=outbound.kind,
        message=outbound.ticket_message,
        language=outbound.language,
    )
    with translation.override(outbound.language):
        html = render_to_string(
            "mail/ticket.html", {"ticket": ticket, "subject": subject, "text": text}
        )
    received, sent = thread_ids_for_ticket(ticket=ticket, before=outbound)
    answering = received[-1:] or sent[-1:]
    thread = [*received, *sent]
    thread.sort(key=lambda item: item[0])
    ids = [message_id for _at, message_id in thread]
    references = ids[:1] + ids[1:][-9:]  # the first and the latest: a bounded header
    headers = {
        "Message-ID": f"<{outbound.message_id}>",
        "X-Loop": parseaddr(_mailbox_address())[1].lower(),
    }
    if answering:
        headers["In-Reply-To"] = f"<{answering[0][1]}>"
        headers["References"] = " ".join(f"<{i}>" for i in references)
    if outbound.kind != "reply":
        # An automatic message: the requester's out-of-office must not answer it (RFC 3834).
        headers["Auto-Submitted"] = "auto-replied"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbound.to_address],
        reply_to=[_mailbox_address()],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email
