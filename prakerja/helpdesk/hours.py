"""Operating hours: the weekly schedule plus dated exceptions, on the Asia/Jakarta wall clock.

The functions are pure over a `Schedule`; without one they use the configured schedule (the
`WeeklyHours` and `HoursException` rows, kept in the shared cache; the services that change
them drop it on commit). A weekday with no row uses the default 08:00-20:00, so an empty
table means "open 08:00-20:00 every day" as the program runs.
SLA clocks count business seconds only: the time inside these windows.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache

from prakerja.core.clock import JAKARTA

DEFAULT_OPENS = dt.time(8, 0)
DEFAULT_CLOSES = dt.time(20, 0)
CACHE_KEY = "helpdesk:hours:schedule:v1"
CACHE_SECONDS = 60
# How far ahead next_open_at / add_business_seconds search before giving up (a schedule that is
# closed for longer than this is treated as "never opens").
SEARCH_DAYS = 400

Window = tuple[dt.time, dt.time] | None


@dataclass(frozen=True)
class Schedule:
    weekly: dict[int, Window] = field(
        default_factory=lambda: dict.fromkeys(range(7), (DEFAULT_OPENS, DEFAULT_CLOSES))
    )
    exceptions: dict[dt.date, Window] = field(default_factory=dict)

    def window_for(self, day: dt.date) -> Window:
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly.get(day.weekday(), (DEFAULT_OPENS, DEFAULT_CLOSES))

    def interval(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        window = self.window_for(day)
        if window is None:
            return None
        opens, closes = window
        return (
            dt.datetime.combine(day, opens, tzinfo=JAKARTA),
            dt.datetime.combine(day, closes, tzinfo=JAKARTA),
        )


def load_schedule() -> Schedule:
    """Read the configured schedule from the database (no cache)."""
    from .models import HoursException, WeeklyHours

    weekly: dict[int, Window] = dict.fromkeys(range(7), (DEFAULT_OPENS, DEFAULT_CLOSES))
    for row in WeeklyHours.objects.all():
        weekly[row.weekday] = None if row.is_closed else (row.opens_at, row.closes_at)
    from prakerja.core import clock

    today = clock.local_now().date()
    exceptions: dict[dt.date, Window] = {}
    # Past exceptions do not matter for "now"; SLA math over old tickets uses a year's margin.
    for row in HoursException.objects.filter(date__gte=today - dt.timedelta(days=366)):
        exceptions[row.date] = None if row.is_closed else (row.opens_at, row.closes_at)
    return Schedule(weekly=weekly, exceptions=exceptions)


def current_schedule() -> Schedule:
    return cache.get_or_set(CACHE_KEY, load_schedule, CACHE_SECONDS)


def invalidate_schedule() -> None:
    """Drop the cached schedule: the next read loads the rows (`services.weekly_hours_save`,
    `hours_exception_save` call it on commit)."""
    cache.delete(CACHE_KEY)


def _local(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("hours functions need an aware datetime")
    return at.astimezone(JAKARTA)


def is_open(at: dt.datetime, *, schedule: Schedule | None = None) -> bool:
    schedule = schedule or current_schedule()
    local = _local(at)
    interval = schedule.interval(local.date())
    return interval is not None and interval[0] <= local < interval[1]


def closes_at(at: dt.datetime, *, schedule: Schedule | None = None) -> dt.datetime | None:
    """When the current opening ends, or None when closed at `at`."""
    schedule = schedule or current_schedule()
    local = _local(at)
    interval = schedule.interval(local.date())
    if interval is not None and interval[0] <= local < interval[1]:
        return interval[1]
    return None


def next_open_at(at: dt.datetime, *, schedule: Schedule | None = None) -> dt.datetime | None:
    """`at` itself when open, else the start of the next opening (None if none within a year)."""
    schedule = schedule or current_schedule()
    local = _local(at)
    for offset in range(SEARCH_DAYS):
        interval = schedule.interval(local.date() + dt.timedelta(days=offset))
        if interval is None or interval[1] <= local:
            continue
        return max(interval[0], local)
    return None


def business_seconds_between(
    start: dt.datetime, end: dt.datetime, *, schedule: Schedule | None = None
) -> int:
    """Seconds of opening time in [start, end); 0 when end <= start."""
    schedule = schedule or current_schedule()
    start, end = _local(start), _local(end)
    if end <= start:
        return 0
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        interval = schedule.interval(day)
        if interval is not None:
            lo, hi = max(interval[0], start), min(interval[1], end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total // dt.timedelta(seconds=1)


def add_business_seconds(
    start: dt.datetime, seconds: int, *, schedule: Schedule | None = None
) -> dt.datetime:
    """The moment `seconds` of opening time after `start` (counting starts at the next opening
    when `start` is outside hours). Raises ValueError if the schedule never opens."""
    schedule = schedule or current_schedule()
    cursor = _local(start)
    remaining = dt.timedelta(seconds=max(0, seconds))
    for offset in range(SEARCH_DAYS * 2):
        interval = schedule.interval(cursor.date() + dt.timedelta(days=offset))
        if interval is None:
            continue
        lo = max(interval[0], cursor)
        if lo >= interval[1]:
            continue
        available = interval[1] - lo
        if remaining <= available:
            return lo + remaining
        remaining -= available
    raise ValueError("the schedule has no opening hours")


def opening_text(*, schedule: Schedule | None = None) -> dict:
    """For the public status block: open now?, closes at, next opening (local times)."""
    from prakerja.core import clock

    schedule = schedule or current_schedule()
    now = clock.now()
    open_now = is_open(now, schedule=schedule)
    return {
        "open_now": open_now,
        "closes_at": closes_at(now, schedule=schedule) if open_now else None,
        "next_open_at": None if open_now else next_open_at(now, schedule=schedule),
    }
