"""Small settings read on every request (complaint categories, SLA targets, opening hours),
kept in the shared cache and, in front of it, for a few seconds in the process itself.

Intake reads them for every ticket: from the shared cache alone that was a Redis round trip and
an unpickle each, several per request. A change saved in the back office is forgotten at once
in the process that saved it and in the shared cache; other processes see it within
`LOCAL_SECONDS`.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")
LOCAL_SECONDS = 5.0
_local: dict[str, tuple[float, object]] = {}


def setting_cached(key: str, load: Callable[[], T], *, seconds: int = 60) -> T:
    """The value under `key`: from this process (for `LOCAL_SECONDS`), else the shared cache
    (for `seconds`), else `load()`."""
    now = time.monotonic()
    hit = _local.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[return-value]
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, seconds)
    _local[key] = (now + LOCAL_SECONDS, value)
    return value


def setting_forget(key: str | None = None) -> None:
    """Drop `key` here and from the shared cache; with no key, every key of this process
    (the shared cache is left alone)."""
    if key is None:
        _local.clear()
        return
    _local.pop(key, None)
    cache.delete(key)
