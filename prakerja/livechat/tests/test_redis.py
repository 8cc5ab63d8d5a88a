"""Redis channel layer across two server processes: the participant is connected to one uvicorn
process, the agent to another, and every event crosses through Redis.

The processes share the test database, so this needs PostgreSQL as well as Redis.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from prakerja.helpdesk.models import Message
from prakerja.livechat import services
from prakerja.livechat.models import Chat, ChatState

from .factories import participant
from .live import free_port, online_agent, open_all_day

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]
ROOT = Path(__file__).resolve().parents[3]


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _start_server(port: int, redis_url: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # sessions made here must validate there
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--lifespan", "off"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode()[-2000:])
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


@pytest.fixture
def two_servers(redis_url):
    first = free_port()
    second = free_port(exclude={first})
    procs = [_start_server(first, redis_url), _start_server(second, redis_url)]
    try:
        _wait_up(first, procs[0])
        _wait_up(second, procs[1])
        yield first, second
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _recv_until(ws, kind, *, limit=20):
    for _ in range(limit):
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind}")


def test_participant_and_agent_on_different_processes(two_servers):
    import websockets

    shift = open_all_day()
    person = participant(full_name="Dewi Peserta")
    chat = services.chat_start(requester=person, name="", email="", question="Akun terkunci")
    agent = online_agent(shift, full_name="Rina Agen")
    p_port, a_port = two_servers
    p_cookie, a_cookie = _session_cookie(person), _session_cookie(agent)

    async def scenario():
        p_ws = await websockets.connect(
            f"ws://127.0.0.1:{p_port}/ws/livechat/chat/{chat.pk}/",
            additional_headers={"Cookie": p_cookie, "Origin": f"http://127.0.0.1:{p_port}"},
        )
        assert (await _recv_until(p_ws, "state"))["chat"]["state"] == "queued"
        a_ws = await websockets.connect(
            f"ws://127.0.0.1:{a_port}/ws/livechat/agent/",
            additional_headers={"Cookie": a_cookie, "Origin": f"http://127.0.0.1:{a_port}"},
        )
        assigned = await _recv_until(a_ws, "assigned")  # dispatched by the agent's process
        assert assigned["chat"]["id"] == chat.pk
        joined = await _recv_until(p_ws, "state")  # crossed to the participant's process
        assert joined["chat"]["agent_name"] == "Rina Agen"

        await p_ws.send(json.dumps({"type": "message", "id": "p-1", "body": "Halo dari A"}))
        assert (await _recv_until(p_ws, "ack"))["id"] == "p-1"
        got = await _recv_until(a_ws, "message")
        assert got["message"]["body"] == "Halo dari A"

        await a_ws.send(json.dumps({"type": "typing", "chat": chat.pk, "on": True}))
        assert (await _recv_until(p_ws, "typing"))["on"] is True
        await a_ws.send(
            json.dumps({"type": "message", "chat": chat.pk, "id": "a-1", "body": "Halo dari B"})
        )
        reply = await _recv_until(p_ws, "message")
        assert reply["message"]["body"] == "Halo dari B"
        await p_ws.close()
        await a_ws.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
    chat.refresh_from_db()
    assert chat.state == ChatState.ACTIVE
    assert Chat.objects.get(pk=chat.pk).agent == agent
    assert list(Message.objects.filter(kind="public").values_list("body", flat=True)) == [
        "Akun terkunci",
        "Halo dari A",
        "Halo dari B",
    ]
