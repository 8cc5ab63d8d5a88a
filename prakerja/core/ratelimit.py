"""Fixed-window rate limits in the shared cache (Redis in production).

`rate_limit(key="signup:ip:1.2.3.4", limit=5, period=60)` raises `RateLimited` with the seconds
until the window ends. Windows are aligned to the clock so every process agrees.
"""

import time

from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited


def rate_limit(*, key: str, limit: int, period: int, message=None) -> None:
    now = int(time.time())
    window = now - now % period
    cache_key = f"rl:{key}:{window}"
    # add() is atomic: it sets only if absent; incr() is atomic in Redis and LocMem.
    if cache.add(cache_key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=period + 1)
            count = 1
    if count > limit:
        raise RateLimited(retry_after=window + period - now, message=message)


def client_ip(request) -> str:
    """The client address; behind the load balancer the first X-Forwarded-For hop is trusted
    only when TRUST_X_FORWARDED_FOR is on."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"
