"""`/ws/livechat/agent/`: one socket per agent tab for every chat the agent holds. It also
forwards any event addressed to the agent's group that it has no handler for (e.g. telephony's
`screen.pop`) to the browser unchanged."""

from __future__ import annotations

from channels.consumer import get_handler_name
from django.contrib.auth import get_user_model

from prakerja.core.errors import NotFound
from prakerja.core.roles import Role, has_role
from prakerja.helpdesk import realtime
from prakerja.helpdesk.services import presence_heartbeat, presence_set

from .. import selectors, services
from .base import ChatSocket, client_id_of, database_sync_to_async, int_or_none


@database_sync_to_async
def _agent_open(user):
    presence_heartbeat(agent=user)
    return selectors.chats_for_agent(agent=user)


@database_sync_to_async
def _agent_chats_payload(chats):
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
        to_agent = get_user_model().objects.filter(pk=int_or_none(to), is_active=True).first()
        if to_agent is None or not has_role(to_agent, Role.AGENT, Role.SUPERVISOR):
            raise NotFound
    return services.chat_transfer(chat=chat, actor=user, to_agent=to_agent)


def _check_chat_for_agent(*, user, chat_id):
    selectors.chat_get_for_agent(chat_id=chat_id, user=user)
    return True


def _heartbeat(*, user):
    presence_heartbeat(agent=user)
    return services.chats_dispatch()


def _set_presence(*, user, status):
    """Online/away/offline from the chat workspace (helpdesk owns presence); online offers the
    waiting chats to the agent at once."""
    presence = presence_set(agent=user, status=status if isinstance(status, str) else "")
    services.chats_dispatch()
    return presence.status


def _workspace_role(user_id: int) -> str | None:
    """The account's standing now, read fresh (one query): "supervisor", "agent", or None once it
    is deactivated or lost both roles."""
    rows = list(
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .values_list("is_superuser", "groups__name")
    )
    roles = {name for _superuser, name in rows}
    if any(superuser for superuser, _name in rows) or Role.SUPERVISOR in roles:
        return Role.SUPERVISOR
    return Role.AGENT if Role.AGENT in roles else None


def _with_chat(handler):
    """For events about one chat: the handler gets its id; a frame without one is refused."""

    async def handle(self, content):
        chat_id = int_or_none(content.get("chat"))
        if chat_id is None:
            await self.send_error("bad_message", "Which chat?")
            return
        await handler(self, content, chat_id)

    return handle


class AgentWorkspaceConsumer(ChatSocket):
    """`/ws/livechat/agent/`: one socket per agent tab for every chat the agent holds."""

    client_events = frozenset(
        {"presence", "heartbeat", "ping", "message", "typing", "seen", "end", "transfer"}
        | {"watch", "history"}
    )

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
        # The chats' groups are joined before their history is read: a message stored in between
        # then comes in both (the workspace keeps one per id) instead of in neither.
        for chat in chats:
            await self.join_chat(chat.pk)
        payload = await _agent_chats_payload(chats)
        self.accepted = True
        await self.accept()
        await self.send_json({"type": "chats", "chats": payload})
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

    async def receive_json(self, content, **kwargs):
        # The socket outlives the log-in: an agent deactivated, or whose role was taken away,
        # while connected is refused at the next frame and disconnected.
        role = await database_sync_to_async(_workspace_role)(self.user.pk)
        if role is None or (self.is_supervisor and role != Role.SUPERVISOR):
            await self.send_error("not_allowed", "Your account may no longer use the workspace.")
            await self.close(code=4403)
            return
        await super().receive_json(content, **kwargs)

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

    async def on_presence(self, content):
        result = await self.call(_set_presence, user=self.user, status=content.get("status"))
        if result is not None:
            await self.send_json({"type": "presence", "status": result})

    async def on_heartbeat(self, content):
        await self.call(_heartbeat, user=self.user)
        await self.send_json({"type": "pong"})

    on_ping = on_heartbeat

    @_with_chat
    async def on_message(self, content, chat_id: int):
        client_id = client_id_of(content)
        result = await self.call(
            _store_agent_message,
            client_id=client_id,
            user=self.user,
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

    @_with_chat
    async def on_typing(self, content, chat_id: int):
        if chat_id in self.joined and self.typing_allowed(content):
            await self.channel_layer.group_send(
                realtime.chat_group(chat_id),
                {
                    "type": "chat.typing",
                    "chat": chat_id,
                    "who": "agent",
                    "on": bool(content.get("on")),
                },
            )

    @_with_chat
    async def on_seen(self, content, chat_id: int):
        upto = int_or_none(content.get("upto"))
        if chat_id in self.joined and upto and self.seen_allowed(chat_id, upto):
            await self.channel_layer.group_send(
                realtime.chat_group(chat_id),
                {"type": "chat.seen", "chat": chat_id, "who": "agent", "upto": upto},
            )

    @_with_chat
    async def on_end(self, content, chat_id: int):
        await self.call(_end_for_agent, user=self.user, chat_id=chat_id)

    @_with_chat
    async def on_transfer(self, content, chat_id: int):
        await self.call(_transfer_for_agent, user=self.user, chat_id=chat_id, to=content.get("to"))

    @_with_chat
    async def on_history(self, content, chat_id: int):
        try:
            chat = await _agent_history(self.user, chat_id, int_or_none(content.get("after")) or 0)
        except NotFound as exc:
            await self.send_domain_error(exc)
            return
        await self.join_chat(chat_id)
        await self.send_json(
            {"type": "history", "chat": chat_id, "summary": chat, "messages": chat["messages"]}
        )

    on_watch = on_history

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
