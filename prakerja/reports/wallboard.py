"""The supervisors' wallboard: who is waiting on every channel, the agents, today's queue metrics
(the same figures as the report for today: `selectors.contact_metrics`) and tickets near or past
their SLA due time. A fixed number of queries whatever the traffic."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Min

from prakerja.core import clock
from prakerja.helpdesk.models import Channel, PresenceStatus, Ticket, unassigned_active
from prakerja.helpdesk.selectors import supervisor_board, tickets_sla_at_risk
from prakerja.livechat.models import Chat, ChatAgent, ChatState
from prakerja.telephony.models import Call, CallState, Direction
from prakerja.telephony.selectors import callbacks_open_count

from .contacts import LIVE_CHANNELS
from .selectors import contact_metrics


def _waited(since: dt.datetime | None, at: dt.datetime) -> int | None:
    return None if since is None else max(0, int((at - since).total_seconds()))


def wallboard(*, at: dt.datetime | None = None) -> dict:
    at = at or clock.now()
    today = clock.to_local(at).date()
    chats = Chat.objects.filter(state=ChatState.QUEUED).aggregate(
        n=Count("pk"), oldest=Min("queued_at")
    )
    calls = Call.objects.filter(state=CallState.RINGING, direction=Direction.IN).aggregate(
        n=Count("pk"), oldest=Min("ringing_at")
    )
    # Chats and calls wait in their own queues; the other channels wait as unassigned tickets.
    tickets = {
        row["channel"]: row
        for row in unassigned_active(Ticket.objects.exclude(channel__in=LIVE_CHANNELS))
        .values("channel")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by()
    }
    waiting = [
        {"channel": "chat", "waiting": chats["n"], "longest_wait": _waited(chats["oldest"], at)},
        {
            "channel": "phone",
            "waiting": calls["n"],
            "longest_wait": _waited(calls["oldest"], at),
            "callbacks": callbacks_open_count(),
        },
    ] + [
        {
            "channel": channel,
            "label": Channel(channel).label,
            "waiting": tickets.get(channel, {}).get("n", 0),
            "longest_wait": _waited(tickets.get(channel, {}).get("oldest"), at),
        }
        for channel in sorted({"web", *tickets})
    ]

    board = supervisor_board(at=at)
    ids = [row["user"].pk for row in board["rows"]]
    open_chats = dict(
        Chat.objects.filter(state=ChatState.ACTIVE, agent_id__in=ids)
        .values_list("agent_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    capacity = dict(
        ChatAgent.objects.filter(agent_id__in=ids).values_list("agent_id", "max_concurrent_chats")
    )
    agents = []
    for row in board["rows"]:
        pk = row["user"].pk
        chats_open = open_chats.get(pk, 0)
        chat_capacity = capacity.get(pk, settings.LIVECHAT_MAX_CHATS_PER_AGENT)
        busy = row["status"] == PresenceStatus.ONLINE and (
            chats_open >= chat_capacity or row["load"] >= row["limit"]
        )
        agents.append({**row, "chats": chats_open, "chat_capacity": chat_capacity, "busy": busy})
    counts = {
        status: sum(1 for a in agents if a["status"] == status) for status in PresenceStatus.values
    }
    return {
        "at": clock.to_local(at),
        "waiting": waiting,
        "agents": agents,
        "agent_counts": {
            "on_shift": len(agents),
            "online": counts.get(PresenceStatus.ONLINE, 0),
            "busy": sum(1 for a in agents if a["busy"]),
            "away": counts.get(PresenceStatus.AWAY, 0),
            "offline": counts.get(PresenceStatus.OFFLINE, 0),
        },
        "today": contact_metrics(start=today, end=today),
        "answer_targets": settings.REPORTS_ANSWER_TARGET_SECONDS,
        "sla": tickets_sla_at_risk(
            at=at, within=dt.timedelta(minutes=settings.HELPDESK_SLA_WARN_MINUTES), limit=10
        ),
    }
