"""SMS gateway adapter (shared contract: `get_sms_gateway().send(to=..., text=..., secret=...)`).

`settings.SMS_GATEWAY` picks the adapter:
- `outbox` (default): stores an `SmsOutbox` row (visible in the admin), prints the message to the
  console and keeps it in `inbox`, this process's memory (like Django's `mail.outbox`). Nothing
  leaves the machine; developers read codes on the console, tests from `inbox`.
- `http`: POSTs `{"to", "text", "sender"}` as JSON to `SMS_GATEWAY_URL` with
  `Authorization: Bearer SMS_GATEWAY_TOKEN`, and also records the message (with the gateway's id or
  the error) in the outbox for support staff.

`secret` (a one-time code, a survey link) reaches the phone but never the database: every adapter
stores the text with it masked, so staff who may read the outbox cannot use what it carried.

Callers send after their transaction commits (`transaction.on_commit`), so a rolled-back action
sends nothing.
"""

import logging
import sys
from collections import deque
from typing import Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

from .models import SmsOutbox
from .phones import normalize_phone

logger = logging.getLogger("prakerja.sms")

MASK = "••••••"
# What the `outbox` adapter "delivered", newest last, full text: (number, text). Process memory only.
inbox: deque[tuple[str, str]] = deque(maxlen=1000)


def stored_text(text: str, secret: str) -> str:
    """The text as the outbox keeps it: the secret masked."""
    return text.replace(secret, MASK) if secret else text


class SmsSendFailed(Exception):
    """The gateway did not accept the message."""


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, secret: str = "") -> SmsOutbox:
        """Send `text` to `to` (any format `normalize_phone` accepts). Returns the outbox row,
        which holds the text with `secret` masked."""
        ...


class OutboxSmsGateway:
    """Development/test adapter: the outbox row is the message; a copy goes to the console."""

    def __init__(self, *, stream=None):
        self.stream = stream

    def send(self, *, to: str, text: str, secret: str = "") -> SmsOutbox:
        message = SmsOutbox.objects.create(
            to=normalize_phone(to),
            text=stored_text(text, secret),
            gateway="outbox",
            status=SmsOutbox.Status.SENT,
        )
        inbox.append((message.to, text))
        stream = self.stream or sys.stdout
        if getattr(settings, "SMS_CONSOLE_ECHO", True):
            stream.write(f"[SMS to {message.to}] {text}\n")
            stream.flush()
        return message


class HttpSmsGateway:
    """A JSON-over-HTTP SMS provider. Configure SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN, SMS_SENDER_ID."""

    def __init__(self, *, url: str | None = None, token: str | None = None, timeout: float = 5.0):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout
        if not self.url:
            raise SmsSendFailed("SMS_GATEWAY_URL is not set")

    def send(self, *, to: str, text: str, secret: str = "") -> SmsOutbox:
        number = normalize_phone(to)
        message = SmsOutbox(to=number, text=stored_text(text, secret), gateway="http")
        try:
            response = httpx.post(
                self.url,
                json={"to": number, "text": text, "sender": settings.SMS_SENDER_ID},
                headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
                timeout=self.timeout,
            )
            response.raise_for_status()
            body = response.json() if response.content else {}
            message.status = SmsOutbox.Status.SENT
            message.provider_id = str(body.get("id", ""))[:100]
        except (httpx.HTTPError, ValueError) as exc:
            message.status = SmsOutbox.Status.FAILED
            message.error = f"{exc.__class__.__name__}: {exc}"[:500]
            logger.warning("sms send failed", extra={"to": number[:6], "error": message.error})
        message.save()
        if message.status == SmsOutbox.Status.FAILED:
            raise SmsSendFailed(message.error)
        return message


ADAPTERS = {
    "outbox": "prakerja.accounts.sms.OutboxSmsGateway",
    "console": "prakerja.accounts.sms.OutboxSmsGateway",
    "http": "prakerja.accounts.sms.HttpSmsGateway",
}


def get_sms_gateway() -> SmsGateway:
    """The configured adapter (`settings.SMS_GATEWAY`: `outbox` | `http` | a dotted path)."""
    name = getattr(settings, "SMS_GATEWAY", "outbox")
    return import_string(ADAPTERS.get(name, name))()
