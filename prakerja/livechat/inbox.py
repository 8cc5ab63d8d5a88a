"""What live chat puts into the agent inbox (`helpdesk.inbox`): the chat list (waiting chats and
the agent's own), a chat ticket's live state in the ticket lists, and an open chat's composer in
the conversation pane. Registered in LiveChatConfig.ready()."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prakerja.core.logging import mask_nik
from prakerja.core.roles import Role, has_role
from prakerja.helpdesk import inbox
from prakerja.helpdesk.models import Channel

from . import selectors
from .models import Chat, ChatState

AGENT_SOCKET_PATH = "/ws/livechat/agent/"


def _item(chat: Chat) -> inbox.Item:
    waiting = chat.state == ChatState.QUEUED
    label = chat.get_state_display()
    if not waiting and chat.agent_id:
        label = f"{label}: {chat.agent.get_full_name() or chat.agent.get_username()}"
    return inbox.Item(
        kind="chat",
        key=str(chat.pk),
        title=chat.requester_name or _("Guest"),
        subtitle=mask_nik(chat.question)[:70],
        channel=Channel.CHAT,
        state=chat.state,
        state_label=label,
        at=chat.queued_at if waiting else chat.assigned_at,
        url=reverse("helpdesk:agent_ticket", args=[chat.ticket.reference]),
        reference=chat.ticket.reference,
    )


def items(*, user) -> list[inbox.Item]:
    return [_item(chat) for chat in selectors.chats_for_inbox(user=user)]


def pinned(*, user) -> list[inbox.Item]:
    return [_item(chat) for chat in selectors.chats_held_by(agent=user)]


def count(*, user) -> int:
    return selectors.chats_inbox_count(user=user)


def ticket_states(*, ticket_ids) -> dict[int, str]:
    labels = dict(ChatState.choices)
    found = selectors.chat_states_for_tickets(ticket_ids=ticket_ids)
    return {ticket_id: str(labels.get(state, state)) for ticket_id, state in found.items()}


def conversation_extra(*, user, ticket) -> inbox.Extra | None:
    """An open chat answers in the chat, over the socket (the participant sees nothing written
    on the ticket page): its composer for the agent holding it (and supervisors), and notes only
    in the reply form for everyone."""
    if ticket.channel != Channel.CHAT:
        return None
    chat = selectors.chat_for_ticket(ticket=ticket)
    if chat is None or not chat.is_open:
        return None
    may_write = chat.state == ChatState.ACTIVE and (
        chat.agent_id == user.pk or has_role(user, Role.SUPERVISOR)
    )
    return inbox.Extra(
        template="livechat/_inbox_chat.html",
        context={
            "chat": chat,
            "may_write": may_write,
            "agents": selectors.transfer_targets(agent=user) if may_write else [],
            "max_chars": settings.LIVECHAT_MAX_MESSAGE_CHARS,
        },
        replaces_reply=True,
    )


def register() -> None:
    inbox.sources.register(
        inbox.Source(
            key="chats",
            label=gettext_lazy("Live chats"),
            order=10,
            count=count,
            items=items,
            pinned=pinned,
        )
    )
    inbox.ticket_states.register(ticket_states)
    inbox.conversation_extras.register(conversation_extra)
    inbox.socket.path = AGENT_SOCKET_PATH
