"""Websocket consumers: the participant's chat (`participant`) and the agent workspace (`agent`).

Protocol (JSON text frames, at most MAX_FRAME bytes):

participant -> server  {"type": "message", "id": "<client id>", "body": "..."}
                       {"type": "typing", "on": true} | {"type": "seen", "upto": <message id>}
                       {"type": "end"} | {"type": "rate", "rating": 1-5, "comment": "..."}
                       {"type": "ping"}
agent -> server        the same with "chat": <id>, plus {"type": "transfer", "chat", "to": <user id>|null},
                       {"type": "watch", "chat"} (supervisors), {"type": "heartbeat"}
server -> client       {"type": "state", "chat": {...}}, {"type": "history", "chat", "messages": [...]},
                       {"type": "message", "chat", "message": {...}}, {"type": "ack", "id", "message"},
                       {"type": "typing"|"seen"|"queue"|"assigned"|"unassigned"|"ended", ...},
                       {"type": "error", "code", "message", "id"?}

A message is acknowledged only after it is stored; a resend of an acknowledged client id is
acknowledged again without a second copy. The agent socket also forwards any event addressed to the
agent's group that it has no handler for (e.g. telephony's `screen.pop`) to the browser unchanged.
"""

from __future__ import annotations

import json
import time

from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connections
from django.utils.translation import gettext as _

from prakerja.core.errors import DomainError, RateLimited
from prakerja.core.text import control_character_errors, fields_with_control_characters

# The chats a guest started in this browser session (the widget's views write it).
SESSION_KEY = "livechat_chats"
# Bytes of one text frame the consumers read; larger ones are answered `too_large`. uvicorn's
# `--ws-max-size` (Makefile, docs/OPERATIONS.md) is twice this: beyond it the server drops the
# connection before the frame is buffered whole.
MAX_FRAME = 8 * 1024
TYPING_MIN_INTERVAL = 1.0
SEEN_MIN_INTERVAL = 1.0


def database_sync_to_async(func):
    """Run ORM work in a worker thread. On PostgreSQL the calls of many sockets run in parallel
    threads (each with its own connection; Django's default would funnel every socket of the
    process through one thread); on SQLite they stay on one thread, SQLite has one writer anyway."""
    parallel = connections["default"].vendor != "sqlite"
    return DatabaseSyncToAsync(func, thread_sensitive=not parallel)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def client_id_of(content: dict) -> str | None:
    return content.get("id") if isinstance(content.get("id"), str) else None


class ChatSocket(AsyncJsonWebsocketConsumer):
    """Frames are validated here, then handed to `on_<type>(content)`: one handler per client
    event type, listed in `client_events` (anything else is answered `bad_message`)."""

    client_events: frozenset[str] = frozenset()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.send_error("bad_frame", "Text frames only.")
            return
        if len(text_data) > MAX_FRAME or len(text_data.encode()) > MAX_FRAME:
            await self.send_error("too_large", "Message too large.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json", "Not JSON.")
            return
        if not isinstance(content, dict) or content.get("type") not in self.client_events:
            await self.send_error("bad_message", "Unknown message.")
            return
        fields = fields_with_control_characters(content)
        if fields:
            await self.send_error(
                "validation_error",
                _("Some fields are not valid."),
                client_id=client_id_of(content),
                errors=control_character_errors(fields),
            )
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        await getattr(self, "on_" + content["type"])(content)

    async def call(self, func, *, client_id=None, **kwargs):
        """Run `func(**kwargs)` (a service) in a worker thread. A DomainError is answered with an
        error frame (carrying the client's id) and None is returned."""
        try:
            return await database_sync_to_async(func)(**kwargs)
        except DomainError as exc:
            await self.send_domain_error(exc, client_id=client_id)
            return None

    async def send_error(self, code: str, message, *, client_id=None, **extra) -> None:
        payload = {"type": "error", "code": code, "message": str(message), **extra}
        if client_id:
            payload["id"] = client_id
        await self.send_json(payload)

    async def send_domain_error(self, exc: DomainError, *, client_id=None) -> None:
        extra = {"retry_after": exc.retry_after} if isinstance(exc, RateLimited) else {}
        if exc.errors:
            extra["errors"] = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        await self.send_error(exc.code, exc.message, client_id=client_id, **extra)

    async def layer_reconnected(self, event):
        """The channel layer lost and re-made its Redis subscription: events may have been missed
        meanwhile. Close with 1012 (service restart) so the browser reconnects and replays."""
        await self.close(code=1012)

    def typing_allowed(self, content: dict) -> bool:
        """ "Stopped typing" always passes; "typing" at most once per TYPING_MIN_INTERVAL."""
        if not content.get("on"):
            return True
        now = time.monotonic()
        if now - getattr(self, "_last_typing", 0.0) < TYPING_MIN_INTERVAL:
            return False
        self._last_typing = now
        return True

    def seen_allowed(self, chat_id: int, upto: int) -> bool:
        """A read receipt is relayed only when it moves forward, and at most once per
        SEEN_MIN_INTERVAL per chat: a client cannot flood the other side with receipts."""
        marks = self.__dict__.setdefault("_seen", {})
        last_upto, last_at = marks.get(chat_id, (0, 0.0))
        now = time.monotonic()
        if upto <= last_upto or now - last_at < SEEN_MIN_INTERVAL:
            return False
        marks[chat_id] = (upto, now)
        return True
