"""A ticket's thread: agents' replies and notes, the requester's replies, live chat's messages."""

from django.db import connections, router, transaction
from django.db.models import Exists, Q
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed

from .. import realtime
from ..models import (
    Channel,
    Message,
    MessageKind,
    Ticket,
    TicketStatus,
)
from ..notifications import notify_requester
from ..selectors import message_resent
from ._common import _lock, _report_if_changed
from .tickets import REOPEN_WINDOW, _set_status

BODY_MAX = 10_000


def message_body_clean(body, *, max_chars: int = BODY_MAX) -> str:
    """A message's text, stripped; ValidationFailed (`body`) when empty or too long."""
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise ValidationFailed(errors={"body": [_("Write a message first.")]})
    if len(body) > max_chars:
        raise ValidationFailed(errors={"body": [_("At most %(n)d characters.") % {"n": max_chars}]})
    return body


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, author, body: str, internal: bool = False, client_msg_id: str | None = None
) -> Message:
    """An agent's (or staff's) reply or internal note.

    Idempotent on `client_msg_id` (a resend returns the first message). The first public reply
    sets `first_response_at`; a public reply to a new ticket opens it. Refused on closed tickets.
    On commit: an e-mail to the requester for public replies.
    """
    body = message_body_clean(body)
    ticket = _lock(ticket)
    existing = message_resent(ticket_id=ticket.pk, client_msg_id=client_msg_id)
    if existing is not None:
        return existing
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(_("This ticket is closed."), code="ticket_closed")
    now = clock.now()
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        author_name=author.get_full_name() if author is not None else "",
        kind=MessageKind.INTERNAL if internal else MessageKind.PUBLIC,
        body=body,
        created_at=now,
        client_msg_id=client_msg_id or None,
    )
    fields = ["updated_at"]
    ticket.updated_at = now
    if not internal:
        ticket.last_message_at = now
        fields.append("last_message_at")
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        if ticket.status == TicketStatus.NEW:
            _set_status(ticket, TicketStatus.OPEN, actor=author, now=now, fields=fields)
    ticket.save(update_fields=fields)
    _report_if_changed(ticket, fields)
    if not internal and ticket.requester_email and ticket.channel != Channel.CHAT:
        notify_requester(ticket=ticket, kind="reply", message=message)
    return message


@transaction.atomic
def ticket_requester_reply(
    *, ticket: Ticket, body: str, client_msg_id: str | None = None, author=None
) -> Message:
    """The requester writes on their ticket (tracking page, chat, participant dashboard).

    Idempotent on `client_msg_id`. A pending ticket goes back to open; a resolved ticket reopens
    when the reply comes within 7 days of resolution, otherwise (and for closed tickets) the
    reply is refused with `ticket_closed` so the requester opens a new report.
    """
    if author is not None and not getattr(author, "is_authenticated", False):
        author = None
    body = message_body_clean(body)
    ticket = _lock(ticket)
    existing = message_resent(ticket_id=ticket.pk, client_msg_id=client_msg_id)
    if existing is not None:
        return existing
    now = clock.now()
    if ticket.status == TicketStatus.CLOSED or (
        ticket.status == TicketStatus.RESOLVED
        and ticket.resolved_at is not None
        and now - ticket.resolved_at > REOPEN_WINDOW
    ):
        raise Conflict(
            _("This ticket is closed. Please submit a new report."), code="ticket_closed"
        )
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        author_name=(author.get_full_name() if author is not None else ticket.requester_name),
        from_requester=True,
        kind=MessageKind.PUBLIC,
        body=body,
        created_at=now,
        client_msg_id=client_msg_id or None,
    )
    fields = ["updated_at", "last_message_at"]
    ticket.updated_at = now
    ticket.last_message_at = now
    if ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
        _set_status(ticket, TicketStatus.OPEN, actor=author, now=now, fields=fields)
    ticket.save(update_fields=fields)
    _report_if_changed(ticket, fields)
    if ticket.channel != Channel.CHAT:  # a chat's messages reach the agent over its own group
        realtime.tell_agent_on_commit(ticket.assignee_id, "ticket.message", ticket=ticket)
    return message


def ticket_chat_message_add(
    *,
    ticket: Ticket,
    body: str,
    from_requester: bool,
    author=None,
    client_msg_id: str | None = None,
    at=None,
) -> tuple[Message, bool]:
    """A public message on a `chat` ticket: live chat's hot path, with the fewest statements.

    Same rules and result as `ticket_requester_reply` (from_requester) / `ticket_reply` (agent),
    returning `(message, created)`. Caller: inside a transaction, has checked access and the body.

    When the message changes nothing but the ticket's activity times (the requester writes on a
    new or open ticket; an agent writes on an open ticket already answered), it is one UPDATE of
    the ticket (which also skips a client id already stored) and one INSERT whose ON CONFLICT
    lets the unique (ticket, client_msg_id) constraint decide a concurrent duplicate: no row
    lock taken up front, no savepoint, no report sync (no reported field changes). Anything
    else (first response, reopening, closed tickets, a resend) goes through the full service.
    """
    body = message_body_clean(body)
    now = at or clock.now()
    if from_requester:
        quiet = Q(status__in=(TicketStatus.NEW, TicketStatus.OPEN))
    else:
        quiet = Q(status=TicketStatus.OPEN, first_response_at__isnull=False)
    rows = Ticket.objects.filter(quiet, pk=ticket.pk, channel=Channel.CHAT)
    if client_msg_id:
        rows = rows.exclude(
            Exists(Message.objects.filter(ticket_id=ticket.pk, client_msg_id=client_msg_id))
        )
    if rows.update(updated_at=now, last_message_at=now):
        if author is not None and not getattr(author, "is_authenticated", False):
            author = None
        message = Message(
            ticket_id=ticket.pk,
            author=author,
            author_name=(
                author.get_full_name()
                if author is not None
                else (ticket.requester_name if from_requester else "")
            ),
            from_requester=from_requester,
            kind=MessageKind.PUBLIC,
            body=body,
            created_at=now,
            client_msg_id=client_msg_id or None,
        )
        if _insert_unless_duplicate(message):
            return message, True
        # a concurrent resend of the same id won the insert
    existing = message_resent(ticket_id=ticket.pk, client_msg_id=client_msg_id)
    if existing is not None:
        return existing, False
    if from_requester:
        message = ticket_requester_reply(
            ticket=ticket, body=body, client_msg_id=client_msg_id, author=author
        )
    else:
        message = ticket_reply(ticket=ticket, author=author, body=body, client_msg_id=client_msg_id)
    return message, True


def _insert_unless_duplicate(message: Message) -> bool:
    """INSERT the message unless its (ticket, client_msg_id) is stored: `INSERT ... ON CONFLICT DO
    NOTHING RETURNING id` (PostgreSQL, SQLite >= 3.35). Sets the pk; False on a duplicate."""
    conn = connections[router.db_for_write(Message)]
    qn = conn.ops.quote_name
    meta = Message._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    params = [f.get_db_prep_save(f.pre_save(message, True), conn) for f in fields]
    columns = ", ".join(qn(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # identifiers come from the model and are quoted; every value is a parameter
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608
    sql += f"ON CONFLICT DO NOTHING RETURNING {qn(meta.pk.column)}"
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    message._state.db = conn.alias
    return True
