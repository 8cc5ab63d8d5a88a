"""A new ticket on any channel: validation, the readable reference, SLA due times, and the
intake task that does the rest after commit (`tickets_intake_finish`, for a batch of tickets)."""

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend

from prakerja.accounts.phones import normalize_phone
from prakerja.core import clock
from prakerja.core.errors import ValidationFailed
from prakerja.core.models import AuditLog
from prakerja.core.services import audit_entry, current_request_id

from .. import hooks, tasks
from ..models import (
    Channel,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketStatus,
)
from ..notifications import acknowledgements_send, ticket_email_taken_over
from ..references import generate_reference
from ..selectors import TicketRules, ticket_rules
from .attachments import attachment_add, validate_upload
from .messages import BODY_MAX
from .routing import tickets_route_new

REFERENCE_ATTEMPTS = 6
SUBJECT_MAX = 200
NAME_MAX = 150  # Ticket.requester_name
EMAIL_MAX = 254  # Ticket.requester_email


def _validate_contact(
    *,
    rules: TicketRules,
    channel,
    subject,
    description,
    category_slug,
    requester,
    name,
    email,
    phone,
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
    category = rules.category(category_slug or "other")
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
    (`tickets_intake_finish`), the report fact and rollups, and the acknowledgement e-mail
    when the requester has an e-mail address. With the database task backend (production) the
    task row is written in the ticket's transaction: no worker sees it before the ticket
    commits, and a rolled-back ticket leaves none. Any other backend is called on commit. A
    caller that must assign the ticket itself (telephony's answer) passes `route=False` and
    calls `ticket_assign` in its own transaction.

    `attachment` (an uploaded file, the web form's) is checked before anything is written and
    stored with the ticket in one transaction (`attachment_add`): a bad file leaves no ticket.
    """
    rules = ticket_rules()
    subject, description, category, name, email, phone = _validate_contact(
        rules=rules,
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
    first_due, resolution_due = rules.due_times(priority=priority, start=now)
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
                enqueue = partial(tasks.ticket_intake.enqueue, ticket_id=ticket.pk, **intake)
                if isinstance(tasks.ticket_intake.get_backend(), DatabaseBackend):
                    enqueue()
                else:
                    transaction.on_commit(enqueue)
                return ticket
        except IntegrityError as exc:
            if attempt == REFERENCE_ATTEMPTS - 1 or "reference" not in str(exc):
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Intake:
    """What the intake task is to do for one new ticket: the arguments `ticket_create` enqueues
    `tasks.ticket_intake` with."""

    ticket_id: int
    route: bool
    acknowledge: bool
    language: str
    created_by_id: int | None
    request_id: str


@transaction.atomic
def tickets_intake_finish(*, intakes: list[Intake]) -> list[Ticket | None]:
    """What follows new tickets' commit, run by the task worker for a batch of them
    (`tasks.ticket_intake`), with the same result as one ticket after another in `intakes`'
    order:

    - the creation of each in the audit log (at its creation time, by `created_by_id`, with the
      creating request's id; new and unassigned, as every ticket starts);
    - routing (`routing.tickets_route_new`) of those asked to be routed and still waiting (an
      agent may have claimed one, or a drain taken it, in the meantime), with the assignments'
      audit entries;
    - their report facts and rollups (`hooks.tickets_facts_changed`);
    - after commit, the acknowledgement e-mails of those asked for one, unless a channel app
      takes the e-mail over (`hooks.ticket_email`, inside this transaction).

    Each kind of work is done once for the batch: one read of the tickets and one of their
    creators, one read of the agents' loads, one UPDATE of the assigned tickets, one INSERT of
    all audit entries, one per rollup table, and the e-mails over one connection.

    Locks the tickets' rows (waiting, in id order: the report must follow every ticket); every
    other writer of a ticket holds its row lock too, so each fact row is created exactly once.
    Returns the tickets in `intakes`' order, None for a ticket that no longer exists.
    """
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category", "assignee")
        .filter(pk__in=[i.ticket_id for i in intakes])
        .order_by("pk")
    )
    by_id = {ticket.pk: ticket for ticket in locked}
    found = [(i, by_id[i.ticket_id]) for i in intakes if i.ticket_id in by_id]
    creators = get_user_model().objects.in_bulk(
        {i.created_by_id for i, _t in found if i.created_by_id}
    )
    entries = {
        ticket.pk: [
            audit_entry(
                actor=creators.get(i.created_by_id),
                action="ticket.create",
                obj=ticket,
                after={
                    "channel": ticket.channel,
                    "status": TicketStatus.NEW,
                    "assignee": None,
                    "category": ticket.category.slug,
                    "priority": ticket.priority,
                },
                at=ticket.created_at,
                request_id=i.request_id,
            )
        ]
        for i, ticket in found
    }
    for assignment in tickets_route_new(tickets=[ticket for i, ticket in found if i.route]):
        entries[int(assignment.object_id)].append(assignment)
    AuditLog.objects.bulk_create([entry for i, t in found for entry in entries[t.pk]])
    hooks.tickets_facts_changed(tickets=[ticket for _i, ticket in found])
    acknowledgements = [
        (ticket, i.language)
        for i, ticket in found
        if i.acknowledge
        and not ticket_email_taken_over(ticket=ticket, kind="acknowledgement", language=i.language)
    ]
    if acknowledgements:
        transaction.on_commit(lambda: acknowledgements_send(tickets_languages=acknowledgements))
    return [by_id.get(i.ticket_id) for i in intakes]
