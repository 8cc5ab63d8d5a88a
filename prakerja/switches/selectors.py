"""Switch state, computed at request time from the schedule (`clock.now()`, so a PMO preview
shows the switches as they will be)."""

import dataclasses
import datetime as dt
import hashlib
import json

from django.core.cache import cache

from prakerja.core import clock

from .models import Switch, SwitchName


@dataclasses.dataclass(frozen=True)
class SwitchState:
    name: str
    active: bool
    message: str | None
    active_until: dt.datetime | None
    next_change_at: dt.datetime | None

    def as_dict(self) -> dict:
        return {
            "active": self.active,
            "message": self.message,
            "active_until": self.active_until.isoformat() if self.active_until else None,
            "next_change_at": self.next_change_at.isoformat() if self.next_change_at else None,
        }


Window = tuple[dt.datetime | None, dt.datetime | None]


def _merged(windows: list[Window]) -> list[Window]:
    """Windows sorted and joined where they touch, so [a,b) + [b,c) is one block [a,c)."""
    ordered = sorted(
        windows, key=lambda w: (w[0] is not None, w[0] or dt.datetime.min.replace(tzinfo=dt.UTC))
    )
    merged: list[Window] = []
    for start, end in ordered:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                continue
            if start is None or start <= last_end:
                new_end = None if end is None else max(last_end, end)
                merged[-1] = (last_start, new_end)
                continue
        merged.append((start, end))
    return merged


def evaluate_schedule(
    *, windows: list[Window], override: str, at: dt.datetime
) -> tuple[bool, dt.datetime | None, dt.datetime | None]:
    """(active, active_until, next_change_at) of a schedule at `at`. Windows are half-open:
    active from `active_from` inclusive until `active_until` exclusive, so with a window ending at
    23:59:00 a request at 23:58:59 is inside and one at 23:59:00 is not. An override pins the state
    and leaves no scheduled change."""
    if override == "on":
        return True, None, None
    if override == "off":
        return False, None, None
    for start, end in _merged(windows):
        if (start is None or start <= at) and (end is None or at < end):
            return True, end, end
        if start is not None and at < start:
            return False, None, start
    return False, None, None


def schedule_changes(
    *, windows: list[Window], override: str, start: dt.datetime, limit: int = 20
) -> list[tuple[dt.datetime, bool]]:
    """The moments after `start` at which the schedule turns on or off, each with the state it
    turns to, in order (at most `limit`): what a PMO confirms before saving a schedule."""
    changes: list[tuple[dt.datetime, bool]] = []
    _active, _until, upcoming = evaluate_schedule(windows=windows, override=override, at=start)
    while upcoming is not None and len(changes) < limit:
        active, _until, following = evaluate_schedule(
            windows=windows, override=override, at=upcoming
        )
        changes.append((upcoming, active))
        upcoming = following
    return changes


def switch_windows(name: str) -> tuple[str, str, list[Window]]:
    """(override, message, windows) of a switch as stored (cached as `switch_state` reads it)."""
    return _cached_schedules().get(name) or ("", "", [(None, None)])


def switch_on_periods(
    name: str, *, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The periods within [start, end) in which the switch is on (an override counts)."""
    override, _message, windows = switch_windows(name)
    if override == "on":
        return [(start, end)]
    if override == "off":
        return []
    periods = []
    for window_start, window_end in _merged(windows):
        clipped = (max(window_start or start, start), min(window_end or end, end))
        if clipped[0] < clipped[1]:
            periods.append(clipped)
    return periods


SCHEDULE_CACHE_SECONDS = 5
SCHEDULES_CACHE_KEY = "switches:schedules"


def _cached_schedules() -> dict[str, tuple[str, str, list[Window]]]:
    """{name: (override, message, windows)} of every switch, from the shared cache for a few
    seconds, loaded in two queries.

    Only the schedules are cached, never the on/off answer: the state is still computed from
    `clock.now()` on every request, so a scheduled change happens at its exact second. A PMO edit
    clears the key (`forget_schedules`)."""
    cached = cache.get(SCHEDULES_CACHE_KEY)
    if cached is None:
        cached = {
            switch.name: (
                switch.override,
                switch.message,
                [(w.active_from, w.active_until) for w in switch.windows.all()],
            )
            for switch in Switch.objects.prefetch_related("windows")
        }
        cache.set(SCHEDULES_CACHE_KEY, cached, SCHEDULE_CACHE_SECONDS)
    return cached


def forget_schedules() -> None:
    cache.delete(SCHEDULES_CACHE_KEY)


def _state(name: str, schedule, at: dt.datetime) -> SwitchState:
    if schedule is None:  # a switch with no row is on: nothing scheduled
        return SwitchState(name, True, None, None, None)
    override, message, windows = schedule
    active, until, next_change = evaluate_schedule(windows=windows, override=override, at=at)
    return SwitchState(
        name=name,
        active=active,
        message=None if active else (message or None),
        active_until=until,
        next_change_at=next_change,
    )


def switch_state(name: str, *, at: dt.datetime | None = None) -> SwitchState:
    """The state of one switch now (or at `at`)."""
    return _state(name, _cached_schedules().get(name), at or clock.now())


def all_switch_states(*, at: dt.datetime | None = None) -> dict[str, SwitchState]:
    """Every switch's state now (or at `at`), from one read of the schedules."""
    at = at or clock.now()
    schedules = _cached_schedules()
    return {name: _state(name, schedules.get(name), at) for name in SwitchName.values}


def switch_schedule(*, switch: Switch) -> dict:
    """The stored schedule, as the API and the audit log show it."""
    return {
        "windows": [
            {
                "active_from": w.active_from.isoformat() if w.active_from else None,
                "active_until": w.active_until.isoformat() if w.active_until else None,
            }
            for w in switch.windows.all()
        ],
        "override": switch.override or None,
        "message": switch.message,
    }


def switch_fingerprint(name: str) -> str:
    """A digest of the switch's stored schedule, read from the database (not the cache): a PMO's
    confirmation carries the one they reviewed, so a change made meanwhile is not overwritten
    unseen."""
    switch = Switch.objects.prefetch_related("windows").filter(name=name).first()
    schedule = switch_schedule(switch=switch) if switch else None
    return hashlib.sha256(json.dumps(schedule, sort_keys=True).encode()).hexdigest()[:32]
