"""The shared cache keeps the site up when Redis is not (`CACHES` in config/settings/base.py).

`FallbackRedisCache` is Django's `RedisCache`; when Redis cannot be reached (refused, timed out,
read-only after a failover) each operation runs on a cache in the process's own memory instead,
and Redis is left alone for `RETRY_SECONDS` before the next try, so an outage costs one short
time-out per process every few seconds, not one per request. What that means for the callers
(docs/adr/0034-redis-outage-degrades-to-process-memory.md):

- Cached settings and switch schedules miss and are read from the database, then kept in the
  process for their usual few seconds.
- Rate limits and the sign-up waiting room count per process, as they do without `REDIS_URL`: a
  limit of 5 per address becomes 5 per address per process. They neither stop counting (fail
  open) nor refuse everyone (fail closed).
- An invalidation (a PMO edit) reaches only the process that made it; other processes see the
  change when their copy expires (5 s for switches, 60 s for categories, SLA targets, hours).

`ping()` asks Redis itself, bypassing the fallback: `/readyz` reports "degraded" with it.
`shared_cache_unavailable()` tells other parts (live chat, whose channel layer is the same Redis).

Every request goes through here, so round trips are counted (docs/adr/0045-intake-cpu.md): one
`redis.Redis` per pool, counters (`counter_hits`) and several reads (`get_many_or_set`) in one
round trip each.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError)
RETRY_SECONDS = 5.0

# Django builds one cache object per thread: the outage state is per process and per server.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()


# Each counter (KEYS[i]) gains one; a new one lives ARGV[i] seconds. Atomic: Redis runs a script
# alone, so no counter is left without its expiry. Sent by its SHA (redis-py loads it again after
# a NOSCRIPT, as on a new primary).
COUNTER_HITS_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client with one `redis.Redis` per connection pool, shared by every operation
    and thread (redis-py's client is thread-safe): Django builds a new one per operation, and
    building one (its table of ~170 response callbacks) cost more CPU than the command it sent
    (0.25 ms)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._server_key = str(server)
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        # LocMemCache keeps its data in a module-level dict by name: every thread shares it.
        self._local = LocMemCache(f"redis-fallback:{self._server_key}", local_params)
        self._counter_script = None

    def _down(self) -> bool:
        return _down_until.get(self._server_key, 0.0) > time.monotonic()

    def _failed(self, exc: Exception) -> None:
        with _state_lock:
            was_down = self._server_key in _down_until
            _down_until[self._server_key] = time.monotonic() + RETRY_SECONDS
        if not was_down:
            logger.warning(
                "cache.redis_unavailable",
                extra={"error": exc.__class__.__name__, "retry_seconds": RETRY_SECONDS},
            )

    def _recovered(self) -> None:
        with _state_lock:
            was_down = _down_until.pop(self._server_key, None) is not None
        if was_down:
            logger.warning("cache.redis_recovered")

    def _either(self, on_redis, on_local):
        if not self._down():
            try:
                result = on_redis()
            except UNAVAILABLE as exc:
                self._failed(exc)
            else:
                if self._server_key in _down_until:
                    self._recovered()
                return result
        return on_local()

    def _call(self, name: str, *args, **kwargs):
        return self._either(
            lambda: getattr(super(FallbackRedisCache, self), name)(*args, **kwargs),
            lambda: getattr(self._local, name)(*args, **kwargs),
        )

    def hits(self, counters: list[tuple[str, int]]) -> list[int]:
        """`counter_hits` in one command: `COUNTER_HITS_SCRIPT` (Django's add() then incr() is
        three: SET NX, EXISTS, INCR; a MULTI of SET NX and INCR per counter cost a third more
        CPU than the script)."""

        def on_redis() -> list[int]:
            if self._counter_script is None:
                client = self._cache.get_client(write=True)
                self._counter_script = client.register_script(COUNTER_HITS_SCRIPT)
            return self._counter_script(
                keys=[self.make_and_validate_key(key) for key, _timeout in counters],
                args=[timeout for _key, timeout in counters],
            )

        return self._either(
            on_redis, lambda: [_add_or_incr(self._local, key, t) for key, t in counters]
        )

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self._local.clear()
        return self._call("clear")

    def ping(self) -> None:
        """Raise unless Redis itself answers (never the process-memory fallback)."""
        try:
            self._cache.get_client(write=True).ping()
        except UNAVAILABLE as exc:
            self._failed(exc)
            raise
        self._recovered()


def shared_cache_unavailable() -> bool:
    """True while this process finds the shared cache's Redis out of reach (fresh within
    `RETRY_SECONDS`, since nearly every request reads the cache)."""
    backend = caches["default"]
    return isinstance(backend, FallbackRedisCache) and backend._down()


def counter_hits(counters: list[tuple[str, int]]) -> list[int]:
    """Add one to each counter, given as (key, timeout), in the default cache and return their
    new counts; a counter that does not exist starts at 1 and lives `timeout` seconds. Atomic
    across processes (rate limits, the sign-up waiting room); one round trip to Redis for all."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, FallbackRedisCache):
        return backend.hits(counters)
    return [_add_or_incr(backend, key, timeout) for key, timeout in counters]


def _add_or_incr(backend, key: str, timeout: int) -> int:
    # add() sets only if absent and incr() adds to what exists, each atomic in every backend.
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between add() and incr()
        backend.add(key, 1, timeout=timeout)
        return 1


def get_many_or_set(loaders: dict[str, tuple[Callable[[], Any], int]]) -> dict[str, Any]:
    """`cache.get_or_set` of several keys, each given as key: (loader, timeout), in one round
    trip to the default cache when all are there; a missing one is loaded and added."""
    found = cache.get_many(list(loaders))
    for key, (load, timeout) in loaders.items():
        if key not in found:
            value = load()
            cache.add(key, value, timeout)
            found[key] = value
    return found
