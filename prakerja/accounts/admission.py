"""Waiting room for sign-ups (admission control).

When wave 1 opened, 80,000 people tried to sign up in one minute. Each sign-up costs one Argon2
hash (~20-45 ms of a core at our parameters), so a server takes a bounded number per second;
beyond that, requests queue in the server until they time out and everyone fails. Instead, each
second admits at most `SIGNUP_ADMISSION_RATE` sign-ups (a counter in the shared cache, so all
workers and servers agree when the cache is Redis); the rest are answered at once, before any
hashing or database work, with their place in line and when to come back (HTTP 429 +
Retry-After, code `waiting_room`; the page shows the same). Retry times are spread over the
coming seconds in arrival order, so returning visitors do not all arrive in the same second.

This is approximate FIFO: a visitor told to come back in 3 s competes with new arrivals then.
With LocMem (no REDIS_URL) the counter is per process, so the rate is per worker.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from prakerja.core.errors import RateLimited


class WaitingRoom(RateLimited):
    code = "waiting_room"

    def __init__(self, *, retry_after: int, position: int):
        self.position = position
        super().__init__(
            retry_after=retry_after,
            message=_(
                "Many people are signing up right now. You are number %(position)d in line; "
                "please try again in %(seconds)d seconds. Your place is not lost by waiting."
            )
            % {"position": position, "seconds": retry_after},
        )


def signup_admit() -> None:
    """Admit this sign-up now, or raise WaitingRoom. Costs one cache round trip."""
    rate = int(getattr(settings, "SIGNUP_ADMISSION_RATE", 0) or 0)
    if rate <= 0:
        return
    second = int(time.time())
    key = f"wr:signup:{second}"
    if cache.add(key, 1, timeout=5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=5)
            count = 1
    if count <= rate:
        return
    over = count - rate
    raise WaitingRoom(retry_after=1 + (over - 1) // rate, position=over)
