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

Two layers apply it:
- `SignupAdmission` wraps the WSGI application (config/wsgi.py), in front of Django: a refusal
  builds no request object and runs no middleware, so it costs a fraction of a millisecond and
  never waits behind sign-ups that are hashing. It also caps the sign-ups in progress per process
  (`SIGNUP_MAX_IN_FLIGHT`, about one per core): past that it answers 503 `waiting_room` at once
  instead of letting hashes pile up in the worker's threads.
- `SignupWaitingRoomMiddleware` (first in MIDDLEWARE) applies the rate where the wrapper does not
  run (ASGI under uvicorn, the test client) and skips requests the wrapper already admitted.
"""

import html
import json
import threading
import time

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prakerja.core.cache import counter_hits
from prakerja.core.errors import RateLimited

SIGNUP_PATHS = frozenset({"/api/v1/accounts", "/daftar/"})
# Set in the WSGI environ (so in request.META) for a sign-up the wrapper admitted.
ADMITTED_KEY = "prakerja.signup_admitted"
BUSY_RETRY_AFTER = 2


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
    [count] = counter_hits([(f"wr:signup:{second}", 5)])
    if count <= rate:
        return
    over = count - rate
    raise WaitingRoom(retry_after=1 + (over - 1) // rate, position=over)


def _language(environ) -> str:
    """The same rule as core.middleware.LocaleMiddleware: the switcher's cookie, else Indonesian."""
    cookie = environ.get("HTTP_COOKIE", "")
    name = settings.LANGUAGE_COOKIE_NAME + "="
    if name in cookie:
        for part in cookie.split(";"):
            key, _sep, value = part.strip().partition("=")
            if key == settings.LANGUAGE_COOKIE_NAME and value in dict(settings.LANGUAGES):
                return value
    return settings.LANGUAGE_CODE


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {program}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>{title}</h1>
<p>{message}</p>
<p>{retry}</p>
<p><a href="/daftar/">{back}</a></p>
</body></html>
"""


class SignupAdmission:
    """WSGI middleware in front of Django for sign-up POSTs (see the module docstring).

    `max_in_flight` sign-ups may run at once in this process (0: no cap); the rest are refused
    with 503 and Retry-After without blocking. Admitted requests get `ADMITTED_KEY` in the environ
    so the Django middleware does not count them twice. Everything else passes straight through.
    """

    def __init__(self, application, *, max_in_flight: int | None = None):
        self.application = application
        if max_in_flight is None:
            max_in_flight = int(getattr(settings, "SIGNUP_MAX_IN_FLIGHT", 0) or 0)
        self.max_in_flight = max_in_flight
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight > 0 else None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in SIGNUP_PATHS:
            return self.application(environ, start_response)
        slots = self._slots
        if slots is not None and not slots.acquire(blocking=False):
            return self._refuse(environ, start_response, status=503, position=None)
        try:
            language = _language(environ)
            try:
                with translation.override(language):
                    signup_admit()
            except WaitingRoom as exc:
                return self._refuse(
                    environ,
                    start_response,
                    status=429,
                    position=exc.position,
                    retry_after=exc.retry_after,
                )
            environ[ADMITTED_KEY] = True
            # The sign-up responses are plain (not streaming) responses: the work is done when
            # the application returns, so the slot is released here.
            return self.application(environ, start_response)
        finally:
            if slots is not None:
                slots.release()

    @staticmethod
    def _refuse(environ, start_response, *, status, position, retry_after=BUSY_RETRY_AFTER):
        language = _language(environ)
        with translation.override(language):
            if position is None:
                message = _(
                    "The server is busy with many sign-ups right now. Please try again in "
                    "%(seconds)d seconds."
                ) % {"seconds": retry_after}
            else:
                message = WaitingRoom(retry_after=retry_after, position=position).message
            if environ.get("PATH_INFO", "").startswith("/api/"):
                body = json.dumps(
                    {
                        "code": WaitingRoom.code,
                        "message": message,
                        "errors": {},
                        "position": position,
                        "retry_after": retry_after,
                    }
                ).encode()
                content_type = "application/json"
            else:
                body = _PAGE.format(
                    lang=language,
                    program=html.escape(settings.PROGRAM_NAME),
                    title=html.escape(_("Please wait a moment")),
                    message=html.escape(message),
                    retry=html.escape(
                        ngettext(
                            "Try again in %(seconds)s second.",
                            "Try again in %(seconds)s seconds.",
                            retry_after,
                        )
                        % {"seconds": retry_after}
                    ),
                    back=html.escape(_("Back to the sign-up form")),
                ).encode()
                content_type = "text/html; charset=utf-8"
        reason = "Too Many Requests" if status == 429 else "Service Unavailable"
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Retry-After", str(retry_after)),
                ("Cache-Control", "no-store"),
                ("Content-Language", language),
                ("Vary", "Cookie"),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY),
            ],
        )
        return [body]
