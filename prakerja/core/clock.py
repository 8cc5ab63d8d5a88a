"""The one place the platform reads the time.

Schedules (switches, waves, hours) are evaluated at request time against `now()`. A PMO preview
sets an override for one request (`preview_at`), so every schedule renders as it will at that time.
A preview is read-only: while it is set, the database refuses every write (`PreviewReadOnly`), so
no service, admin action or command can store anything decided at a fake time.
"""

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils import timezone

from .errors import PreviewReadOnly

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


_WRITE_STATEMENT = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE
)


def _refuse_writes(execute, sql, params, many, context):
    if _WRITE_STATEMENT.match(sql):
        raise PreviewReadOnly()
    return execute(sql, params, many, context)


@contextlib.contextmanager
def preview_at(moment: dt.datetime) -> Iterator[None]:
    """Evaluate every schedule at `moment` inside the block, read-only: any database write in it
    raises `PreviewReadOnly` (and rolls back the caller's transaction)."""
    if timezone.is_naive(moment):
        raise ValueError("preview_at needs an aware datetime")
    token = _override.set(moment)
    try:
        with contextlib.ExitStack() as guards:
            for alias in connections:
                guards.enter_context(connections[alias].execute_wrapper(_refuse_writes))
            yield
    finally:
        _override.reset(token)


def is_preview() -> bool:
    return _override.get() is not None
