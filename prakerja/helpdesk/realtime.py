"""The one way sync code talks to the workspace's websockets: group names and broadcasts sent
on commit. It lives in helpdesk, the workspace every channel plugs into, so live chat and
telephony share it without importing each other.

Consumers join groups named here; services broadcast with `group_send_on_commit`, so a rolled-back
action sends nothing. E.g. telephony's screen-pop:

    group_send_on_commit(agent_group(agent.pk), {"type": "screen.pop", "call": {...}})

The agent workspace socket forwards any event it has no handler for (`screen.pop`, `notify`, ...)
to the browser as JSON, with the event's `type` kept.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

SUPERVISORS_GROUP = "livechat.supervisors"
QUEUE_GROUP = "livechat.queue"


def agent_group(user_id: int) -> str:
    """Every workspace socket of one agent (several tabs or devices)."""
    return f"agent.{int(user_id)}"


def chat_group(chat_id: int) -> str:
    """The participant's sockets and every agent/supervisor socket watching one chat."""
    return f"chat.{int(chat_id)}"


def group_send(group: str, event: dict) -> None:
    """Send now, from sync code. Prefer `group_send_on_commit` inside a transaction."""
    group_send_many([(group, event)])


def group_send_many(messages: list[tuple[str, dict]]) -> None:
    """Send each (group, event) now, in order, from sync code, in one trip to the event loop
    (a trip costs more CPU than a send: the intake worker tells agents of a batch's tickets)."""
    layer = get_channel_layer()
    if layer is None or not messages:  # channels not configured: nothing listens
        return

    async def send_all():
        for group, event in messages:
            try:
                await layer.group_send(group, event)
            except Exception:  # a broadcast failure must never undo a stored message
                logger.exception("realtime.group_send_failed", extra={"group": group})

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("realtime.group_send_failed", extra={"groups": len(messages)})


def group_send_on_commit(group: str, event: dict) -> None:
    """Broadcast `event` to `group` once the current transaction commits (now if none)."""
    if "type" not in event:
        raise ValueError("a channel-layer event needs a 'type'")
    transaction.on_commit(lambda: group_send(group, event))


def tell_agent_on_commit(agent_id: int | None, event_type: str, *, ticket) -> None:
    """Tell an agent's open inboxes that one of their tickets changed (`ticket.assigned`,
    `ticket.message`), once the change commits; they refresh their list."""
    tell_agents_on_commit([(agent_id, event_type, ticket)])


def tell_agents_on_commit(notices: list[tuple[int | None, str, object]]) -> None:
    """`tell_agent_on_commit` for each (agent id, event type, ticket), sent together."""
    messages = [
        (agent_group(agent_id), {"type": event_type, "ticket": ticket.reference})
        for agent_id, event_type, ticket in notices
        if agent_id
    ]
    if messages:
        transaction.on_commit(lambda: group_send_many(messages))
