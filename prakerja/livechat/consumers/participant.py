"""`/ws/livechat/chat/<id>/`: the participant's side of one chat."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs

from django.conf import settings

from prakerja.core.errors import NotFound
from prakerja.helpdesk import realtime

from .. import selectors, services
from ..models import ChatState
from .base import SESSION_KEY, ChatSocket, client_id_of, database_sync_to_async, int_or_none


@database_sync_to_async
def _participant_open(chat_id, user, session_ids):
    chat = selectors.chat_get_for_participant(
        chat_id=chat_id, user=user, session_chat_ids=session_ids
    )
    position, eta = selectors.queue_position(chat=chat)
    return chat, selectors.chat_payload(chat, position=position, eta=eta)


@database_sync_to_async
def _history(chat, after_id):
    return selectors.chat_history(chat=chat, after_id=after_id)


# Open participant sockets per chat in this process: tabs of one visitor, capped so that one
# chat cannot hold a process's memory (LIVECHAT_MAX_SOCKETS_PER_CHAT per ASGI process).
_open_sockets: Counter[int] = Counter()


class ParticipantChatConsumer(ChatSocket):
    """`/ws/livechat/chat/<id>/`: the participant's side of one chat."""

    client_events = frozenset({"message", "typing", "seen", "end", "rate", "ping"})

    async def connect(self):
        self.chat = None
        chat_id = int_or_none(self.scope["url_route"]["kwargs"].get("chat_id"))
        session = self.scope.get("session")
        session_ids = (session.get(SESSION_KEY) if session is not None else None) or []
        query = parse_qs(self.scope.get("query_string", b"").decode())
        after_id = int_or_none((query.get("after") or ["0"])[0]) or 0
        try:
            chat, state = await _participant_open(chat_id, self.scope.get("user"), session_ids)
        except NotFound:
            await self.close(code=4404)
            return
        if _open_sockets[chat.pk] >= settings.LIVECHAT_MAX_SOCKETS_PER_CHAT:
            await self.close(code=4429)
            return
        _open_sockets[chat.pk] += 1
        self.chat = chat
        self.state = chat.state
        self.group = realtime.chat_group(chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if chat.state == ChatState.QUEUED:
            await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
        # History is read after joining the group: a message stored in between then comes in
        # both (the widget keeps one per id) instead of in neither.
        history = await _history(chat, after_id)
        await self.accept()
        await self.send_json({"type": "state", "chat": state})
        await self.send_json({"type": "history", "chat": chat.pk, "messages": history})

    async def disconnect(self, code):
        if self.chat is not None:
            _open_sockets[self.chat.pk] -= 1
            if _open_sockets[self.chat.pk] <= 0:
                del _open_sockets[self.chat.pk]
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(realtime.QUEUE_GROUP, self.channel_name)

    async def on_message(self, content):
        client_id = client_id_of(content)
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

    async def on_typing(self, content):
        if self.typing_allowed(content):
            await self.channel_layer.group_send(
                self.group,
                {
                    "type": "chat.typing",
                    "chat": self.chat.pk,
                    "who": "participant",
                    "on": bool(content.get("on")),
                },
            )

    async def on_seen(self, content):
        upto = int_or_none(content.get("upto"))
        if upto and self.seen_allowed(self.chat.pk, upto):
            await self.channel_layer.group_send(
                self.group,
                {"type": "chat.seen", "chat": self.chat.pk, "who": "participant", "upto": upto},
            )

    async def on_end(self, content):
        await self.call(
            services.chat_end, chat=self.chat, actor=self.scope.get("user"), by_participant=True
        )

    async def on_rate(self, content):
        chat = await self.call(
            services.chat_rate,
            chat=self.chat,
            rating=content.get("rating"),
            comment=content.get("comment", ""),
        )
        if chat is not None:
            await self.send_json({"type": "rated", "chat": self.chat.pk})

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

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
