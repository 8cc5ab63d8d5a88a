"""The websocket protocol against the real ASGI app (origin check, session auth, routing)."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings

from config.asgi import application
from prakerja.helpdesk import realtime
from prakerja.helpdesk.models import Message
from prakerja.livechat import services
from prakerja.livechat.models import Chat, ChatState

from .factories import on_shift_agent, participant, supervisor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]
TIMEOUT = 3


def run(scenario):
    """Run an async scenario in its own thread and loop (a browser test in this process may
    have left Playwright's loop running in the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def _cookie_header(client: Client) -> tuple[bytes, bytes]:
    cookies = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    return (b"cookie", cookies.encode())


def _headers(client: Client | None = None, origin: bytes = b"http://testserver"):
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if client is not None:
        headers.append(_cookie_header(client))
    return headers


def _guest_starts_chat(question="Saldo e-wallet belum masuk") -> tuple[Client, int]:
    client = Client()
    response = client.post(
        "/livechat/start",
        data=json.dumps({"name": "Sari", "email": "sari@example.test", "question": question}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return client, response.json()["chat"]


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def participant_socket(client, chat_id, after=0):
    return WebsocketCommunicator(
        application, f"/ws/livechat/chat/{chat_id}/?after={after}", headers=_headers(client)
    )


def agent_socket(client):
    return WebsocketCommunicator(application, "/ws/livechat/agent/", headers=_headers(client))


async def drain(comm) -> list[dict]:
    seen = []
    while not await comm.receive_nothing(timeout=0.2):
        seen.append(await comm.receive_json_from(timeout=TIMEOUT))
    return seen


async def receive_until(comm, kind, *, limit=10):
    skipped = []
    for _ in range(limit):
        try:
            message = await comm.receive_json_from(timeout=TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"no {kind} message; got {skipped}") from None
        if message["type"] == kind:
            return message
        skipped.append(message)
    raise AssertionError(f"no {kind} message")  # pragma: no cover


def test_guest_and_agent_chat_end_to_end_with_acks_typing_and_replay(open_hours):
    guest, chat_id = _guest_starts_chat()
    agent = on_shift_agent(full_name="Rina Agen")  # comes online after the chat was queued
    agent_client = _logged_in(agent)

    async def scenario():
        p = participant_socket(guest, chat_id)
        connected, _ = await p.connect()
        assert connected
        state = await p.receive_json_from(timeout=TIMEOUT)
        assert state["type"] == "state"
        assert state["chat"]["state"] == "queued"
        assert state["chat"]["position"] == 1
        history = await p.receive_json_from(timeout=TIMEOUT)
        assert [m["body"] for m in history["messages"]] == ["Saldo e-wallet belum masuk"]

        a = agent_socket(agent_client)
        assert (await a.connect())[0]
        assert (await a.receive_json_from(timeout=TIMEOUT)) == {"type": "chats", "chats": []}
        assigned = await receive_until(a, "assigned")  # connecting dispatched the waiting chat
        assert assigned["chat"]["id"] == chat_id
        assert assigned["chat"]["messages"][0]["body"] == "Saldo e-wallet belum masuk"

        joined = await receive_until(p, "state")
        assert joined["chat"]["state"] == "active"
        assert joined["chat"]["agent_name"] == "Rina Agen"

        # participant -> agent, acknowledged after storage
        await p.send_json_to({"type": "message", "id": "c-1", "body": "<b>halo</b>"})
        ack = await receive_until(p, "ack")
        assert ack["id"] == "c-1"
        stored = await database_sync_to_async(Message.objects.get)(client_msg_id="c-1")
        assert ack["message"]["id"] == stored.pk
        assert stored.body == "<b>halo</b>"  # stored as text; both UIs render it as text
        got = await receive_until(a, "message")
        assert got["chat"] == chat_id
        assert got["message"]["client_id"] == "c-1"

        # agent -> participant, with typing first
        await a.send_json_to({"type": "typing", "chat": chat_id, "on": True})
        typing = await receive_until(p, "typing")
        assert typing["on"] is True
        await a.send_json_to(
            {"type": "message", "chat": chat_id, "id": "a-1", "body": "Baik, saya cek"}
        )
        assert (await receive_until(a, "ack"))["id"] == "a-1"
        reply = await receive_until(p, "message")
        assert reply["message"]["author"] == "agent"
        assert reply["message"]["name"] == "Rina Agen"

        # a resend of an acknowledged id is acknowledged again and not stored or relayed twice
        await drain(a)
        await p.send_json_to({"type": "message", "id": "c-1", "body": "<b>halo</b>"})
        again = await receive_until(p, "ack")
        assert again["message"]["id"] == stored.pk
        assert [m for m in await drain(a) if m["type"] == "message"] == []
        assert (
            await database_sync_to_async(Message.objects.filter(client_msg_id="c-1").count)() == 1
        )

        # read receipts reach the other side
        await p.send_json_to({"type": "seen", "upto": reply["message"]["id"]})
        seen = await receive_until(a, "seen")
        assert seen["upto"] == reply["message"]["id"]

        # reconnect after the network drops: replay only what came after the last seen id
        await p.disconnect()
        p2 = participant_socket(guest, chat_id, after=stored.pk)
        assert (await p2.connect())[0]
        await receive_until(p2, "state")
        replay = await receive_until(p2, "history")
        assert [m["body"] for m in replay["messages"]] == ["Baik, saya cek"]

        # the participant ends; the agent is told and the participant can rate inline
        await p2.send_json_to({"type": "end"})
        assert (await receive_until(a, "ended"))["chat"]["id"] == chat_id
        after_end = await drain(p2)
        states = [m["chat"]["state"] for m in after_end if m["type"] == "state"]
        assert states == ["ended"]
        await p2.send_json_to({"type": "rate", "rating": 5, "comment": "mantap"})
        assert (await receive_until(p2, "rated"))["chat"] == chat_id
        await p2.disconnect()
        await a.disconnect()

    run(scenario)
    chat = Chat.objects.get(pk=chat_id)
    assert chat.state == ChatState.ENDED
    assert chat.rating == 5
    assert chat.ticket.status == "resolved"
    survey = chat.ticket.surveys.get()  # requested by ticket_resolve, answered inline
    assert (survey.delivery, survey.rating, survey.comment) == ("chat", 5, "mantap")


def test_only_the_requesters_session_or_account_can_join(open_hours):
    guest, chat_id = _guest_starts_chat()
    owner = participant()
    owner_client = _logged_in(owner)
    response = owner_client.post(
        "/livechat/start",
        data=json.dumps({"question": "Akun saya"}),
        content_type="application/json",
    )
    owned_id = response.json()["chat"]
    stranger = _logged_in(participant(username="stranger"))

    async def scenario():
        for client, target, ok in [
            (guest, chat_id, True),
            (Client(), chat_id, False),  # another browser, no session
            (stranger, chat_id, False),
            (guest, owned_id, False),
            (owner_client, owned_id, True),
            (stranger, owned_id, False),
        ]:
            comm = participant_socket(client, target)
            connected, _ = await comm.connect()
            assert connected is ok, (target, ok)
            await comm.disconnect()

    run(scenario)


def test_agent_socket_needs_the_role_and_only_sees_own_chats(open_hours):
    _guest, chat_id = _guest_starts_chat()
    agent = on_shift_agent()
    other = on_shift_agent(username="other-agent")
    services.chats_dispatch()
    holder = Chat.objects.get(pk=chat_id).agent
    outsider = other if holder == agent else agent
    boss_client = _logged_in(supervisor())
    participant_client = _logged_in(participant())
    outsider_client = _logged_in(outsider)

    async def scenario():
        comm = agent_socket(participant_client)
        assert not (await comm.connect())[0]
        comm = agent_socket(Client())
        assert not (await comm.connect())[0]

        out = agent_socket(outsider_client)
        assert (await out.connect())[0]
        await receive_until(out, "chats")
        await out.send_json_to({"type": "watch", "chat": chat_id})
        assert (await receive_until(out, "error"))["code"] == "not_found"
        await out.send_json_to({"type": "message", "chat": chat_id, "id": "x", "body": "hi"})
        assert (await receive_until(out, "error"))["code"] == "not_found"
        await out.disconnect()

        sup = agent_socket(boss_client)
        assert (await sup.connect())[0]
        await receive_until(sup, "chats")
        await sup.send_json_to({"type": "watch", "chat": chat_id})
        watched = await receive_until(sup, "history")
        assert watched["chat"] == chat_id
        await sup.disconnect()

    run(scenario)


def test_frame_size_body_size_and_bad_input_are_refused_politely(open_hours):
    guest, chat_id = _guest_starts_chat()

    async def scenario():
        p = participant_socket(guest, chat_id)
        assert (await p.connect())[0]
        await receive_until(p, "history")
        await p.send_to(text_data="x" * 9000)
        assert (await receive_until(p, "error"))["code"] == "too_large"
        await p.send_to(text_data="{not json")
        assert (await receive_until(p, "error"))["code"] == "bad_json"
        await p.send_json_to({"type": "message", "id": "long", "body": "y" * 2001})
        error = await receive_until(p, "error")
        assert (error["code"], error["id"]) == ("validation_error", "long")
        await p.send_json_to({"type": "message", "id": "z" * 65, "body": "ok"})
        assert (await receive_until(p, "error"))["code"] == "validation_error"
        await p.send_json_to({"type": "nope"})
        assert (await receive_until(p, "error"))["code"] == "bad_message"
        await p.disconnect()

    run(scenario)
    assert Message.objects.count() == 1  # just the question


def test_control_characters_in_a_frame_are_refused_and_nothing_is_stored(open_hours):
    guest, chat_id = _guest_starts_chat()

    async def scenario():
        p = participant_socket(guest, chat_id)
        assert (await p.connect())[0]
        await receive_until(p, "history")
        for body in ["nul\x00byte", "bell\x07", "lone \ud800 surrogate"]:
            await p.send_to(text_data=json.dumps({"type": "message", "id": "c1", "body": body}))
            error = await receive_until(p, "error")
            assert (error["code"], error["id"]) == ("validation_error", "c1")
            assert list(error["errors"]) == ["body"]
        await p.send_json_to({"type": "message", "id": "c2", "body": "tab\tand\nnewline ok"})
        assert (await receive_until(p, "ack"))["id"] == "c2"
        await p.disconnect()

    run(scenario)
    assert Message.objects.count() == 2  # the question and the clean message


def test_agent_socket_forwards_screen_pop_and_notify_events(open_hours):
    agent = on_shift_agent()
    agent_client = _logged_in(agent)

    async def scenario():
        a = agent_socket(agent_client)
        assert (await a.connect())[0]
        await receive_until(a, "chats")
        layer = get_channel_layer()
        await layer.group_send(
            realtime.agent_group(agent.pk),
            {"type": "screen.pop", "call": {"from": "+62812***890"}, "title": "Incoming call"},
        )
        pop = await receive_until(a, "screen.pop")
        assert pop["call"] == {"from": "+62812***890"}
        await layer.group_send(realtime.agent_group(agent.pk), {"type": "notify", "message": "hi"})
        assert (await receive_until(a, "notify"))["message"] == "hi"
        await a.disconnect()

    run(scenario)


def test_group_send_on_commit_reaches_the_agent_from_sync_code(open_hours):
    from django.db import transaction

    agent = on_shift_agent()
    agent_client = _logged_in(agent)

    async def scenario():
        a = agent_socket(agent_client)
        assert (await a.connect())[0]
        await receive_until(a, "chats")

        def sync_side():
            with transaction.atomic():
                realtime.group_send_on_commit(
                    realtime.agent_group(agent.pk), {"type": "screen.pop", "n": 1}
                )

        await database_sync_to_async(sync_side)()
        assert (await receive_until(a, "screen.pop"))["n"] == 1
        await a.disconnect()

    run(scenario)


def test_websocket_from_another_origin_is_refused():
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    from config.routing import websocket_urlpatterns

    with override_settings(ALLOWED_HOSTS=["prakerja.example"]):
        app = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))

    async def scenario():
        comm = WebsocketCommunicator(
            app, "/ws/livechat/agent/", headers=[(b"origin", b"https://evil.example")]
        )
        connected, _ = await comm.connect()
        assert not connected

    run(scenario)


@override_settings(LIVECHAT_MAX_CHATS_PER_AGENT=1)
def test_queue_positions_update_as_chats_are_taken(open_hours):
    first_client, first_id = _guest_starts_chat("pertama")
    second_client, second_id = _guest_starts_chat("kedua")

    async def scenario():
        p = participant_socket(second_client, second_id)
        assert (await p.connect())[0]
        state = await receive_until(p, "state")
        assert state["chat"]["position"] == 2
        await database_sync_to_async(on_shift_agent)()
        await database_sync_to_async(services.chats_dispatch)()
        queue = await receive_until(p, "queue")
        assert queue["position"] == 1
        assert queue["eta_seconds"] > 0
        await p.disconnect()

    run(scenario)


@pytest.mark.parametrize("change", ["deactivate", "remove_role"])
def test_an_agent_deactivated_while_connected_is_refused_at_the_next_frame(open_hours, change):
    agent = on_shift_agent()
    agent_client = _logged_in(agent)
    guest, chat_id = _guest_starts_chat()

    def revoke():
        if change == "deactivate":
            type(agent).objects.filter(pk=agent.pk).update(is_active=False)
        else:
            agent.groups.clear()

    async def scenario():
        a = agent_socket(agent_client)
        assert (await a.connect())[0]
        assert (await receive_until(a, "chats"))["chats"][0]["id"] == chat_id
        await database_sync_to_async(revoke)()
        await a.send_json_to({"type": "message", "chat": chat_id, "id": "a-1", "body": "masih?"})
        error = await receive_until(a, "error")
        assert error["code"] == "not_allowed"
        assert (await a.receive_output(timeout=TIMEOUT)) == {
            "type": "websocket.close",
            "code": 4403,
        }

    run(scenario)
    assert not Message.objects.filter(client_msg_id="a-1").exists()


def test_frame_size_is_counted_in_bytes(open_hours):
    guest, chat_id = _guest_starts_chat()

    async def scenario():
        p = participant_socket(guest, chat_id)
        assert (await p.connect())[0]
        await receive_until(p, "history")
        body = "€" * 3000  # 3,000 characters, 9,000 bytes
        frame = json.dumps({"type": "message", "id": "e", "body": body}, ensure_ascii=False)
        assert len(frame) < 8192 < len(frame.encode())
        await p.send_to(text_data=frame)
        assert (await receive_until(p, "error"))["code"] == "too_large"
        await p.disconnect()

    run(scenario)


def test_sockets_per_chat_are_capped(open_hours, settings):
    settings.LIVECHAT_MAX_SOCKETS_PER_CHAT = 2
    guest, chat_id = _guest_starts_chat()

    async def scenario():
        first, second, third = (participant_socket(guest, chat_id) for _ in range(3))
        assert (await first.connect())[0]
        assert (await second.connect())[0]
        connected, code = await third.connect()
        assert (connected, code) == (False, 4429)
        await first.disconnect()
        again = participant_socket(guest, chat_id)
        assert (await again.connect())[0]  # a closed tab frees its place
        await second.disconnect()
        await again.disconnect()

    run(scenario)


def test_read_receipts_are_relayed_forward_only_and_throttled(open_hours):
    agent = on_shift_agent()
    agent_client = _logged_in(agent)
    guest, chat_id = _guest_starts_chat()

    async def scenario():
        a = agent_socket(agent_client)
        assert (await a.connect())[0]
        await receive_until(a, "chats")
        p = participant_socket(guest, chat_id)
        assert (await p.connect())[0]
        await receive_until(p, "history")
        for upto in (5, 5, 4, 6, 7, 8):
            await p.send_json_to({"type": "seen", "upto": upto})
        relayed = [m["upto"] for m in await drain(a) if m["type"] == "seen"]
        assert relayed == [5]
        await p.disconnect()
        await a.disconnect()

    run(scenario)


def test_the_server_caps_websocket_frames_where_it_is_started():
    """uvicorn buffers a whole frame (16 MiB by default) before the consumer sees it."""
    from pathlib import Path

    from prakerja.livechat.consumers.base import MAX_FRAME

    root = Path(__file__).resolve().parents[3]
    option = f"--ws-max-size {2 * MAX_FRAME}"
    for name in ("Makefile", "docs/OPERATIONS.md", "README.md"):
        text = (root / name).read_text()
        starts = [line for line in text.splitlines() if "uvicorn config.asgi" in line]
        assert starts, name
        assert all(option in text[text.index(line) :][:300] for line in starts), name
