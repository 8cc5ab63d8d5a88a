"""Helpers shared by the live chat services: input checks, locks, transcript notices,
broadcasts on commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import NotFound, ValidationFailed
from prakerja.core.roles import Role, has_role
from prakerja.helpdesk import realtime
from prakerja.helpdesk.models import Message, MessageKind
from prakerja.helpdesk.services import message_body_clean

from .. import selectors
from ..models import Chat

logger = logging.getLogger(__name__)

SUBJECT_CHARS = 80
CLIENT_ID_MAX = 64


def _clean_body(body) -> str:
    return message_body_clean(body, max_chars=settings.LIVECHAT_MAX_MESSAGE_CHARS)


def _clean_client_id(client_msg_id) -> str | None:
    if client_msg_id in (None, ""):
        return None
    if not isinstance(client_msg_id, str) or len(client_msg_id) > CLIENT_ID_MAX:
        raise ValidationFailed(errors={"id": [_("Invalid message id.")]})
    return client_msg_id


def _subject(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[: SUBJECT_CHARS - 1] + "…" if len(line) > SUBJECT_CHARS else line


def _lock(chat: Chat) -> Chat:
    return (
        Chat.objects.select_for_update(of=("self",))
        .select_related("ticket", "agent")
        .get(pk=chat.pk)
    )


def _system_message(*, chat: Chat, text: str):
    """A notice in the transcript (agent joined, transfer, end), stored in the site language."""
    return Message.objects.create(
        ticket_id=chat.ticket_id,
        kind=MessageKind.SYSTEM,
        body=text,
        created_at=clock.now(),
    )


def _broadcast_message(chat: Chat, message) -> None:
    realtime.group_send_on_commit(
        realtime.chat_group(chat.pk),
        {"type": "chat.message", "chat": chat.pk, "message": selectors.message_payload(message)},
    )


def _broadcast_state(chat: Chat) -> None:
    position, eta = selectors.queue_position(chat=chat)
    realtime.group_send_on_commit(
        realtime.chat_group(chat.pk),
        {"type": "chat.state", "chat": selectors.chat_payload(chat, position=position, eta=eta)},
    )


def broadcast_queue() -> None:
    """Send the queue order to every waiting participant and to supervisors (after commit)."""

    def send():
        snapshot = selectors.queue_snapshot()
        realtime.group_send(realtime.QUEUE_GROUP, {"type": "queue.changed", **snapshot})
        realtime.group_send(realtime.SUPERVISORS_GROUP, {"type": "queue.changed", **snapshot})

    transaction.on_commit(send)


def _requester_fields(*, requester, name: str, email: str) -> tuple[str, str]:
    name = (name or "").strip()[:150]
    email = (email or "").strip().lower()[:254]
    if requester is not None and requester.is_authenticated:
        return (name or requester.get_full_name() or requester.get_username()), (
            email or requester.email or ""
        )
    errors = {}
    if not name:
        errors["name"] = [_("Please enter your name.")]
    if not email:
        errors["email"] = [_("Please enter your e-mail address.")]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return name, email


def _check_agent_access(chat: Chat, agent) -> None:
    if has_role(agent, Role.SUPERVISOR):
        return
    if not (has_role(agent, Role.AGENT) and chat.agent_id == agent.pk):
        raise NotFound
