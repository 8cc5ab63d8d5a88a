"""One ticket and its thread, fetched for whoever asks (agent, requester, tracking by reference and
e-mail)."""

from django.db.models import QuerySet

from prakerja.core.errors import Forbidden, NotFound
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from ..models import Message, MessageKind, Ticket
from ..references import normalize_reference


def ticket_get_for_agent(*, user, reference: str) -> Ticket:
    """A ticket for the workspace: any contact-center agent or supervisor may open any ticket."""
    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    ticket = (
        Ticket.objects.select_related("category", "assignee", "requester")
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_was_served(ticket: Ticket) -> bool:
    """An agent took the ticket or answered in it. A conversation nobody served (a chat ended
    while it waited in the queue) has nobody to rate: surveys and chat ratings ask this."""
    return ticket.assignee_id is not None or ticket.first_response_at is not None


def ticket_get_for_tracking(*, reference: str, email: str) -> Ticket:
    """A guest's lookup: reference and e-mail must both match; NotFound either way (no hint)."""
    email = (email or "").strip().lower()
    if not email or not reference:
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference), requester_email__iexact=email)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_get_for_requester(*, user, reference: str) -> Ticket:
    """A logged-in participant's own ticket; NotFound for anyone else's."""
    if not user.is_authenticated:
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference), requester=user)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def tickets_for_requester(*, user, limit: int = 50) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(requester=user)
        .select_related("category")
        .order_by("-created_at", "-id")[:limit]
    )


def message_resent(*, ticket_id: int, client_msg_id: str | None) -> Message | None:
    """The message of this ticket already stored under the client's id (a resend), if any."""
    if not client_msg_id:
        return None
    return (
        Message.objects.select_related("author")
        .filter(ticket_id=ticket_id, client_msg_id=client_msg_id)
        .first()
    )


def public_messages(ticket: Ticket):
    return ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("created_at", "id")


def new_messages_since(ticket: Ticket, *, since_id: int, viewer) -> list:
    """Messages by someone else added after `since_id` (collision guard)."""
    return list(
        ticket.messages.filter(pk__gt=since_id)
        .exclude(author=viewer)
        .select_related("author")
        .order_by("id")
    )
