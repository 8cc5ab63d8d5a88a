"""Ticket lifecycle: create, reply (agent and requester), assign, status changes, resolve.

Every function is one transaction; the ticket row is locked (`select_for_update`) before it is
changed, so concurrent replies and status changes serialize per ticket. E-mails and the survey
are sent on commit.
"""

import datetime as dt
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Exists, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend

from prakerja.accounts.phones import normalize_phone
from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.roles import Role, has_role
from prakerja.core.services import audit_record, current_request_id

from .. import hooks, hours
from ..models import (
    Category,
    Channel,
    Message,
    MessageKind,
    Priority,
    SlaTarget,
    Ticket,
    TicketStatus,
)
from ..selectors import message_resent
from ..tasks import ticket_intake
from .attachments import attachment_add, validate_upload
from .routing import ticket_claim

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V: safe to read out on the phone and to type back.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
REFERENCE_LENGTH = 8  # 23**8 ≈ 7.8e10 values: not guessable, collisions rare (and retried)
REFERENCE_ATTEMPTS = 6
REOPEN_WINDOW = dt.timedelta(days=7)
AUTOCLOSE_BATCH = 500  # tickets closed per transaction
SUBJECT_MAX = 200
NAME_MAX = 150  # Ticket.requester_name
EMAIL_MAX = 254  # Ticket.requester_email
BODY_MAX = 10_000

# Default SLA targets in business minutes, used when no SlaTarget row exists for a priority.
DEFAULT_SLA = {
    Priority.URGENT: (30, 4 * 60),
    Priority.HIGH: (60, 8 * 60),
    Priority.NORMAL: (4 * 60, 3 * 12 * 60),
    Priority.LOW: (8 * 60, 5 * 12 * 60),
}

# The targets in the shared cache; `sla_target_save` and `sla_target_delete` drop it on commit.
SLA_CACHE_KEY = "helpdesk:sla:v1"
SLA_CACHE_SECONDS = 60

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    TicketStatus.NEW: {
        TicketStatus.OPEN,
        TicketStatus.PENDING,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    },
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}


def message_body_clean(body, *, max_chars: int = BODY_MAX) -> str:
    """A message's text, stripped; ValidationFailed (`body`) when empty or too long."""
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise ValidationFailed(errors={"body": [_("Write a message first.")]})
    if len(body) > max_chars:
        raise ValidationFailed(errors={"body": [_("At most %(n)d characters.") % {"n": max_chars}]})
    return body


def generate_reference() -> str:
    """`XXXX-XXXX` from an unambiguous alphabet, random (not sequential)."""
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_reference(value: str) -> str:
    """What a person typed or read out -> the stored form (case, spaces and dashes forgiven)."""
    raw = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == REFERENCE_LENGTH else raw


def sla_due_times(*, priority: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """First-response and resolution due times, counted in business hours from `start`."""
    targets = cache.get_or_set(
        SLA_CACHE_KEY,
        lambda: {
            t.priority: (t.first_response_minutes, t.resolution_minutes)
            for t in SlaTarget.objects.all()
        },
        SLA_CACHE_SECONDS,
    )
    first, resolution = targets.get(priority) or DEFAULT_SLA.get(
        priority, DEFAULT_SLA[Priority.NORMAL]
    )
    return (
        hours.add_business_seconds(start, first * 60),
        hours.add_business_seconds(start, resolution * 60),
    )


# Ticket fields a report fact is derived from (reports.services.ticket_fact_values). A change that
# touches none of them (most chat and thread messages) needs no report work.
REPORTED_FIELDS = frozenset({"status", "first_response_at", "resolved_at", "category", "assignee"})


def _report(ticket: Ticket) -> None:
    """Keep what is reported about the ticket in step, inside this transaction."""
    hooks.ticket_facts_changed(ticket=ticket)


def _report_if_changed(ticket: Ticket, fields: list[str]) -> None:
    if REPORTED_FIELDS.intersection(fields):
        _report(ticket)


def _snapshot(ticket: Ticket) -> dict:
    return {
        "status": ticket.status,
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else None,
        "category": ticket.category.slug if ticket.category_id else None,
        "priority": ticket.priority,
    }


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock (callers pass whatever instance they hold)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category", "assignee")
        .get(pk=ticket.pk)
    )


def _validate_contact(
    *, channel, subject, description, category_slug, requester, name, email, phone
):
    errors: dict[str, list[str]] = {}
    if channel not in Channel:
        errors["channel"] = [_("Unknown channel.")]
    subject = (subject or "").strip()
    description = (description or "").strip()
    if not subject:
        errors["subject"] = [_("Please write a short subject.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("At most %(n)d characters.") % {"n": SUBJECT_MAX}]
    if channel == Channel.WEB and not description:
        errors["description"] = [_("Please describe your complaint.")]
    elif len(description) > BODY_MAX:
        errors["description"] = [_("At most %(n)d characters.") % {"n": BODY_MAX}]
    from ..selectors import active_category

    category = active_category(category_slug or "other")
    if category is None:
        errors["category"] = [_("Choose a category from the list.")]
    name = (name or "").strip()
    email = (email or "").strip().lower()
    phone = (phone or "").strip()
    if requester is not None:
        name = name or requester.get_full_name()[:NAME_MAX]
        email = email or (requester.email or "").lower()
        phone = phone or getattr(requester, "phone", "") or ""
    if len(name) > NAME_MAX:
        errors["name"] = [_("At most %(n)d characters.") % {"n": NAME_MAX}]
    if len(email) > EMAIL_MAX:
        errors["email"] = [_("At most %(n)d characters.") % {"n": EMAIL_MAX}]
    elif email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValueError:
            errors["phone"] = [_("Enter a valid Indonesian phone number.")]
    if channel == Channel.WEB and requester is None:
        if not name:
            errors["name"] = [_("Please enter your name.")]
        if not email:
            errors.setdefault("email", [_("Please enter your e-mail address.")])
    if errors:
        raise ValidationFailed(errors=errors)
    return subject, description, category, name, email, phone


def ticket_create(
    *,
    channel: str,
    subject: str,
    description: str,
    category_slug: str = "other",
    requester=None,
    name: str = "",
    email: str = "",
    phone: str = "",
    priority: str = Priority.NORMAL,
    actor=None,
    route: bool = True,
    attachment=None,
) -> Ticket:
    """Open a ticket on any channel.

    Validates input (ValidationFailed with field errors), gives the ticket a random readable
    reference (unique; retried on the rare collision), sets the SLA due times in business hours
    and writes the description as the first public message from the requester, in one
    transaction (in the caller's, when there is one).

    Everything the requester's answer does not need happens after commit, in one background
    task (`tasks.ticket_intake`, run by the task worker; at commit under the ImmediateBackend of
    development and tests): the audit entry of the creation (with the creation's time, actor
    and request id), routing to an available agent when `route` is true
    (`routing.ticket_intake_finish`), the report fact and rollups, and the acknowledgement e-mail
    when the requester has an e-mail address. With the database task backend (production) the
    task row is written in the ticket's transaction: no worker sees it before the ticket
    commits, and a rolled-back ticket leaves none. Any other backend is called on commit. A
    caller that must assign the ticket itself (telephony's answer) passes `route=False` and
    calls `ticket_assign` in its own transaction.

    `attachment` (an uploaded file, the web form's) is checked before anything is written and
    stored with the ticket in one transaction (`attachment_add`): a bad file leaves no ticket.
    """
    subject, description, category, name, email, phone = _validate_contact(
        channel=channel,
        subject=subject,
        description=description,
        category_slug=category_slug,
        requester=requester,
        name=name,
        email=email,
        phone=phone,
    )
    if priority not in Priority:
        raise ValidationFailed(errors={"priority": [_("Unknown priority.")]})
    if attachment is not None:
        validate_upload(attachment)
    now = clock.now()
    first_due, resolution_due = sla_due_times(priority=priority, start=now)
    fields = {
        "channel": channel,
        "category": category,
        "subject": subject,
        "description": description,
        "priority": priority,
        "status": TicketStatus.NEW,
        "requester": requester,
        "requester_name": name,
        "requester_email": email,
        "requester_phone": phone,
        "created_at": now,
        "updated_at": now,
        "last_message_at": now if description else None,
        "first_response_due_at": first_due,
        "resolution_due_at": resolution_due,
    }
    created_by = actor or requester
    intake = {
        "route": route and channel != Channel.CHAT,
        "acknowledge": bool(email) and channel != Channel.CHAT,
        "language": (translation.get_language() or settings.LANGUAGE_CODE)[:2],
        "created_by_id": created_by.pk if getattr(created_by, "is_authenticated", False) else None,
        "request_id": current_request_id(),
    }
    # A reference collision (rare: 23**8 values) undoes the attempt, which is tried again with a
    # new reference: the whole transaction, or a savepoint inside a caller's transaction.
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(reference=generate_reference(), **fields)
                if description:
                    Message.objects.create(
                        ticket=ticket,
                        author=requester,
                        author_name=name,
                        from_requester=True,
                        kind=MessageKind.PUBLIC,
                        body=description,
                        created_at=now,
                    )
                if attachment is not None:
                    attachment_add(ticket=ticket, upload=attachment)
                enqueue = partial(ticket_intake.enqueue, ticket_id=ticket.pk, **intake)
                if isinstance(ticket_intake.get_backend(), DatabaseBackend):
                    enqueue()
                else:
                    transaction.on_commit(enqueue)
                return ticket
        except IntegrityError as exc:
            if attempt == REFERENCE_ATTEMPTS - 1 or "reference" not in str(exc):
                raise
    raise AssertionError("unreachable")


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
        from ..notifications import notify_requester

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


def _set_status(ticket: Ticket, status: str, *, actor, now, fields: list[str]) -> None:
    """Apply a transition in memory (caller saves `fields`) and audit it."""
    if status not in ALLOWED_TRANSITIONS.get(ticket.status, set()):
        raise Conflict(
            _("A ticket cannot go from %(old)s to %(new)s.")
            % {"old": ticket.get_status_display(), "new": TicketStatus(status).label},
            code="invalid_transition",
        )
    before = ticket.status
    ticket.status = status
    fields.append("status")
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif before == TicketStatus.RESOLVED:  # reopened
        ticket.resolved_at = None
        fields.append("resolved_at")
    audit_record(
        actor=actor,
        action="ticket.reopen" if before == TicketStatus.RESOLVED else "ticket.status",
        obj=ticket,
        before={"status": before},
        after={"status": status},
    )


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor) -> Ticket:
    """Change status along ALLOWED_TRANSITIONS (Conflict otherwise). Resolving goes through
    `ticket_resolve` so its side effects (e-mail, survey) always happen."""
    if status not in TicketStatus:
        raise ValidationFailed(errors={"status": [_("Unknown status.")]})
    if status == TicketStatus.RESOLVED:
        return ticket_resolve(ticket=ticket, actor=actor)
    ticket = _lock(ticket)
    if ticket.status == status:
        return ticket
    now = clock.now()
    fields = ["updated_at"]
    ticket.updated_at = now
    _set_status(ticket, status, actor=actor, now=now, fields=fields)
    ticket.save(update_fields=fields)
    _report(ticket)
    if status == TicketStatus.CLOSED or status == TicketStatus.PENDING:
        from .routing import routing_drain_on_commit

        routing_drain_on_commit()
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor) -> Ticket:
    """Mark resolved (sets `resolved_at`). On commit: the resolution e-mail (web/phone with an
    e-mail) and the CSAT survey request (issue 7's `survey_request_for_ticket`), and the agent's
    freed capacity is offered to the unassigned queue."""
    ticket = _lock(ticket)
    if ticket.status == TicketStatus.RESOLVED:
        return ticket
    now = clock.now()
    fields = ["updated_at"]
    ticket.updated_at = now
    _set_status(ticket, TicketStatus.RESOLVED, actor=actor, now=now, fields=fields)
    ticket.save(update_fields=fields)
    _report(ticket)
    ticket_pk = ticket.pk

    transaction.on_commit(lambda: hooks.ticket_resolved(ticket=Ticket.objects.get(pk=ticket_pk)))
    if ticket.requester_email and ticket.channel != Channel.CHAT:
        from ..notifications import notify_requester

        notify_requester(ticket=ticket, kind="resolved")
    from .routing import routing_drain_on_commit

    routing_drain_on_commit()
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent, actor) -> Ticket:
    """Assign (or unassign with agent=None) as a supervisor or the agent themself. No capacity
    check: a supervisor's reassignment is deliberate. Audited."""
    from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

    if agent is not None and not has_role(agent, *CONTACT_CENTER_ROLES):
        raise ValidationFailed(errors={"assignee": [_("This user is not an agent.")]})
    ticket = _lock(ticket)
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket
    before = _snapshot(ticket)
    now = clock.now()
    ticket.assignee = agent
    ticket.assigned_at = now if agent else None
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "assigned_at", "updated_at"])
    _report(ticket)
    audit_record(
        actor=actor,
        action="ticket.assign",
        obj=ticket,
        before={"assignee": before["assignee"]},
        after={"assignee": agent.get_username() if agent else None},
    )
    return ticket


@transaction.atomic
def ticket_update_fields(
    *, ticket: Ticket, actor, category_slug: str | None = None, priority: str | None = None
) -> Ticket:
    """Change category and/or priority (audited). A priority change recomputes the SLA due
    times from creation."""
    ticket = _lock(ticket)
    before = _snapshot(ticket)
    fields = []
    if category_slug is not None and category_slug != ticket.category.slug:
        category = Category.objects.filter(slug=category_slug, is_active=True).first()
        if category is None:
            raise ValidationFailed(errors={"category": [_("Choose a category from the list.")]})
        ticket.category = category
        fields.append("category")
    if priority is not None and priority != ticket.priority:
        if priority not in Priority:
            raise ValidationFailed(errors={"priority": [_("Unknown priority.")]})
        ticket.priority = priority
        ticket.first_response_due_at, ticket.resolution_due_at = sla_due_times(
            priority=priority, start=ticket.created_at
        )
        fields += ["priority", "first_response_due_at", "resolution_due_at"]
    if not fields:
        return ticket
    ticket.updated_at = clock.now()
    ticket.save(update_fields=[*fields, "updated_at"])
    _report(ticket)
    after = _snapshot(ticket)
    changed = [k for k in ("category", "priority") if before[k] != after[k]]
    audit_record(
        actor=actor,
        action="ticket.update",
        obj=ticket,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return ticket


def tickets_close_resolved(
    *, older_than: dt.timedelta = REOPEN_WINDOW, batch: int = AUTOCLOSE_BATCH
) -> int:
    """Close tickets resolved longer ago than the reopen window (the scheduler's auto-close job
    and `manage.py helpdesk_route`), each closure audited. One transaction per `batch` tickets,
    so no transaction grows with the backlog; rows another transaction holds are skipped and left
    for the next run. Returns how many were closed."""
    closed = 0
    while True:
        done = _tickets_close_resolved_batch(older_than=older_than, batch=batch)
        closed += done
        if done < batch:
            return closed


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor,
    status: str | None = None,
    category_slug: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
) -> Ticket:
    """An agent's or supervisor's change to a ticket (workspace page and API): category and
    priority (`ticket_update_fields`), assignee, then status (`ticket_set_status`), in one
    transaction, so a refused part leaves the whole ticket as it was. None leaves a part as it is.

    `assignee` is a username ("" unassigns). Who may assign: a supervisor, anyone in the contact
    center or nobody; an agent, only themselves, and only while the ticket is unassigned
    (`ticket_claim`: Conflict `already_assigned` when another agent has it). An agent naming
    someone else, or unassigning, is Forbidden. Naming the current assignee changes nothing.
    """
    ticket = ticket_update_fields(
        ticket=ticket, actor=actor, category_slug=category_slug, priority=priority
    )
    current = ticket.assignee.get_username() if ticket.assignee_id else ""
    username = None if assignee is None else assignee.strip()
    if username is not None and username != current:
        target = None
        if username:
            target = get_user_model().objects.filter(username=username).first()
            if target is None:
                raise ValidationFailed(errors={"assignee": [_("No such user.")]})
        if has_role(actor, Role.SUPERVISOR):
            ticket = ticket_assign(ticket=ticket, agent=target, actor=actor)
        elif target is not None and target.pk == actor.pk:
            ticket = ticket_claim(ticket=ticket, agent=actor)
        else:
            raise Forbidden(_("Only supervisors can assign tickets to someone else."))
    if status is not None and status != ticket.status:
        ticket = ticket_set_status(ticket=ticket, status=status, actor=actor)
    return ticket


@transaction.atomic
def _tickets_close_resolved_batch(*, older_than: dt.timedelta, batch: int) -> int:
    now = clock.now()
    ids = list(
        Ticket.objects.select_for_update(skip_locked=True)
        .filter(status=TicketStatus.RESOLVED, resolved_at__lt=now - older_than)
        .values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        audit_record(
            actor=None,
            action="ticket.status",
            object_type="helpdesk.ticket",
            object_id=str(pk),
            before={"status": TicketStatus.RESOLVED},
            after={"status": TicketStatus.CLOSED},
        )
    return Ticket.objects.filter(pk__in=ids).update(
        status=TicketStatus.CLOSED, closed_at=now, updated_at=now
    )
