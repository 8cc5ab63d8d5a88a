"""Chat routing: the oldest waiting chat goes to the least-loaded available agent under their
limit. Claims are decided by row locks taken with SKIP LOCKED (see `chat_claim_next`)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.helpdesk import realtime
from prakerja.helpdesk.services import ticket_assign

from .. import selectors
from ..models import Chat, ChatAgent, ChatState
from ._common import _broadcast_message, _broadcast_state, _system_message, broadcast_queue

logger = logging.getLogger(__name__)


def _ensure_chat_agents(agent_ids: list[int]) -> None:
    known = set(ChatAgent.objects.filter(agent_id__in=agent_ids).values_list("agent_id", flat=True))
    missing = [pk for pk in agent_ids if pk not in known]
    if missing:
        ChatAgent.objects.bulk_create(
            [
                ChatAgent(agent_id=pk, max_concurrent_chats=settings.LIVECHAT_MAX_CHATS_PER_AGENT)
                for pk in missing
            ],
            ignore_conflicts=True,
        )


def _active_load(agent_ids) -> dict[int, int]:
    rows = (
        Chat.objects.filter(agent_id__in=agent_ids, state=ChatState.ACTIVE)
        .values("agent_id")
        .annotate(n=Count("id"))
    )
    return {row["agent_id"]: row["n"] for row in rows}


def _lock_agent_with_capacity(agent_ids: list[int], *, skip_locked: bool) -> ChatAgent | None:
    """Lock the least-loaded agent (then longest since their last chat) who is under their
    limit. Rows locked by a concurrent dispatcher are skipped: that dispatcher is using them."""
    if not agent_ids:
        return None
    _ensure_chat_agents(agent_ids)
    load = _active_load(agent_ids)
    rows = list(
        ChatAgent.objects.filter(agent_id__in=agent_ids).values_list(
            "pk", "agent_id", "max_concurrent_chats", "last_assigned_at"
        )
    )
    rows = [r for r in rows if load.get(r[1], 0) < r[2]]
    epoch = clock.now().replace(year=2000)
    rows.sort(key=lambda r: (load.get(r[1], 0), r[3] or epoch, r[1]))
    for pk, agent_id, _limit, _last in rows:
        locked = (
            ChatAgent.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .select_related("agent")
            .filter(pk=pk)
            .first()
        )
        if locked is None:
            continue
        # Re-count under the lock: a concurrent claim may have committed meanwhile.
        current = Chat.objects.filter(agent_id=agent_id, state=ChatState.ACTIVE).count()
        if current < locked.max_concurrent_chats:
            return locked
    return None


def _assign(*, chat: Chat, chat_agent: ChatAgent, actor, now) -> None:
    agent = chat_agent.agent
    chat.state = ChatState.ACTIVE
    chat.agent = agent
    chat.assigned_at = now
    chat.last_activity_at = now
    chat.save(update_fields=["state", "agent", "assigned_at", "last_activity_at"])
    chat_agent.last_assigned_at = now
    chat_agent.save(update_fields=["last_assigned_at"])
    ticket_assign(ticket=chat.ticket, agent=agent, actor=actor)
    with translation.override(settings.LANGUAGE_CODE):
        name = selectors.agent_display_name(agent) or _("Agent")
        text = _("%(name)s joined the chat.") % {"name": name}
    message = _system_message(chat=chat, text=text)
    _broadcast_message(chat, message)
    _broadcast_state(chat)
    realtime.group_send_on_commit(
        realtime.agent_group(agent.pk),
        {"type": "chat.assigned", "chat": selectors.agent_chat_summary(chat)},
    )


@transaction.atomic
def chat_claim_next() -> Chat | None:
    """Give the oldest waiting chat to the least-loaded available agent under their limit.

    The claim is decided by row locks: the agent's `ChatAgent` row and the chat row, both taken
    with SKIP LOCKED, so concurrent dispatchers (several server processes) never assign one chat
    twice nor push an agent over the limit; a dispatcher that finds every free agent locked stops
    (the one holding the lock keeps going). An agent is locked before a chat, so a locked chat
    always belongs to a dispatcher that has an agent for it: none is skipped.
    """
    now = clock.now()
    agent_ids = selectors.available_agent_ids(at=now)
    chat_agent = _lock_agent_with_capacity(agent_ids, skip_locked=True)
    if chat_agent is None:
        return None
    chat = (
        Chat.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("ticket")
        .filter(state=ChatState.QUEUED)
        .order_by("queued_at", "id")
        .first()
    )
    if chat is None:
        return None
    _assign(chat=chat, chat_agent=chat_agent, actor=None, now=now)
    return chat


def chats_dispatch(*, max_assign: int = 200) -> int:
    """Assign waiting chats while there are free agents; one transaction per assignment.
    Returns how many were assigned. Safe to run anywhere, any number of times at once."""
    assigned = 0
    while assigned < max_assign:
        try:
            chat = chat_claim_next()
        except Exception:
            logger.exception("livechat.dispatch_failed")
            break
        if chat is None:
            break
        assigned += 1
    if assigned:
        with transaction.atomic():
            broadcast_queue()
    return assigned


def dispatch_on_commit() -> None:
    """Offer waiting chats to free agents once the current transaction has committed."""
    transaction.on_commit(chats_dispatch)
