"""Live chat writes: start, FAQ deflection, offline messages, routing, messages, transfer, end.

Every chat that reaches an agent is a helpdesk ticket with channel `chat` (created with
`route=False`: live chat routes its own tickets) and its thread is the transcript. Messages are
stored through helpdesk's `ticket_chat_message_add` (three statements on the usual path; it falls
back to `ticket_reply` / `ticket_requester_reply`; idempotent on the client's message id) before
anyone is told about them; websocket broadcasts go out on commit.
"""

from ._common import broadcast_queue
from .chats import (
    chat_agent_message,
    chat_deflect,
    chat_end,
    chat_leave_message,
    chat_participant_message,
    chat_rate,
    chat_start,
    chat_transfer,
    chats_close_idle,
    chats_sweep,
    record_rating_in_surveys,
)
from .routing import chat_claim_next, chats_dispatch, dispatch_on_commit

__all__ = [
    "broadcast_queue",
    "chat_agent_message",
    "chat_claim_next",
    "chat_deflect",
    "chat_end",
    "chat_leave_message",
    "chat_participant_message",
    "chat_rate",
    "chat_start",
    "chat_transfer",
    "chats_close_idle",
    "chats_dispatch",
    "chats_sweep",
    "dispatch_on_commit",
    "record_rating_in_surveys",
]
