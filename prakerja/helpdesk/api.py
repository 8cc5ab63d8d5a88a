"""Contact-center API: public intake and tracking, and the agent endpoints (queues, ticket
actions, presence). Errors are {"code", "message", "errors"}."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.security import SessionAuth

from prakerja.core.api import (
    SESSION_OR_TOKEN,
    TokenAuth,
    body_documented,
    body_validate,
    errors,
)
from prakerja.core.errors import Forbidden, ValidationFailed
from prakerja.core.idempotency import idempotent
from prakerja.core.logging import mask_nik
from prakerja.core.ratelimit import client_ip
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from . import selectors, services
from .models import Channel, Ticket
from .views.public import intake_limits, tracking_limits

router = Router(tags=["helpdesk"])


class _Anonymous:
    """Last in the auth list: lets guests through (as None) after token and session fail."""

    def __call__(self, request):
        return _GUEST


class _SessionIfLoggedIn(SessionAuth):
    """Session auth (with its CSRF check) only for a logged-in browser; guests fall through."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


_GUEST = object()
OPTIONAL_AUTH = [TokenAuth(), _SessionIfLoggedIn(), _Anonymous()]


def _user(request):
    auth = getattr(request, "auth", None)
    return None if auth is None or auth is _GUEST else auth


def _agent(request):
    user = _user(request)
    if user is None or not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    return user


# --- Public ---------------------------------------------------------------------------------------


class TicketIn(Schema):
    channel: str = Channel.WEB
    category: str = "other"
    subject: str = Field(..., max_length=200)
    description: str = Field("", max_length=10_000)
    name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


class TicketCreatedOut(Schema):
    reference: str
    status: str


class PublicMessageOut(Schema):
    author: str
    from_requester: bool
    body: str
    created_at: datetime


class PublicTicketOut(Schema):
    reference: str
    status: str
    channel: str
    category: str
    subject: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    messages: list[PublicMessageOut]


@router.post(
    "/tickets",
    response={201: TicketCreatedOut, **errors(400, 422, 429)},
    auth=OPTIONAL_AUTH,
    summary="Open a ticket (web form, or other channels for integrations with a token)",
)
@idempotent("helpdesk.ticket_create")
def ticket_create(request, payload: TicketIn):
    """Guests and participants send `channel: "web"`; a logged-in participant's own details fill
    name, e-mail and phone. Other channels need a contact-center token (agent/supervisor).
    Rate limited per IP and per e-mail (429 `rate_limited`)."""
    user = _user(request)
    is_staff = user is not None and has_role(user, *CONTACT_CENTER_ROLES)
    if payload.channel != Channel.WEB and not is_staff:
        raise ValidationFailed(
            errors={"channel": [_("Only the web channel is open to the public.")]}
        )
    requester = user if user is not None and not is_staff else None
    if not is_staff:
        intake_limits(
            ip=client_ip(request),
            email=payload.email or (requester.email if requester else ""),
        )
    ticket = services.ticket_create(
        channel=payload.channel,
        subject=payload.subject,
        description=payload.description,
        category_slug=payload.category or "other",
        requester=requester,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        actor=user,
    )
    return Status(201, TicketCreatedOut(reference=ticket.reference, status=ticket.status))


def _public_out(ticket: Ticket) -> PublicTicketOut:
    return PublicTicketOut(
        reference=ticket.reference,
        status=ticket.status,
        channel=ticket.channel,
        category=ticket.category.slug,
        subject=ticket.subject,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
        messages=[
            PublicMessageOut(
                author=(m.author_name if m.from_requester else _("Contact center")),
                from_requester=m.from_requester,
                body=m.body,
                created_at=m.created_at,
            )
            for m in selectors.public_messages(ticket)
        ],
    )


@router.get(
    "/tickets/{reference}",
    response={200: PublicTicketOut, **errors(404, 422, 429)},
    summary="The requester's view of a ticket (reference + e-mail)",
)
def ticket_track(request, reference: str, email: str = ""):
    """404 when the reference and e-mail do not match, without saying which one is wrong."""
    tracking_limits(ip=client_ip(request))
    return _public_out(selectors.ticket_get_for_tracking(reference=reference, email=email))


class ReplyIn(Schema):
    email: str
    body: str = Field(..., max_length=10_000)
    client_msg_id: str | None = Field(None, max_length=64)


@router.post(
    "/tickets/{reference}/replies",
    response={201: PublicTicketOut, **errors(400, 404, 409, 422, 429)},
    summary="The requester replies (reference + e-mail); reopens a recently resolved ticket",
    openapi_extra=body_documented(ReplyIn),
)
def ticket_requester_reply(request, reference: str, payload: Body[Any] = None):
    """404 when the reference and e-mail do not match, whatever the rest of the body (which is
    checked only for a matching pair: 422); 429 `rate_limited`, one limit per IP with tracking."""
    tracking_limits(ip=client_ip(request))
    email = payload.get("email") if isinstance(payload, dict) else None
    ticket = selectors.ticket_get_for_tracking(
        reference=reference, email=email if isinstance(email, str) else ""
    )
    reply = body_validate(ReplyIn, payload)
    services.ticket_requester_reply(
        ticket=ticket, body=reply.body, client_msg_id=reply.client_msg_id
    )
    ticket.refresh_from_db()
    return Status(201, _public_out(ticket))


# --- Agents ---------------------------------------------------------------------------------------


class QueueTicketOut(Schema):
    reference: str
    channel: str
    category: str
    subject: str
    status: str
    priority: str
    requester_name: str
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None


class QueueOut(Schema):
    results: list[QueueTicketOut]
    next: str | None = Field(None, description="Cursor for the next page (`after=`)")


def _queue_row(t: Ticket) -> QueueTicketOut:
    return QueueTicketOut(
        reference=t.reference,
        channel=t.channel,
        category=t.category.slug,
        subject=mask_nik(t.subject),
        status=t.status,
        priority=t.priority,
        requester_name=mask_nik(t.requester_name),
        assignee=t.assignee.get_username() if t.assignee_id else None,
        created_at=t.created_at,
        updated_at=t.updated_at,
        first_response_due_at=t.first_response_due_at,
        resolution_due_at=t.resolution_due_at,
    )


@router.get(
    "/agent/tickets",
    response={200: QueueOut, **errors(401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="A queue page (keyset-paginated) or search results",
)
def agent_queue(
    request,
    queue: str = Query("mine", description="mine, unassigned, pending, open or all"),
    channel: str = "",
    q: str = Query("", description="Reference, e-mail, phone, NIK or text"),
    after: str = "",
    limit: int = Query(25, ge=1, le=100),
):
    user = _agent(request)
    if q:
        return QueueOut(
            results=[_queue_row(t) for t in selectors.ticket_search(user=user, query=q)], next=None
        )
    if queue not in selectors.QUEUES:
        raise ValidationFailed(errors={"queue": [_("Unknown queue.")]})
    tickets, cursor = selectors.ticket_queue(
        user=user, queue=queue, channel=channel, after=after, limit=limit
    )
    return QueueOut(results=[_queue_row(t) for t in tickets], next=cursor)


class AgentMessageOut(Schema):
    id: int
    kind: str
    author: str
    from_requester: bool
    body: str
    created_at: datetime


class AgentTicketOut(QueueTicketOut):
    description: str
    requester_email: str
    requester_phone: str
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    messages: list[AgentMessageOut]


def _agent_out(ticket: Ticket) -> AgentTicketOut:
    row = _queue_row(ticket).dict()
    return AgentTicketOut(
        **row,
        description=mask_nik(ticket.description),
        requester_email=ticket.requester_email,
        requester_phone=ticket.requester_phone,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        messages=[
            AgentMessageOut(
                id=m.pk,
                kind=m.kind,
                author=mask_nik(m.author_name),
                from_requester=m.from_requester,
                body=mask_nik(m.body),
                created_at=m.created_at,
            )
            for m in ticket.messages.order_by("created_at", "id")
        ],
    )


@router.get(
    "/agent/tickets/{reference}",
    response={200: AgentTicketOut, **errors(401, 403, 404, 422)},
    auth=SESSION_OR_TOKEN,
    summary="A ticket with its whole thread (internal notes included)",
)
def agent_ticket(request, reference: str):
    return _agent_out(selectors.ticket_get_for_agent(user=_agent(request), reference=reference))


class AgentReplyIn(Schema):
    body: str = Field(..., max_length=10_000)
    internal: bool = False
    client_msg_id: str | None = Field(None, max_length=64)


@router.post(
    "/agent/tickets/{reference}/messages",
    response={201: AgentMessageOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Reply or add an internal note (idempotent on client_msg_id)",
)
def agent_reply(request, reference: str, payload: AgentReplyIn):
    user = _agent(request)
    ticket = selectors.ticket_get_for_agent(user=user, reference=reference)
    message = services.ticket_reply(
        ticket=ticket,
        author=user,
        body=payload.body,
        internal=payload.internal,
        client_msg_id=payload.client_msg_id,
    )
    return Status(
        201,
        AgentMessageOut(
            id=message.pk,
            kind=message.kind,
            author=message.author_name,
            from_requester=False,
            body=message.body,
            created_at=message.created_at,
        ),
    )


class TicketPatchIn(Schema):
    status: str | None = None
    category: str | None = None
    priority: str | None = None


@router.patch(
    "/agent/tickets/{reference}",
    response={200: AgentTicketOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Change status, category and/or priority (audited)",
)
def agent_update(request, reference: str, payload: TicketPatchIn):
    user = _agent(request)
    ticket = selectors.ticket_get_for_agent(user=user, reference=reference)
    services.ticket_update(
        ticket=ticket,
        actor=user,
        status=payload.status,
        category_slug=payload.category,
        priority=payload.priority,
    )
    return _agent_out(selectors.ticket_get_for_agent(user=user, reference=reference))


class AssignIn(Schema):
    assignee: str | None = Field(None, description="Username; null to unassign")


@router.post(
    "/agent/tickets/{reference}/assign",
    response={200: AgentTicketOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Assign (supervisors: anyone; agents: an unassigned ticket to themselves)",
)
def agent_assign(request, reference: str, payload: AssignIn):
    user = _agent(request)
    ticket = selectors.ticket_get_for_agent(user=user, reference=reference)
    services.ticket_update(ticket=ticket, actor=user, assignee=payload.assignee or "")
    return _agent_out(selectors.ticket_get_for_agent(user=user, reference=reference))


@router.post(
    "/agent/claim-next",
    response={200: AgentTicketOut, 204: None, **errors(401, 403)},
    auth=SESSION_OR_TOKEN,
    summary="Take the oldest unassigned ticket (204 when none or at the limit)",
)
def agent_claim_next(request):
    user = _agent(request)
    ticket = services.ticket_claim_next(agent=user)
    if ticket is None:
        return Status(204, None)
    return _agent_out(selectors.ticket_get_for_agent(user=user, reference=ticket.reference))


class PresenceIn(Schema):
    status: str = Field(..., description="online, away or offline")


class PresenceOut(Schema):
    status: str
    last_seen_at: datetime | None


@router.post(
    "/agent/presence",
    response={200: PresenceOut, **errors(400, 401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Set my presence (also a heartbeat)",
)
def agent_presence(request, payload: PresenceIn):
    presence = services.presence_set(agent=_agent(request), status=payload.status)
    return PresenceOut(status=presence.status, last_seen_at=presence.last_seen_at)


class ArticleOut(Schema):
    slug: str
    title: str
    category: str
    url: str


@router.get(
    "/kb/articles",
    response={200: list[ArticleOut], **errors(422)},
    summary="Knowledge-base search",
)
def kb_articles(request, q: str = "", category: str = ""):
    return [
        ArticleOut(
            slug=a.slug,
            title=a.title,
            category=a.category.slug,
            url=reverse("helpdesk:kb_article", args=[a.slug]),
        )
        for a in selectors.articles_published(query=q, category_slug=category, limit=20)
    ]
