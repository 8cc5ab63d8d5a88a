"""Fixed-window rate limits in the shared cache (Redis in production).

`rate_limit(key="signup:ip:1.2.3.4", limit=5, period=60)` raises `RateLimited` with the seconds
until the window ends; `rate_limits(limits=[Limit(...), ...])` counts several in one round trip.
Windows are aligned to the clock so every process agrees.
"""

import time
from dataclasses import dataclass

from django.conf import settings

from .cache import counter_hits
from .errors import RateLimited


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int
    period: int


def rate_limit(*, key: str, limit: int, period: int, message=None) -> None:
    rate_limits(limits=[Limit(key=key, limit=limit, period=period)], message=message)


def rate_limits(*, limits: list[Limit], message=None) -> None:
    """Count the request against every limit at once (one round trip to Redis), then raise
    `RateLimited` for the first one it goes over."""
    now = int(time.time())
    windows = [now - now % limit.period for limit in limits]
    keys = [f"rl:{limit.key}:{window}" for limit, window in zip(limits, windows, strict=True)]
    counts = counter_hits(
        [(key, limit.period + 1) for key, limit in zip(keys, limits, strict=True)]
    )
    for limit, window, count in zip(limits, windows, counts, strict=True):
        if count > limit.limit:
            raise RateLimited(retry_after=window + limit.period - now, message=message)


def client_ip(request) -> str:
    """The client's address, the one every per-address limit keys on.

    With `NUM_PROXIES` = N trusted proxies in front, each appending the address it saw to
    X-Forwarded-For, the client is the N-th address from the right: the proxies wrote those,
    anything further left came from the client and may be forged. With 0 (no proxy) the header
    is ignored. A request carrying fewer addresses than proxies did not pass them all, so its
    header proves nothing and the connection's address is used."""
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
