"""Staffing planner: how many agents each interval of a day needs, by Erlang C.

Erlang C models a queue that callers wait in (phone, live chat): arrivals at random (Poisson), a
mean handling time, N agents. With traffic A = arrivals x handling time / interval length (in
Erlangs), the probability that a contact waits is C(N, A), and the share answered within t seconds
is 1 - C(N, A) x exp(-(N - A) t / AHT). The planner finds the smallest N that meets the target.
Chat agents serve several chats at once, so a chat occupies 1/concurrency of an agent: the usual
approximation divides the handling time by the concurrency.

Arrivals come from the hourly rollups (live tickets and imported history alike): a past date's
actual counts, or for today and later the mean of the same weekday in the last four weeks.
"""

import dataclasses
import datetime as dt
import math

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import ValidationFailed
from prakerja.helpdesk.selectors import roster_by_shift

from .models import HourlyRollup

FORECAST_WEEKS = 4
# Erlang C fits the channels where contacts wait in a queue for an agent.
CHANNELS = ("phone", "chat")
# A plan is for the contact center's history or the coming year: long ago the time zone's old
# local mean time (+07:07:12) is no RFC 3339 offset, and there is nothing to plan.
EARLIEST = dt.date(2000, 1, 1)
DAYS_AHEAD = 366


def erlang_c(*, traffic: float, agents: int) -> float:
    """Probability that a contact waits, for `traffic` Erlangs offered to `agents` agents. Built
    from the Erlang B recurrence, which stays stable for large traffic (no factorials)."""
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(
    *, traffic: float, agents: int, aht_seconds: float, answer_seconds: float
) -> float:
    """Share of contacts answered within `answer_seconds`."""
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(traffic=traffic, agents=agents)
    return 1 - waiting * math.exp(-(agents - traffic) * answer_seconds / aht_seconds)


def agents_required(
    *,
    arrivals: float,
    interval_seconds: int,
    aht_seconds: float,
    target: float,
    answer_seconds: float,
) -> int:
    """The smallest whole number of agents whose service level meets `target` (0 for no arrivals)."""
    if arrivals <= 0:
        return 0
    traffic = arrivals * aht_seconds / interval_seconds
    agents = math.floor(traffic) + 1
    while (
        service_level(
            traffic=traffic, agents=agents, aht_seconds=aht_seconds, answer_seconds=answer_seconds
        )
        < target
    ):
        agents += 1
    return agents


@dataclasses.dataclass(frozen=True)
class Interval:
    start: dt.datetime
    arrivals: float
    required_agents: int
    rostered_agents: int


@dataclasses.dataclass(frozen=True)
class Plan:
    forecast: bool  # arrivals are the same weekday's recent mean, not the day's own
    intervals: list[Interval]


def _hourly_arrivals(*, dates: list[dt.date], channel: str) -> dict[int, float]:
    """Mean arrivals per WIB hour over `dates` (days without any row count as zero)."""
    rows = (
        HourlyRollup.objects.filter(local_date__in=dates, channel=channel)
        .values("hour")
        .annotate(tickets=Sum("tickets"))
    )
    return {row["hour"]: row["tickets"] / len(dates) for row in rows}


def arrival_dates(*, date: dt.date, today: dt.date) -> list[dt.date]:
    """The days whose arrivals stand for `date`: itself once it is over, else the same weekday
    of the last FORECAST_WEEKS weeks before today."""
    if date < today:
        return [date]
    weeks_back = (date - today).days // 7 + 1  # the latest such weekday before today
    return [date - dt.timedelta(weeks=weeks_back + k) for k in range(FORECAST_WEEKS)]


def staffing_plan(
    *,
    date: dt.date,
    channel: str,
    aht_seconds: int,
    target: float,
    answer_seconds: int,
    interval_minutes: int,
    concurrency: int = 1,
) -> Plan:
    """The day's intervals (WIB, from midnight) with arrivals, agents required and rostered.
    `interval_minutes` is a whole number of hours dividing the day, since history is kept per
    hour. Rostered agents are those whose shift covers the interval's start."""
    today = clock.local_now().date()
    dates = arrival_dates(date=date, today=today)
    hourly = _hourly_arrivals(dates=dates, channel=channel)
    shifts = roster_by_shift(date=date)
    hours_per_interval = interval_minutes // 60
    intervals = []
    for first_hour in range(0, 24, hours_per_interval):
        start = clock.local_datetime(date.year, date.month, date.day, first_hour)
        arrivals = sum(
            hourly.get(h, 0.0) for h in range(first_hour, first_hour + hours_per_interval)
        )
        intervals.append(
            Interval(
                start=start,
                arrivals=round(arrivals, 1),
                required_agents=agents_required(
                    arrivals=arrivals,
                    interval_seconds=interval_minutes * 60,
                    aht_seconds=aht_seconds / concurrency,
                    target=target,
                    answer_seconds=answer_seconds,
                ),
                rostered_agents=sum(
                    agents for starts, ends, agents in shifts if starts <= start.time() < ends
                ),
            )
        )
    return Plan(forecast=date >= today, intervals=intervals)


def plan_for(
    *,
    date: dt.date,
    channel: str,
    aht_seconds: int,
    target: float,
    answer_seconds: int,
    interval_minutes: int,
    concurrency: int | None = None,
) -> Plan:
    """`staffing_plan` for a request (the API and the page): refuses a date before 2000 or more
    than a year ahead, a channel without a queue or an interval that is not whole hours dividing
    the day (ValidationFailed); chat's concurrency
    defaults to LIVECHAT_MAX_CHATS_PER_AGENT, phone's to one call."""
    errors = {}
    if not EARLIEST <= date <= clock.local_now().date() + dt.timedelta(days=DAYS_AHEAD):
        errors["date"] = [_("Staffing is planned from 2000 up to a year from today.")]
    if channel not in CHANNELS:
        errors["channel"] = [_("Staffing is planned for the phone and chat channels.")]
    if interval_minutes <= 0 or interval_minutes % 60 or 1440 % interval_minutes:
        errors["interval_minutes"] = [
            _("The interval must be a whole number of hours that divides the day.")
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    if concurrency is None:
        concurrency = settings.LIVECHAT_MAX_CHATS_PER_AGENT if channel == "chat" else 1
    return staffing_plan(
        date=date,
        channel=channel,
        aht_seconds=aht_seconds,
        target=target,
        answer_seconds=answer_seconds,
        interval_minutes=interval_minutes,
        concurrency=concurrency,
    )
