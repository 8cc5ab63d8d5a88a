"""Websocket consumers: the participant's chat and the agent workspace.

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
import logging
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from prakerja.core.errors import DomainError, NotFound, RateLimited
from prakerja.core.roles import Role, has_role
from prakerja.helpdesk import realtime

from . import selectors, services
from .models import ChatState

logger = logging.getLogger(__name__)


def database_sync_to_async(func):
    """Run ORM work in a worker thread. On PostgreSQL the calls of many sockets run in parallel
    threads (each with its own connection; Django's default would funnel every socket of the
    process through one thread); on SQLite they stay on one thread, SQLite has one writer anyway."""
    from django.db import connections

    parallel = connections["default"].vendor != "sqlite"
    return DatabaseSyncToAsync(func, thread_sensitive=not parallel)


SESSION_KEY = "livechat_chats"
MAX_FRAME = 8 * 1024
TYPING_MIN_INTERVAL = 1.0


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _BaseChatSocket(AsyncJsonWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.send_error("bad_frame", "Text frames only.")
            return
        if len(text_data) > MAX_FRAME:
            await self.send_error("too_large", "Message too large.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json", "Not JSON.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_message", "Unknown message.")
            return
        await self.receive_json(content)

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

    def _typing_allowed(self) -> bool:
        now = time.monotonic()
        if now - getattr(self, "_last_typing", 0.0) < TYPING_MIN_INTERVAL:
            return False
        self._last_typing = now
        return True


# --- participant ----------------------------------------------------------------------------------


@database_sync_to_async
def _participant_open(chat_id, user, session_ids, after_id):
    chat = selectors.chat_get_for_participant(
        chat_id=chat_id, user=user, session_chat_ids=session_ids
    )
    position, eta = selectors.queue_position(chat=chat)
    return (
        chat,
        selectors.chat_payload(chat, position=position, eta=eta),
        selectors.chat_history(chat=chat, after_id=after_id),
    )


class ParticipantChatConsumer(_BaseChatSocket):
    """`/ws/livechat/chat/<id>/`: the participant's side of one chat."""

    async def connect(self):
        self.chat = None
        chat_id = _int(self.scope["url_route"]["kwargs"].get("chat_id"))
        session = self.scope.get("session")
        session_ids = (session.get(SESSION_KEY) if session is not None else None) or []
        query = parse_qs(self.scope.get("query_string", b"").decode())
        after_id = _int((query.get("after") or ["0"])[0]) or 0
        try:
            chat, state, history = await _participant_open(
                chat_id, self.scope.get("user"), session_ids, after_id
            )
        except NotFound:
            await self.close(code=4404)
            return
        self.chat = chat
        self.state = chat.state
        self.group = realtime.chat_group(chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if chat.state == ChatState.QUEUED:
            await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
        await self.accept()
        await self.send_json({"type": "state", "chat": state})
        await self.send_json({"type": "history", "chat": chat.pk, "messages": history})

    async def disconnect(self, code):
        if self.chat is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(realtime.QUEUE_GROUP, self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content["type"]
        if kind == "message":
            await self.on_message(content)
        elif kind == "typing":
            if self._typing_allowed() or not content.get("on"):
                await self.channel_layer.group_send(
                    self.group,
                    {
                        "type": "chat.typing",
                        "chat": self.chat.pk,
                        "who": "participant",
                        "on": bool(content.get("on")),
                    },
                )
        elif kind == "seen":
            upto = _int(content.get("upto"))
            if upto:
                await self.channel_layer.group_send(
                    self.group,
                    {"type": "chat.seen", "chat": self.chat.pk, "who": "participant", "upto": upto},
                )
        elif kind == "end":
            await self.call(
                services.chat_end, chat=self.chat, actor=self.scope.get("user"), by_participant=True
            )
        elif kind == "rate":
            chat = await self.call(
                services.chat_rate,
                chat=self.chat,
                rating=content.get("rating"),
                comment=content.get("comment", ""),
            )
            if chat is not None:
                await self.send_json({"type": "rated", "chat": self.chat.pk})
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error("bad_message", "Unknown message.")

    async def call(self, func, *, client_id=None, **kwargs):
        try:
            return await database_sync_to_async(func)(**kwargs)
        except DomainError as exc:
            await self.send_domain_error(exc, client_id=client_id)
            return None

    async def on_message(self, content):
        client_id = content.get("id") if isinstance(content.get("id"), str) else None
        result = await self.call(
            _store_participant_message,
            client_id=client_id,
            chat=self.chat,
            body=content.get("body"),
            client_msg_id=client_id,
            user=self.scope.get("user"),
        )
        if result is not None:
            await self.send_json({"type": "ack", "id": client_id, "message": result})

    # group events
    async def chat_message(self, event):
        await self.send_json(
            {"type": "message", "chat": event["chat"], "message": event["message"]}
        )

    async def chat_state(self, event):
        self.state = event["chat"]["state"]
        if self.state != ChatState.QUEUED:
            await self.channel_layer.group_discard(realtime.QUEUE_GROUP, self.channel_name)
        else:
            await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
        await self.send_json({"type": "state", "chat": event["chat"]})

    async def chat_typing(self, event):
        if event["who"] != "participant":
            await self.send_json({"type": "typing", "chat": event["chat"], "on": event["on"]})

    async def chat_seen(self, event):
        if event["who"] != "participant":
            await self.send_json({"type": "seen", "chat": event["chat"], "upto": event["upto"]})

    async def survey_request(self, event):
        # surveys asks for the inline rating once the chat's ticket is resolved
        await self.send_json({"type": "survey", "chat": self.chat.pk})

    async def queue_changed(self, event):
        if self.state != ChatState.QUEUED:
            return
        try:
            position = event["ids"].index(self.chat.pk) + 1
        except ValueError:
            return
        await self.send_json(
            {
                "type": "queue",
                "chat": self.chat.pk,
                "position": position,
                "eta_seconds": position * event["seconds_per_position"],
            }
        )


def _store_participant_message(*, chat, body, client_msg_id, user):
    message, _created = services.chat_participant_message(
        chat=chat, body=body, client_msg_id=client_msg_id, user=user
    )
    return selectors.message_payload(message)


# --- agent workspace ------------------------------------------------------------------------------


@database_sync_to_async
def _agent_open(user):
    from .presence import presence_seen

    presence_seen(agent=user)
    chats = selectors.chats_for_agent(agent=user)
    return [
        {**selectors.agent_chat_summary(c), "messages": selectors.chat_history(chat=c)}
        for c in chats
    ]


@database_sync_to_async
def _agent_history(user, chat_id, after_id=0):
    chat = selectors.chat_get_for_agent(chat_id=chat_id, user=user)
    return {
        **selectors.agent_chat_summary(chat),
        "messages": selectors.chat_history(chat=chat, after_id=after_id),
    }


def _store_agent_message(*, user, chat_id, body, client_msg_id, chat=None):
    """`chat` is the instance this socket loaded for an earlier message, if any: the service
    checks again in the database that the chat is active and the agent's (or a supervisor's)."""
    if chat is None:
        chat = selectors.chat_get_for_agent(chat_id=chat_id, user=user)
    message, _created = services.chat_agent_message(
        chat=chat, agent=user, body=body, client_msg_id=client_msg_id
    )
    return selectors.message_payload(message), chat


def _end_for_agent(*, user, chat_id):
    chat = selectors.chat_get_for_agent(chat_id=chat_id, user=user)
    return services.chat_end(chat=chat, actor=user, by_participant=False)


def _transfer_for_agent(*, user, chat_id, to):
    chat = selectors.chat_get_for_agent(chat_id=chat_id, user=user)
    to_agent = None
    if to is not None:
        to_agent = get_user_model().objects.filter(pk=_int(to), is_active=True).first()
        if to_agent is None or not has_role(to_agent, Role.AGENT, Role.SUPERVISOR):
            raise NotFound
    return services.chat_transfer(chat=chat, actor=user, to_agent=to_agent)


def _check_chat_for_agent(*, user, chat_id):
    selectors.chat_get_for_agent(chat_id=chat_id, user=user)
    return True


def _heartbeat(*, user):
    from .presence import presence_seen

    presence_seen(agent=user)
    return services.chats_dispatch()


def _set_presence(*, user, status):
    """Online/away/offline from the chat workspace (helpdesk owns presence); online offers the
    waiting chats to the agent at once."""
    from prakerja.helpdesk.services import presence_set

    presence = presence_set(agent=user, status=status if isinstance(status, str) else "")
    services.chats_dispatch()
    return presence.status


class AgentWorkspaceConsumer(_BaseChatSocket):
    """`/ws/livechat/agent/`: one socket per agent tab for every chat the agent holds."""

    async def connect(self):
        self.user = self.scope.get("user")
        self.joined: set[int] = set()
        self.loaded: dict[int, object] = {}  # chat id -> Chat, for the message path
        self.accepted = False
        allowed = await database_sync_to_async(
            lambda: self.user is not None and has_role(self.user, Role.AGENT, Role.SUPERVISOR)
        )()
        if not allowed:
            await self.close(code=4403)
            return
        self.is_supervisor = await database_sync_to_async(has_role)(self.user, Role.SUPERVISOR)
        await self.channel_layer.group_add(realtime.agent_group(self.user.pk), self.channel_name)
        await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
        if self.is_supervisor:
            await self.channel_layer.group_add(realtime.SUPERVISORS_GROUP, self.channel_name)
        chats = await _agent_open(self.user)
        for chat in chats:
            await self.join_chat(chat["id"])
        self.accepted = True
        await self.accept()
        await self.send_json({"type": "chats", "chats": chats})
        await database_sync_to_async(services.chats_dispatch)()

    async def disconnect(self, code):
        if not getattr(self, "accepted", False):
            return
        await self.channel_layer.group_discard(
            realtime.agent_group(self.user.pk), self.channel_name
        )
        await self.channel_layer.group_discard(realtime.QUEUE_GROUP, self.channel_name)
        await self.channel_layer.group_discard(realtime.SUPERVISORS_GROUP, self.channel_name)
        for chat_id in list(self.joined):
            await self.leave_chat(chat_id)

    async def join_chat(self, chat_id: int) -> None:
        if chat_id not in self.joined:
            self.joined.add(chat_id)
            await self.channel_layer.group_add(realtime.chat_group(chat_id), self.channel_name)

    async def leave_chat(self, chat_id: int) -> None:
        self.loaded.pop(chat_id, None)
        if chat_id in self.joined:
            self.joined.discard(chat_id)
            await self.channel_layer.group_discard(realtime.chat_group(chat_id), self.channel_name)

    async def dispatch(self, message):
        # Forward events meant for the browser (screen.pop, notify, ...) that have no handler.
        kind = message.get("type", "")
        if not kind.startswith("websocket."):
            try:
                handler = getattr(self, get_handler_name(message), None)
            except ValueError:
                return
            if handler is None:
                await self.send_json(message)
                return
        await super().dispatch(message)

    async def call(self, func, *, client_id=None, **kwargs):
        try:
            return await database_sync_to_async(func)(user=self.user, **kwargs)
        except DomainError as exc:
            await self.send_domain_error(exc, client_id=client_id)
            return None

    async def receive_json(self, content, **kwargs):
        kind = content["type"]
        chat_id = _int(content.get("chat"))
        if kind == "presence":
            result = await self.call(_set_presence, status=content.get("status"))
            if result is not None:
                await self.send_json({"type": "presence", "status": result})
            return
        if kind in ("heartbeat", "ping"):
            await self.call(_heartbeat)
            await self.send_json({"type": "pong"})
            return
        if chat_id is None:
            await self.send_error("bad_message", "Which chat?")
            return
        if kind == "message":
            client_id = content.get("id") if isinstance(content.get("id"), str) else None
            result = await self.call(
                _store_agent_message,
                client_id=client_id,
                chat_id=chat_id,
                body=content.get("body"),
                client_msg_id=client_id,
                chat=self.loaded.get(chat_id),
            )
            if result is not None:
                payload, self.loaded[chat_id] = result
                await self.send_json(
                    {"type": "ack", "id": client_id, "chat": chat_id, "message": payload}
                )
        elif kind in ("typing", "seen"):
            if chat_id not in self.joined:
                return
            if kind == "typing" and not (self._typing_allowed() or not content.get("on")):
                return
            event = {"type": f"chat.{kind}", "chat": chat_id, "who": "agent"}
            if kind == "typing":
                event["on"] = bool(content.get("on"))
            else:
                upto = _int(content.get("upto"))
                if not upto:
                    return
                event["upto"] = upto
            await self.channel_layer.group_send(realtime.chat_group(chat_id), event)
        elif kind == "end":
            await self.call(_end_for_agent, chat_id=chat_id)
        elif kind == "transfer":
            await self.call(_transfer_for_agent, chat_id=chat_id, to=content.get("to"))
        elif kind in ("watch", "history"):
            try:
                chat = await _agent_history(self.user, chat_id, _int(content.get("after")) or 0)
            except NotFound as exc:
                await self.send_domain_error(exc)
                return
            await self.join_chat(chat_id)
            await self.send_json(
                {
                    "type": "history",
                    "chat": chat_id,
                    **{"summary": chat},
                    "messages": chat["messages"],
                }
            )
        else:
            await self.send_error("bad_message", "Unknown message.")

    # group events
    async def chat_message(self, event):
        await self.send_json(
            {"type": "message", "chat": event["chat"], "message": event["message"]}
        )

    async def chat_state(self, event):
        await self.send_json({"type": "state", "chat": event["chat"]})

    async def chat_typing(self, event):
        if event["who"] == "participant":
            await self.send_json({"type": "typing", "chat": event["chat"], "on": event["on"]})

    async def chat_seen(self, event):
        if event["who"] == "participant":
            await self.send_json({"type": "seen", "chat": event["chat"], "upto": event["upto"]})

    async def chat_assigned(self, event):
        chat_id = event["chat"]["id"]
        await self.join_chat(chat_id)
        try:
            chat = await _agent_history(self.user, chat_id)
        except NotFound:
            return
        await self.send_json({"type": "assigned", "chat": chat})

    async def chat_unassigned(self, event):
        if not self.is_supervisor:
            await self.leave_chat(event["chat"]["id"])
        await self.send_json({"type": "unassigned", "chat": event["chat"]})

    async def chat_ended(self, event):
        await self.send_json({"type": "ended", "chat": event["chat"]})

    async def survey_request(self, event):
        """The participant's rating question; nothing for the agent's browser."""

    async def queue_changed(self, event):
        await self.send_json({"type": "queue", "length": len(event["ids"])})
