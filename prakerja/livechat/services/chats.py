"""A chat's life: start (or FAQ deflection, or an offline message), messages, transfer, end,
idle close and the inline rating."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from prakerja.core.ratelimit import rate_limit
from prakerja.core.roles import Role, has_role
from prakerja.core.services import audit_record
from prakerja.helpdesk import realtime
from prakerja.helpdesk.models import Channel
from prakerja.helpdesk.selectors import message_resent, ticket_was_served
from prakerja.helpdesk.services import (
    ticket_assign,
    ticket_chat_message_add,
    ticket_create,
    ticket_resolve,
)
from prakerja.surveys.selectors import survey_pending_for_ticket
from prakerja.surveys.services import survey_answer, survey_request_for_ticket

from .. import hooks, selectors
from ..models import OPEN_STATES, Chat, ChatState, EndReason
from ._common import (
    _broadcast_message,
    _broadcast_state,
    _check_agent_access,
    _clean_body,
    _clean_client_id,
    _lock,
    _requester_fields,
    _subject,
    _system_message,
    broadcast_queue,
)
from .routing import _assign, _lock_agent_with_capacity, chats_dispatch, dispatch_on_commit

logger = logging.getLogger(__name__)


@transaction.atomic
def chat_deflect(*, requester, name: str, email: str, question: str, article: str) -> Chat:
    """Record that a knowledge-base article answered the question: the chat ends before it is
    queued (state `deflected`, no ticket). Counted by reports as a deflected chat."""
    now = clock.now()
    user = requester if requester is not None and requester.is_authenticated else None
    hooks.chat_deflected(at=now)
    return Chat.objects.create(
        state=ChatState.DEFLECTED,
        requester=user,
        requester_name=(name or "").strip()[:150] or (user.get_full_name() if user else ""),
        requester_email=(email or "").strip().lower()[:254],
        question=(question or "").strip()[: settings.LIVECHAT_MAX_MESSAGE_CHARS],
        deflected_by=(article or "").strip()[:300],
        created_at=now,
        last_activity_at=now,
        ended_at=now,
    )


@transaction.atomic
def chat_leave_message(*, requester, name: str, email: str, body: str, phone: str = "") -> Chat:
    """Out of hours or queue full: the message becomes a `web` ticket (routed like the web
    form, acknowledged by e-mail by helpdesk). Returns the `offline` chat holding the ticket."""
    body = _clean_body(body)
    user = requester if requester is not None and requester.is_authenticated else None
    name, email = _requester_fields(requester=user, name=name, email=email)
    ticket = ticket_create(
        channel=Channel.WEB,
        subject=_subject(body),
        description=body,
        requester=user,
        name=name,
        email=email,
        phone=phone,
        actor=user,
    )
    now = clock.now()
    return Chat.objects.create(
        state=ChatState.OFFLINE,
        ticket=ticket,
        requester=user,
        requester_name=name,
        requester_email=email,
        question=body,
        created_at=now,
        last_activity_at=now,
        ended_at=now,
    )


@transaction.atomic
def chat_start(*, requester, name: str, email: str, question: str) -> Chat:
    """Queue a chat for an agent. Refused with `chat_closed` outside the operating hours and
    `queue_full` past LIVECHAT_MAX_QUEUE (the widget then offers to leave a message).

    Creates the `chat` ticket (not routed by helpdesk) whose first message is the question.
    On commit: chats are dispatched to free agents and the queue order is broadcast.
    """
    question = _clean_body(question)
    user = requester if requester is not None and requester.is_authenticated else None
    name, email = _requester_fields(requester=user, name=name, email=email)
    availability = selectors.chat_availability()
    if not availability.open:
        raise DomainError(
            _("Live chat is closed now. Please leave a message."), code="chat_closed", status=409
        )
    if availability.reason == "unavailable":
        raise DomainError(
            _("Live chat is unavailable right now. Please leave a message."),
            code="chat_unavailable",
            status=409,
        )
    if not availability.accepting:
        raise DomainError(
            _("All our agents are busy. Please leave a message."), code="queue_full", status=409
        )
    ticket = ticket_create(
        channel=Channel.CHAT,
        subject=_subject(question),
        description=question,
        requester=user,
        name=name,
        email=email,
        actor=user,
        route=False,
    )
    now = clock.now()
    chat = Chat.objects.create(
        state=ChatState.QUEUED,
        ticket=ticket,
        requester=user,
        requester_name=name,
        requester_email=email,
        question=question,
        created_at=now,
        queued_at=now,
        last_activity_at=now,
    )
    dispatch_on_commit()
    broadcast_queue()
    return chat


def _existing_message(chat: Chat, client_msg_id: str | None):
    return message_resent(ticket_id=chat.ticket_id, client_msg_id=client_msg_id)


@transaction.atomic
def chat_participant_message(*, chat: Chat, body, client_msg_id=None, user=None):
    """Store the participant's message, then (on commit) broadcast it to the chat.

    Returns `(message, created)`; a resend of a stored client id returns the stored message
    with created False and broadcasts nothing. Refused with `chat_ended` once the chat ended,
    `rate_limited` past LIVECHAT_MESSAGES_PER_10S.

    `chat` is the instance the socket loaded at connect (with its ticket); the database decides
    the rest: one UPDATE checks that the chat is open and marks the activity (its row lock
    orders this message against `chat_end`), then helpdesk's `ticket_chat_message_add` (one
    UPDATE, one INSERT on the usual path). No SELECT ... FOR UPDATE, no savepoint.
    """
    client_msg_id = _clean_client_id(client_msg_id)
    body = _clean_body(body)
    now = clock.now()
    if not Chat.objects.filter(pk=chat.pk, state__in=OPEN_STATES).update(last_activity_at=now):
        existing = _existing_message(chat, client_msg_id)
        if existing is not None:
            return existing, False
        raise Conflict(_("This chat has ended."), code="chat_ended")
    author = (
        user
        if user is not None and user.is_authenticated and user.pk == chat.requester_id
        else None
    )
    return _message_store(
        chat,
        body=body,
        from_requester=True,
        author=author,
        client_msg_id=client_msg_id,
        at=now,
        rate_key=f"livechat:msg:{chat.pk}:participant",
    )


def _message_store(chat: Chat, *, body, from_requester, author, client_msg_id, at, rate_key):
    """Store a message of an open chat in its ticket's thread (helpdesk's
    `ticket_chat_message_add`: one UPDATE, one INSERT on the usual path), rate-limit the sender
    and broadcast the message on commit. `(message, created)`."""
    message, created = ticket_chat_message_add(
        ticket=chat.ticket,
        body=body,
        from_requester=from_requester,
        author=author,
        client_msg_id=client_msg_id,
        at=at,
    )
    if created:
        # after the insert: a refusal rolls it back; a resend is never refused
        rate_limit(key=rate_key, limit=settings.LIVECHAT_MESSAGES_PER_10S, period=10)
        _broadcast_message(chat, message)
    return message, created


@transaction.atomic
def chat_agent_message(*, chat: Chat, agent, body, client_msg_id=None):
    """Store an agent's (or supervisor's) reply, then broadcast it. `(message, created)` as for
    the participant. Precondition checked here: the chat is assigned to the agent (supervisors
    may write in any active chat); `chat` may be an instance the socket holds, the database
    decides: one UPDATE matches only an active chat of this agent (any active chat for a
    supervisor); when it matches nothing the chat is locked and the precise refusal (not found,
    not active) or the stored resend is returned."""
    client_msg_id = _clean_client_id(client_msg_id)
    now = clock.now()
    rows = Chat.objects.filter(pk=chat.pk, state=ChatState.ACTIVE)
    if not has_role(agent, Role.SUPERVISOR):
        if not has_role(agent, Role.AGENT):
            raise NotFound
        rows = rows.filter(agent=agent)
    if not rows.update(last_activity_at=now):
        chat = _lock(chat)
        _check_agent_access(chat, agent)
        existing = _existing_message(chat, client_msg_id)
        if existing is not None:
            return existing, False
        _clean_body(body)
        raise Conflict(_("This chat is not active."), code="chat_not_active")
    return _message_store(
        chat,
        body=_clean_body(body),
        from_requester=False,
        author=agent,
        client_msg_id=client_msg_id,
        at=now,
        rate_key=f"livechat:msg:{chat.pk}:agent:{agent.pk}",
    )


def _end(chat: Chat, *, actor, reason: str, notice: str) -> Chat:
    previous_agent_id = chat.agent_id
    was_queued = chat.state == ChatState.QUEUED
    now = clock.now()
    chat.state = ChatState.ENDED
    chat.ended_at = now
    chat.end_reason = reason
    chat.save(update_fields=["state", "ended_at", "end_reason"])
    message = _system_message(chat=chat, text=notice)
    ticket_resolve(ticket=chat.ticket, actor=actor)
    audit_record(
        actor=actor,
        action="chat.end",
        obj=chat,
        before={"state": ChatState.QUEUED if was_queued else ChatState.ACTIVE},
        after={"state": ChatState.ENDED, "reason": reason},
    )
    _broadcast_message(chat, message)
    _broadcast_state(chat)
    if previous_agent_id:
        realtime.group_send_on_commit(
            realtime.agent_group(previous_agent_id),
            {"type": "chat.ended", "chat": selectors.chat_payload(chat)},
        )
        dispatch_on_commit()
    if was_queued:
        broadcast_queue()
    return chat


@transaction.atomic
def chat_end(*, chat: Chat, actor, by_participant: bool) -> Chat:
    """End the chat (either side) and resolve its ticket (helpdesk then asks for the survey).
    Idempotent: ending an ended chat returns it. The agent's freed slot is offered to the queue."""
    chat = _lock(chat)
    if chat.state not in OPEN_STATES:
        return chat
    if not by_participant:
        _check_agent_access(chat, actor)
    with translation.override(settings.LANGUAGE_CODE):
        notice = (
            _("The participant ended the chat.")
            if by_participant
            else _("The agent ended the chat.")
        )
    reason = EndReason.PARTICIPANT if by_participant else EndReason.AGENT
    actor = actor if actor is not None and actor.is_authenticated else None
    return _end(chat, actor=actor, reason=reason, notice=notice)


@transaction.atomic
def chat_transfer(*, chat: Chat, actor, to_agent=None) -> Chat:
    """Hand an active chat to another available agent (under their limit), or back to the queue
    when `to_agent` is None (it keeps its place: oldest waiting first). Audited."""
    chat = _lock(chat)
    _check_agent_access(chat, actor)
    if chat.state != ChatState.ACTIVE:
        raise Conflict(_("This chat is not active."), code="chat_not_active")
    previous = chat.agent
    now = clock.now()
    if to_agent is not None:
        if to_agent.pk == chat.agent_id:
            raise Conflict(_("The chat is already with this agent."), code="same_agent")
        if to_agent.pk not in selectors.available_agent_ids(at=now):
            raise Conflict(_("That agent is not available."), code="agent_unavailable")
        chat_agent = _lock_agent_with_capacity([to_agent.pk], skip_locked=False)
        if chat_agent is None:
            raise Conflict(_("That agent has no free chat slot."), code="agent_full")
        realtime.group_send_on_commit(
            realtime.agent_group(previous.pk),
            {"type": "chat.unassigned", "chat": selectors.chat_payload(chat)},
        )
        with translation.override(settings.LANGUAGE_CODE):
            name = selectors.agent_display_name(to_agent) or _("Agent")
            text = _("The chat was transferred to %(name)s.") % {"name": name}
        _broadcast_message(chat, _system_message(chat=chat, text=text))
        _assign(chat=chat, chat_agent=chat_agent, actor=actor, now=now)
    else:
        chat.state = ChatState.QUEUED
        chat.agent = None
        chat.assigned_at = None
        chat.save(update_fields=["state", "agent", "assigned_at"])
        _unassign_ticket(chat.ticket, actor=actor)
        with translation.override(settings.LANGUAGE_CODE):
            text = _("You are back in the queue; the next free agent will continue the chat.")
        _broadcast_message(chat, _system_message(chat=chat, text=text))
        _broadcast_state(chat)
        realtime.group_send_on_commit(
            realtime.agent_group(previous.pk),
            {"type": "chat.unassigned", "chat": selectors.chat_payload(chat)},
        )
        broadcast_queue()
        dispatch_on_commit()
    audit_record(
        actor=actor,
        action="chat.transfer",
        obj=chat,
        before={"agent": previous.get_username()},
        after={"agent": to_agent.get_username() if to_agent else None},
    )
    return chat


def _unassign_ticket(ticket, *, actor) -> None:
    try:
        ticket_assign(ticket=ticket, agent=None, actor=actor)
    except (TypeError, DomainError):  # helpdesk may refuse None; the chat state is what routes
        logger.warning("livechat.unassign_refused", extra={"ticket": ticket.pk})


def chats_close_idle(*, now=None) -> int:
    """Close active chats with no message for LIVECHAT_IDLE_MINUTES, with a notice to both
    sides. One transaction per chat; rows locked elsewhere are left for the next run."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(minutes=settings.LIVECHAT_IDLE_MINUTES)
    ids = list(
        Chat.objects.filter(state=ChatState.ACTIVE, last_activity_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    closed = 0
    for pk in ids:
        with transaction.atomic():
            chat = (
                Chat.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket", "agent")
                .filter(pk=pk, state=ChatState.ACTIVE, last_activity_at__lt=cutoff)
                .first()
            )
            if chat is None:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                notice = _(
                    "This chat was closed after %(n)d minutes without messages. "
                    "Start a new chat if you still need help."
                ) % {"n": settings.LIVECHAT_IDLE_MINUTES}
            _end(chat, actor=None, reason=EndReason.IDLE, notice=notice)
            closed += 1
    return closed


def chats_sweep() -> dict[str, int]:
    """The scheduler's periodic pass: close idle chats, then offer waiting chats to free agents
    (they are otherwise dispatched when a chat is queued, an agent connects or goes online, and a
    chat ends or is transferred). Returns {"closed": n, "assigned": n}."""
    closed = chats_close_idle()
    return {"closed": closed, "assigned": chats_dispatch()}


@transaction.atomic
def chat_rate(*, chat: Chat, rating, comment: str = "") -> Chat:
    """The participant's inline satisfaction rating (1-5) after the chat ended. Stored on the
    chat and handed to the surveys app (`survey_answer`) through `record_rating_in_surveys`.
    Refused with `chat_not_served` for a chat no agent served (ended while queued)."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed(errors={"rating": [_("Choose a rating from 1 to 5.")]})
    comment = (comment or "").strip()[:1000] if isinstance(comment, str) else ""
    chat = _lock(chat)
    if chat.state != ChatState.ENDED:
        raise Conflict(_("You can rate the chat once it has ended."), code="chat_not_ended")
    if chat.rating is not None:
        raise Conflict(_("You already rated this chat."), code="already_rated")
    if not ticket_was_served(chat.ticket):
        raise Conflict(
            _("No agent served this chat, so there is nothing to rate."), code="chat_not_served"
        )
    chat.rating = rating
    chat.rating_comment = comment
    chat.save(update_fields=["rating", "rating_comment"])
    record_rating_in_surveys(chat=chat, rating=rating, comment=comment)
    return chat


def record_rating_in_surveys(*, chat: Chat, rating: int, comment: str) -> None:
    """The chat's survey (requested when its ticket was resolved, or now) gets the answer; without
    a survey for this ticket (asked too recently about it) the rating stays on the chat only."""
    # The survey was requested when the ticket was resolved; ask now if it was not (yet).
    survey = survey_pending_for_ticket(ticket=chat.ticket) or survey_request_for_ticket(
        ticket=chat.ticket
    )
    if survey is None:
        return
    survey_answer(survey=survey, rating=rating, comment=comment)
