"""`core.cache.FallbackRedisCache`: Redis while it answers, the process's memory while it does not."""

import logging
from unittest import mock

import pytest
import redis
from django.core.cache.backends.redis import RedisCacheClient

from prakerja.core import cache as fallback_cache
from prakerja.core.cache import FallbackRedisCache

DOWN_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _no_outage_state():
    fallback_cache._down_until.clear()
    yield
    fallback_cache._down_until.clear()


def backend(url: str) -> FallbackRedisCache:
    return FallbackRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 0.5}})


def test_every_operation_falls_back_to_process_memory():
    cache = backend(DOWN_URL)
    cache.clear()
    assert cache.get("k") is None
    assert cache.add("k", 1, timeout=60) is True
    assert cache.add("k", 1, timeout=60) is False
    assert cache.incr("k") == 2
    assert cache.get_or_set("loaded", lambda: "from the database", 60) == "from the database"
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
    cache.delete("a")
    assert not cache.has_key("a")
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")
    with pytest.raises(redis.ConnectionError):
        cache.ping()


def test_the_memory_is_shared_by_the_threads_of_a_process():
    """Django builds one cache object per thread: rate-limit counters must still add up."""
    one, other = backend(DOWN_URL), backend(DOWN_URL)
    one.clear()
    one.add("count", 1, timeout=60)
    assert other.incr("count") == 2


def test_after_a_failure_redis_is_not_asked_again_for_a_while():
    cache = backend(DOWN_URL)
    with mock.patch.object(
        RedisCacheClient, "get", autospec=True, side_effect=redis.ConnectionError("refused")
    ) as redis_get:
        for _ in range(5):
            cache.get("k")
    assert redis_get.call_count == 1


@pytest.mark.redis
def test_redis_is_used_while_it_answers_and_again_once_it_is_back(redis_url, caplog):
    cache = backend(redis_url)
    cache.clear()
    cache.set("shared", "in redis", 60)
    assert redis.Redis.from_url(redis_url).exists(cache.make_key("shared"))

    with caplog.at_level(logging.WARNING, logger="prakerja.core.cache"):
        # An outage: the next reads miss (the value lives in Redis, not in process memory).
        with mock.patch.object(
            RedisCacheClient, "get", autospec=True, side_effect=redis.TimeoutError("slow")
        ):
            assert cache.get("shared") is None
        assert cache.get("shared") is None  # still within the retry pause
        cache.ping()  # /readyz finds Redis back: the pause ends
    assert [r.message for r in caplog.records] == [
        "cache.redis_unavailable",
        "cache.redis_recovered",
    ]
    assert cache.get("shared") == "in redis"
    cache.clear()


def test_a_counter_counts_in_process_memory_while_redis_is_down():
    cache = backend(DOWN_URL)
    cache.clear()
    assert [cache.hits([("hits", 60)]) for _ in range(3)] == [[1], [2], [3]]
    assert backend(DOWN_URL).hits([("hits", 60), ("other", 60)]) == [4, 1]  # another thread's


def test_counter_hits_without_redis_count_in_the_default_cache():
    fallback_cache.caches["default"].clear()
    counts = [fallback_cache.counter_hits([("a", 60), ("b", 60)]) for _ in range(2)]
    assert counts == [[1, 1], [2, 2]]


@pytest.mark.redis
def test_counters_in_redis_are_shared_expire_and_cost_one_command(redis_url):
    one, other = backend(redis_url), backend(redis_url)
    one.clear()
    redis.Redis.from_url(redis_url).script_flush()  # as on a new primary: the script is resent
    sent = []
    execute = redis.Redis.execute_command
    with (
        mock.patch.object(
            redis.Redis,
            "execute_command",
            autospec=True,
            side_effect=lambda *a, **kw: sent.append(a[1]) or execute(*a, **kw),
        ),
    ):
        counts = [
            one.hits([("hits", 30)]),
            other.hits([("hits", 30), ("more", 90)]),
            other.hits([("more", 90)]),
        ]
    assert counts == [[1], [2, 1], [2]]
    # The first call finds the script missing and loads it; after that, one command per call.
    assert sent == ["EVALSHA", "SCRIPT LOAD", "EVALSHA", "EVALSHA", "EVALSHA"]
    assert (one.get("hits"), one.get("more")) == (2, 2)
    assert 0 < redis.Redis.from_url(redis_url).ttl(one.make_key("hits")) <= 30
    assert 30 < redis.Redis.from_url(redis_url).ttl(one.make_key("more")) <= 90
    one.clear()


@pytest.mark.redis
def test_one_redis_client_serves_every_operation(redis_url):
    """Django would build a client per operation, which costs more CPU than the command."""
    cache = backend(redis_url)
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_get_many_or_set_loads_only_what_is_missing():
    fallback_cache.caches["default"].clear()
    loads = []

    def loader(value):
        return lambda: loads.append(value) or value

    fallback_cache.cache.set("here", "cached", 60)
    first = fallback_cache.get_many_or_set({"here": (loader("x"), 60), "gone": (loader("y"), 60)})
    again = fallback_cache.get_many_or_set({"here": (loader("x"), 60), "gone": (loader("z"), 60)})
    assert (first, again, loads) == ({"here": "cached", "gone": "y"}, first, ["y"])
