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

from prakerja.core import clock
from prakerja.core.clock import JAKARTA

from .models import HoursException, WeeklyHours

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
    weekly: dict[int, Window] = dict.fromkeys(range(7), (DEFAULT_OPENS, DEFAULT_CLOSES))
    for row in WeeklyHours.objects.all():
        weekly[row.weekday] = None if row.is_closed else (row.opens_at, row.closes_at)
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
    """Seconds of opening time in [start, end) (exact to the microsecond, rounded down to whole
    seconds); 0 when end <= start."""
    clock = BusinessClock(schedule or current_schedule(), unit=MICROSECONDS)
    return clock.units_between(_epoch_us(start), _epoch_us(end)) // MICROSECONDS


# Business time on epoch numbers. WIB has no daylight saving: the local day of an epoch second
# is (t + 7 h) // 1 day.
WIB_OFFSET = 7 * 3600
DAY = 86400
MICROSECONDS = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = _EPOCH.date()


def _epoch_us(at: dt.datetime) -> int:
    return (_local(at) - _EPOCH) // dt.timedelta(microseconds=1)


class BusinessClock:
    """Opening time over one schedule between epoch times counted in `unit`ths of a second
    (1: whole seconds, what the report import reads; MICROSECONDS: exact for datetimes). Each
    day's opening window is worked out once, so the report import's millions of intervals cost
    a dict look-up per day each instead of rounds of datetime arithmetic."""

    def __init__(self, schedule: Schedule, *, unit: int = 1):
        self.schedule, self.unit = schedule, unit
        self._offset, self._day = WIB_OFFSET * unit, DAY * unit
        self._windows: dict[int, tuple[int, int] | None] = {}

    def _window(self, day: int) -> tuple[int, int] | None:
        """The opening of day `day` (days since 1970-01-01, WIB) in epoch units, or None."""
        try:
            return self._windows[day]
        except KeyError:
            interval = self.schedule.interval(_EPOCH_DATE + dt.timedelta(days=day))
            window = None
            if interval is not None:
                opens, closes = (_epoch_us(t) * self.unit // MICROSECONDS for t in interval)
                window = (opens, closes)
            self._windows[day] = window
            return window

    def units_between(self, start: int, end: int) -> int:
        """Opening time in [start, end), both epoch times in units; 0 when end <= start."""
        if end <= start:
            return 0
        first, last = (start + self._offset) // self._day, (end + self._offset) // self._day
        if first == last:  # the common case: answered or solved the same day
            window = self._windows.get(first) or self._window(first)
            if window is None:
                return 0
            lo, hi = max(window[0], start), min(window[1], end)
            return hi - lo if hi > lo else 0
        total = 0
        for day in range(first, last + 1):
            window = self._window(day)
            if window is None:
                continue
            lo, hi = max(window[0], start), min(window[1], end)
            if hi > lo:
                total += hi - lo
        return total


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
    schedule = schedule or current_schedule()
    now = clock.now()
    open_now = is_open(now, schedule=schedule)
    return {
        "open_now": open_now,
        "closes_at": closes_at(now, schedule=schedule) if open_now else None,
        "next_open_at": None if open_now else next_open_at(now, schedule=schedule),
    }
