"""Queue metrics of the live channels (phone and chat), read from the calls and chats tables.

Definitions (also on the report page):
- Offered: incoming calls that rang while the contact center was open and have ended or been
  answered; chats that joined the queue (not those solved by an article or left as a message).
- Answered within target: picked up by an agent within REPORTS_ANSWER_TARGET_SECONDS of ringing /
  queueing (phone 20 s, chat 60 s by default).
- Service level = answered within target / offered. Average speed of answer = seconds waited by
  answered contacts / answered. Abandonment rate = abandoned / offered: the caller hung up while
  ringing, or the chat ended while still queued.
- Deflection rate = chats solved by an article / chats started.
Every contact counts on the WIB date it rang or was started.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate

from prakerja.core.clock import JAKARTA
from prakerja.livechat.models import Chat, ChatState
from prakerja.telephony.models import Call, CallOutcome, Direction

from .definitions import local_day_bounds, percentage

LIVE_CHANNELS = ("phone", "chat")
COUNTS = ("started", "offered", "answered", "answered_in_target", "answer_seconds", "abandoned")


def answer_target(channel: str) -> dt.timedelta:
    return dt.timedelta(seconds=settings.REPORTS_ANSWER_TARGET_SECONDS[channel])


def _seconds(total: dt.timedelta | int | None) -> int:
    if total is None:
        return 0
    return int(total.total_seconds()) if isinstance(total, dt.timedelta) else int(total)


def _call_rows(lo: dt.datetime, hi: dt.datetime) -> list[dict]:
    answered = Q(outcome=CallOutcome.ANSWERED)
    rows = (
        Call.objects.filter(
            direction=Direction.IN,
            manual=False,
            ringing_at__gte=lo,
            ringing_at__lt=hi,
            outcome__in=[CallOutcome.ANSWERED, CallOutcome.ABANDONED, CallOutcome.MISSED],
        )
        .annotate(local_date=TruncDate("ringing_at", tzinfo=JAKARTA))
        .values("local_date")
        .annotate(
            offered=Count("pk"),
            answered=Count("pk", filter=answered),
            answered_in_target=Count(
                "pk",
                filter=answered & Q(waiting_seconds__lte=answer_target("phone").total_seconds()),
            ),
            answer_seconds=Sum("waiting_seconds", filter=answered),
            abandoned=Count("pk", filter=Q(outcome=CallOutcome.ABANDONED)),
        )
        .order_by()
    )
    return [
        {
            **row,
            "channel": "phone",
            "started": row["offered"],
            "answer_seconds": _seconds(row["answer_seconds"]),
        }
        for row in rows
    ]


def _chat_rows(lo: dt.datetime, hi: dt.datetime) -> list[dict]:
    queued = Q(queued_at__isnull=False)
    answered = queued & Q(assigned_at__isnull=False)
    waited = ExpressionWrapper(F("assigned_at") - F("queued_at"), output_field=DurationField())
    rows = (
        Chat.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .annotate(local_date=TruncDate("created_at", tzinfo=JAKARTA))
        .values("local_date")
        .annotate(
            started=Count("pk"),
            offered=Count("pk", filter=queued & ~Q(state=ChatState.OFFLINE)),
            answered=Count("pk", filter=answered),
            answered_in_target=Count(
                "pk",
                filter=answered & Q(assigned_at__lte=F("queued_at") + answer_target("chat")),
            ),
            answer_seconds=Sum(waited, filter=answered),
            abandoned=Count(
                "pk", filter=queued & Q(assigned_at__isnull=True, state=ChatState.ENDED)
            ),
        )
        .order_by()
    )
    return [
        {**row, "channel": "chat", "answer_seconds": _seconds(row["answer_seconds"])}
        for row in rows
    ]


def contact_day_rows(start: dt.date, end: dt.date) -> list[dict]:
    """Per (WIB date, channel) counts for [start, end], computed from the raw tables."""
    lo, hi = local_day_bounds(start, end)
    return _call_rows(lo, hi) + _chat_rows(lo, hi)


def live_days(today: dt.date) -> tuple[dt.date, dt.date]:
    """The most recent days, read live because late events may still change them; the scheduler
    rewrites their rollup rows, and older days are read from the rollup."""
    return today - dt.timedelta(days=LIVE_DAYS - 1), today


LIVE_DAYS = 3


def metrics(counts: dict) -> dict:
    """Rates from summed counts of one channel (None where nothing was offered or answered)."""
    answered = counts.get("answered", 0)
    offered = counts.get("offered", 0)
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": counts.get("abandoned", 0),
        "average_speed_of_answer": round(counts.get("answer_seconds", 0) / answered, 1)
        if answered
        else None,
        "abandonment_rate": percentage(counts.get("abandoned", 0), offered),
        "service_level": percentage(counts.get("answered_in_target", 0), offered),
    }
