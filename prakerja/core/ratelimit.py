"""Fixed-window rate limits in the shared cache (Redis in production).

`rate_limit(key="signup:ip:1.2.3.4", limit=5, period=60)` raises `RateLimited` with the seconds
until the window ends. Windows are aligned to the clock so every process agrees.
"""

import time

from django.conf import settings

from .cache import counter_hit
from .errors import RateLimited


def rate_limit(*, key: str, limit: int, period: int, message=None) -> None:
    now = int(time.time())
    window = now - now % period
    count = counter_hit(f"rl:{key}:{window}", timeout=period + 1)
    if count > limit:
        raise RateLimited(retry_after=window + period - now, message=message)


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
