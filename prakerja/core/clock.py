"""The one place the platform reads the time.

Schedules (switches, waves, hours) are evaluated at request time against `now()`. A PMO preview
sets an override for one request (`preview_at`), so every schedule renders as it will at that time.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from django.utils import timezone

JAKARTA = ZoneInfo("Asia/Jakarta")
_override: ContextVar[dt.datetime | None] = ContextVar("clock_override", default=None)


def now() -> dt.datetime:
    """The current aware time, or the preview time when one is set for this context."""
    return _override.get() or timezone.now()


def local_now() -> dt.datetime:
    return now().astimezone(JAKARTA)


def to_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(JAKARTA)


def local_datetime(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """An aware datetime on the Asia/Jakarta wall clock (WIB)."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA)


@contextlib.contextmanager
def preview_at(moment: dt.datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("preview_at needs an aware datetime")
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)


def is_preview() -> bool:
    return _override.get() is not None
