"""Live chat reads: availability, access checks, history, queue and supervisor views."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Prefetch, Q
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.cache import shared_cache_unavailable
from prakerja.core.errors import NotFound
from prakerja.core.logging import mask_nik
from prakerja.core.roles import Role, has_role
from prakerja.helpdesk import hours
from prakerja.helpdesk.models import Message
from prakerja.helpdesk.selectors import (
    agents_available,
    participant_summary_for_agent,
    ticket_was_served,
)

from .models import Chat, ChatState

# How many waiting chats a queue broadcast lists (positions past it show as "more than N").
QUEUE_SNAPSHOT_LIMIT = 1000


@dataclass(frozen=True)
class Availability:
    open: bool
    accepting: bool
    reason: str  # "" | "closed" | "unavailable" | "queue_full"
    next_open_at: datetime | None
    queue_length: int


def chat_availability(*, at: datetime | None = None) -> Availability:
    """Is live chat taking new chats now? Closed outside the operating hours; unavailable while
    Redis, which carries the channel layer, is out of reach; full when the queue is at
    LIVECHAT_MAX_QUEUE."""
    at = at or clock.now()
    if not hours.is_open(at):
        return Availability(False, False, "closed", hours.next_open_at(at), 0)
    if shared_cache_unavailable():
        return Availability(True, False, "unavailable", None, 0)
    queued = Chat.objects.filter(state=ChatState.QUEUED).count()
    if queued >= settings.LIVECHAT_MAX_QUEUE:
        return Availability(True, False, "queue_full", None, queued)
    return Availability(True, True, "", None, queued)


def available_agent_ids(*, at: datetime | None = None) -> list[int]:
    """Agents on shift and online now (helpdesk's presence and roster)."""
    return list(agents_available(at=at).values_list("pk", flat=True))


def chat_get_for_participant(*, chat_id: int, user, session_chat_ids) -> Chat:
    """The chat if this visitor started it: a logged-in requester, or a guest whose session
    started it. NotFound otherwise (no hint that the chat exists)."""
    chat = (
        Chat.objects.select_related("ticket", "agent")
        .filter(pk=chat_id, ticket__isnull=False)
        .first()
    )
    if chat is None:
        raise NotFound
    if user is not None and user.is_authenticated and chat.requester_id == user.pk:
        return chat
    if chat.requester_id is None and chat.pk in set(session_chat_ids or ()):
        return chat
    raise NotFound


def chat_get_for_agent(*, chat_id: int, user) -> Chat:
    """The chat if it is assigned to this agent, or any chat for a supervisor."""
    chat = Chat.objects.select_related("ticket", "agent").filter(pk=chat_id).first()
    if chat is None or chat.ticket_id is None:
        raise NotFound
    if has_role(user, Role.SUPERVISOR):
        return chat
    if has_role(user, Role.AGENT) and chat.agent_id == user.pk:
        return chat
    raise NotFound


def agent_display_name(agent) -> str:
    """The name participants see for an agent: the full name on the agent's account (a person's
    name or a working name such as "Agen 03"; its first word alone is the same "Agen" for every
    working name). Never the username or e-mail: "" when the account has no name (the widget
    then shows "Agent")."""
    return (agent.full_name or "").strip() if agent is not None else ""


def message_payload(message, *, requester_id: int | None = None) -> dict:
    if message.kind == "system":
        author = "system"
    elif getattr(message, "from_requester", False):
        author = "participant"
    else:
        author = "agent"
    name = message.author_name
    if author == "agent":
        # the stored author_name falls back to the username; the account's name is shown instead
        name = agent_display_name(message.author) if message.author_id else ""
    return {
        "id": message.pk,
        "client_id": message.client_msg_id or "",
        "author": author,
        "name": mask_nik(name) if author != "system" else "",
        "body": mask_nik(message.body),
        "at": message.created_at.isoformat(),
    }


def chat_history(*, chat: Chat, after_id: int = 0, limit: int = 500) -> list[dict]:
    """Public and system messages of the chat's thread, oldest first (internal notes never)."""
    messages = (
        Message.objects.filter(ticket_id=chat.ticket_id, pk__gt=after_id)
        .exclude(kind="internal")
        .select_related("author")
        .order_by("created_at", "id")[:limit]
    )
    return [message_payload(m) for m in messages]


def average_chat_seconds() -> int:
    """Mean handling time of the last 100 ended chats; the setting until there are 10."""
    recent = list(
        Chat.objects.filter(state=ChatState.ENDED, assigned_at__isnull=False)
        .order_by("-ended_at")
        .values_list("assigned_at", "ended_at")[:100]
    )
    if len(recent) < 10:
        return settings.LIVECHAT_AVG_CHAT_SECONDS
    total = sum((ended - assigned).total_seconds() for assigned, ended in recent if ended)
    return max(30, int(total / len(recent)))


def queue_snapshot() -> dict:
    """The waiting chats in order and the estimated seconds each place in the queue adds."""
    ids = list(
        Chat.objects.filter(state=ChatState.QUEUED)
        .order_by("queued_at", "id")
        .values_list("pk", flat=True)[:QUEUE_SNAPSHOT_LIMIT]
    )
    agents = len(available_agent_ids())
    slots = max(1, agents * settings.LIVECHAT_MAX_CHATS_PER_AGENT)
    return {"ids": ids, "seconds_per_position": math.ceil(average_chat_seconds() / slots)}


def queue_position(*, chat: Chat) -> tuple[int | None, int | None]:
    """(position from 1, estimated wait in seconds) for a waiting chat; (None, None) otherwise."""
    if chat.state != ChatState.QUEUED:
        return None, None
    ahead = Chat.objects.filter(
        Q(queued_at__lt=chat.queued_at) | Q(queued_at=chat.queued_at, pk__lt=chat.pk),
        state=ChatState.QUEUED,
    ).count()
    snapshot_spp = queue_snapshot()["seconds_per_position"]
    position = ahead + 1
    return position, position * snapshot_spp


def chat_payload(chat: Chat, *, position: int | None = None, eta: int | None = None) -> dict:
    agent_name = ""
    if chat.agent_id and chat.state == ChatState.ACTIVE:
        agent_name = agent_display_name(chat.agent)
    return {
        "id": chat.pk,
        "state": chat.state,
        "reference": chat.ticket.reference if chat.ticket_id else "",
        "agent_name": agent_name,
        "requester_name": mask_nik(chat.requester_name),
        "position": position,
        "eta_seconds": eta,
        "rated": chat.rating is not None,
        "rateable": chat.state == ChatState.ENDED
        and chat.rating is None
        and chat.ticket_id is not None
        and ticket_was_served(chat.ticket),
        "end_reason": chat.end_reason,
    }


def requester_panel(*, chat: Chat) -> dict:
    """The requester panel of a chat for agents: the participant's program status (masked NIK,
    identity, wave, selection, linked account) when the requester is logged in; {} for guests."""
    if chat.requester_id is None:
        return {}

    summary = participant_summary_for_agent(user=chat.requester)
    wave = summary.get("wave") or {}
    account = summary.get("linked_account") or {}
    return {
        _("NIK"): summary.get("nik_masked") or "",
        _("Phone"): summary.get("phone") or "",
        _("Identity"): summary.get("identity_status") or "",
        _("Wave"): wave.get("title") or wave.get("number") or "",
        _("Selection"): summary.get("selection_result") or "",
        _("Linked account"): " ".join(
            str(v) for v in (account.get("provider"), account.get("number_masked")) if v
        ),
    }


def chats_for_agent(*, agent) -> list[Chat]:
    """An agent's open chats (the workspace), oldest first."""
    return list(
        Chat.objects.filter(agent=agent, state=ChatState.ACTIVE)
        .select_related("ticket", "requester")
        .order_by("assigned_at", "id")
    )


def supervisor_overview(*, at: datetime | None = None) -> dict:
    """The live queue and every agent with open chats; a fixed number of queries."""
    at = at or clock.now()
    queue = list(
        Chat.objects.filter(state=ChatState.QUEUED)
        .select_related("ticket")
        .order_by("queued_at", "id")[:200]
    )
    for chat in queue:
        chat.waiting_seconds = int((at - chat.queued_at).total_seconds())
    active = (
        Chat.objects.filter(state=ChatState.ACTIVE).select_related("ticket").order_by("assigned_at")
    )
    user_model = get_user_model()
    online_ids = set(available_agent_ids(at=at))
    agents = list(
        user_model.objects.filter(Q(pk__in=online_ids) | Q(livechats_handled__state="active"))
        .distinct()
        .annotate(
            open_chats=Count("livechats_handled", filter=Q(livechats_handled__state="active"))
        )
        .prefetch_related(Prefetch("livechats_handled", queryset=active, to_attr="active_chats"))
        .order_by("full_name", "pk")
    )
    for agent in agents:
        agent.is_available = agent.pk in online_ids
    waits = [c.waiting_seconds for c in queue]
    return {
        "queue": queue,
        "agents": agents,
        "longest_wait": max(waits) if waits else 0,
        "queue_length": Chat.objects.filter(state=ChatState.QUEUED).count(),
        "active_count": Chat.objects.filter(state=ChatState.ACTIVE).count(),
        "rating_avg": Chat.objects.filter(rating__isnull=False, ended_at__date=at.date()).aggregate(
            v=Avg("rating")
        )["v"],
    }


def agent_chat_summary(chat: Chat) -> dict:
    return {
        **chat_payload(chat),
        "question": mask_nik(chat.question),
        "requester_email": chat.requester_email,
        "requester_id": chat.requester_id,
        "panel": requester_panel(chat=chat),
    }


def chat_open_for_visitor(*, user, session_chat_ids: list[int]) -> Chat | None:
    """The visitor's chat still queued or active: a logged-in requester's latest, or the latest
    of the guest chats this browser session started."""
    chats = Chat.objects.filter(state__in=(ChatState.QUEUED, ChatState.ACTIVE))
    if user.is_authenticated:
        return chats.filter(requester=user).order_by("-pk").first()
    if not session_chat_ids:
        return None
    return chats.filter(pk__in=session_chat_ids, requester__isnull=True).order_by("-pk").first()


def transfer_targets(*, agent, limit: int = 200) -> list:
    """Agents and supervisors a chat can be handed to, by name (not `agent` themself)."""
    return list(
        get_user_model()
        .objects.filter(groups__name__in=[Role.AGENT, Role.SUPERVISOR], is_active=True)
        .exclude(pk=agent.pk)
        .distinct()
        .order_by("full_name")
        .only("pk", "full_name", "username")[:limit]
    )


def chats_for_inbox(*, user, limit: int = 50) -> list[Chat]:
    """The inbox's chat list: waiting chats, oldest first, then the open chats the agent holds
    (a supervisor: every open chat). One query."""
    mine = Q(state=ChatState.ACTIVE)
    if not has_role(user, Role.SUPERVISOR):
        mine &= Q(agent=user)
    return list(
        Chat.objects.filter(Q(state=ChatState.QUEUED) | mine, ticket__isnull=False)
        .select_related("ticket", "agent")
        .order_by("-state", "queued_at", "id")[:limit]  # descending: "queued" before "active"
    )


def chats_held_by(*, agent) -> list[Chat]:
    """The agent's open chats, for the inbox's pinned rows. One query."""
    return list(
        Chat.objects.filter(agent=agent, state=ChatState.ACTIVE, ticket__isnull=False)
        .select_related("ticket", "agent")
        .order_by("assigned_at", "id")
    )


def chats_inbox_count(*, user) -> int:
    """Waiting chats plus the agent's own open ones (the chat tab's badge). One query."""
    return Chat.objects.filter(
        Q(state=ChatState.QUEUED) | Q(state=ChatState.ACTIVE, agent=user)
    ).count()


def chat_states_for_tickets(*, ticket_ids) -> dict[int, str]:
    """{ticket id: the chat's state} for the chat tickets among `ticket_ids`. One query."""
    return dict(
        Chat.objects.filter(ticket_id__in=list(ticket_ids)).values_list("ticket_id", "state")
    )


def chat_for_ticket(*, ticket) -> Chat | None:
    return Chat.objects.select_related("agent").filter(ticket=ticket).first()
