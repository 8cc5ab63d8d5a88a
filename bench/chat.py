"""Live chat under load: N open chats over websockets with agents answering, Redis channel layer.

    .venv/bin/python bench/chat.py                      # 500 chats, 30 s, ~3 minutes in all
    .venv/bin/python bench/chat.py --chats 2000 --duration 60

What it does, all on 127.0.0.1 in livechat's port range (8300-8399):
1. A throwaway PostgreSQL database (`--database-url`, dropped and re-created, migrated) with
   N participants, N/`--per-agent` agents and N active chats (chat tickets assigned round-robin,
   the agent's greeting already in the thread), and a session per user.
2. The ceiling: a bare ASGI websocket echo app under the same uvicorn (same worker count); N
   connections each send one message every `--interval` s; round trip = send -> echo.
3. The real thing: `config.asgi:application` under uvicorn with the Redis channel layer
   (`--redis-url`). Agents connect to the workspace socket and reply at once to each participant
   message; N participants connect to their chat and send one message every `--interval` s.
   Measured per participant message: **ack** (stored and acknowledged) and **round trip**
   (participant -> stored -> agent's socket -> agent's reply stored -> participant's socket).
4. Server memory: the workers' RSS (from /proc) before and after the connections opened.

The load generator is `--clients` processes (default 2) with an even share of the sockets each,
used the same way for the echo and the chat runs. The chats are mid-conversation (the agent has
answered once) unless `--unanswered`.

Bounded in count and time; the servers are stopped at the end. The load generator runs on the same
machine, so on a 2-core box it competes with the servers for CPU: read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import multiprocessing
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-not-for-production-0123456789abcdef"  # noqa: S105


# --- the ceiling: a bare websocket echo ASGI app ---------------------------------------------------


async def echo_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message.get("text")})
        else:
            return


# --- servers -------------------------------------------------------------------------------------


def server_env(args) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        "LIVECHAT_MAX_CHATS_PER_AGENT": str(args.per_agent),
        "LIVECHAT_MESSAGES_PER_10S": "100",
    }


def start_uvicorn(app: str, args, *, app_dir: str | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(args.port),
           "--workers", str(args.workers), "--log-level", "warning", "--no-access-log",
           "--lifespan", "off", "--ws-max-queue", "64", "--backlog", "4096",
           "--ws-ping-interval", str(args.ws_ping_interval)]  # fmt: skip
    if app_dir:
        cmd += ["--app-dir", app_dir]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(args))  # noqa: S603
    deadline = time.monotonic() + 60
    path = "/healthz" if app_dir is None else "/"
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{args.port}{path}", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise SystemExit(f"server {app} did not start")
    time.sleep(1.0)  # every worker up
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def worker_pids(proc: subprocess.Popen) -> list[str]:
    pids = []
    try:
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            pids += (task / "children").read_text().split()
    except OSError:
        pass
    return pids or [str(proc.pid)]


def workers_cpu_s(proc: subprocess.Popen) -> float:
    """User + system CPU seconds of the uvicorn workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in worker_pids(proc):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def workers_rss_kib(proc: subprocess.Popen) -> int:
    """Sum of VmRSS of the uvicorn worker processes (children of the supervisor)."""
    total = 0
    for pid in worker_pids(proc):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


# --- data ----------------------------------------------------------------------------------------


def prepare_database(args) -> None:
    import psycopg

    url = urlparse(args.database_url)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=server_env(args), check=True,
    )  # fmt: skip


def create_chats(args) -> tuple[list[tuple[int, str]], list[str]]:
    """N active chats; returns [(chat id, participant cookie)] and agent cookies."""
    os.environ.update({k: v for k, v in server_env(args).items() if k != "DJANGO_SETTINGS_MODULE"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from prakerja.core import clock
    from prakerja.helpdesk.models import Category, Channel, Message, Ticket, TicketStatus
    from prakerja.livechat.models import Chat, ChatState

    user_model = get_user_model()

    def cookie(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    agent_group = Group.objects.get(name="agent")
    n_agents = math.ceil(args.chats / args.per_agent)
    # bulk rows (the services' cost is what the load measures, not the set-up)
    agents = user_model.objects.bulk_create(
        [user_model(username=f"bench-agent-{i}", full_name=f"Agen {i}") for i in range(n_agents)]
    )
    agent_group.user_set.add(*agents)
    people = user_model.objects.bulk_create(
        [
            user_model(username=f"bench-p-{i}", full_name=f"Peserta {i}", email=f"p{i}@bench.test")
            for i in range(args.chats)
        ]
    )
    category = Category.objects.get(slug="other")
    now = clock.now()
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                reference=f"B{i:07d}",
                channel=Channel.CHAT,
                category=category,
                subject="Bench",
                description="Halo",
                requester=person,
                requester_name=person.full_name,
                assignee=agents[i % n_agents],
                created_at=now,
                updated_at=now,
                assigned_at=now,
                last_message_at=now,
            )  # fmt: skip
            for i, person in enumerate(people)
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                ticket=t,
                author=t.requester,
                author_name=t.requester_name,
                from_requester=True,
                body="Halo",
                created_at=now,
            )  # fmt: skip
            for t in tickets
        ]
    )
    if not args.unanswered:
        # Mid-conversation, as most of 2,000 open chats are: the agent has answered once (ticket
        # open, first response set), so the run measures ordinary messages, not 2,000 first
        # responses (status change, audit, report fact) in one minute. --unanswered for those.
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
            status=TicketStatus.OPEN, first_response_at=now
        )
        Message.objects.bulk_create(
            [
                Message(
                    ticket=t,
                    author=t.assignee,
                    author_name=t.assignee.full_name,
                    body="Halo, ada yang bisa dibantu?",
                    created_at=now,
                )  # fmt: skip
                for t in tickets
            ]
        )
    later = now + dt.timedelta(hours=1)  # not idle during the run
    rows = Chat.objects.bulk_create(
        [
            Chat(
                state=ChatState.ACTIVE,
                ticket=t,
                requester=t.requester,
                agent=t.assignee,
                requester_name=t.requester_name,
                question="Halo",
                created_at=now,
                queued_at=now,
                assigned_at=now,
                last_activity_at=later,
            )  # fmt: skip
            for t in tickets
        ]
    )
    chats = [(chat.pk, cookie(person)) for chat, person in zip(rows, people, strict=True)]
    return chats, [cookie(a) for a in agents]


# --- load ----------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def connect(url: str, cookie: str | None, origin: str):
    import websockets

    headers = {"Origin": origin}
    if cookie:
        headers["Cookie"] = cookie
    for attempt in range(5):
        try:
            return await websockets.connect(
                url, additional_headers=headers, open_timeout=30, max_queue=256, ping_interval=None
            )
        except Exception:  # noqa: BLE001 - refused or timed out: retry
            await asyncio.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"could not connect {url}")


async def open_all(factories, concurrency=100):
    sem = asyncio.Semaphore(concurrency)

    async def one(factory):
        async with sem:
            return await factory()

    return await asyncio.gather(*(one(f) for f in factories))


# The load generator: --clients processes, each with its own event loop and a share of the
# sockets (one process with 2,667 sockets on a 2-core machine adds its own queueing to every
# figure). They connect, meet at a barrier (the main process samples memory and starts the CPU
# count), run for --duration and send their samples back.

BARRIER_TIMEOUT = 600


def _share(items: list, k: int, n: int) -> list:
    return items[k::n]


def client_process(kind: str, args: argparse.Namespace, share: dict, barrier, results) -> None:
    coro = (
        _echo_client(args, share, barrier) if kind == "echo" else _chat_client(args, share, barrier)
    )
    results.put(asyncio.run(coro))


async def _meet(barrier) -> None:
    await asyncio.to_thread(barrier.wait, BARRIER_TIMEOUT)


async def _echo_client(args, share, barrier) -> dict:
    origin = f"http://127.0.0.1:{args.port}"
    url = f"ws://127.0.0.1:{args.port}/ws/echo"
    conns = await open_all([lambda: connect(url, None, origin)] * share["sockets"])
    gc.freeze()  # see _chat_client
    await _meet(barrier)  # every process connected: memory sampled, CPU count starts
    rtts: list[float] = []
    stop_at = time.monotonic() + args.duration

    async def client(ws):
        await asyncio.sleep(random.random() * args.interval)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "id": uuid.uuid4().hex, "body": "halo"}))
            await ws.recv()
            rtts.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(args.interval)

    t0 = time.monotonic()
    await asyncio.gather(*(client(ws) for ws in conns))
    elapsed = time.monotonic() - t0
    await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return {"connected": len(conns), "rtt": rtts, "elapsed": elapsed}


async def _chat_client(args, share, barrier) -> dict:
    origin = f"http://127.0.0.1:{args.port}"
    base = f"ws://127.0.0.1:{args.port}/ws/livechat"
    agents = await open_all(
        [lambda c=c: connect(f"{base}/agent/", c, origin) for c in share["agents"]]
    )
    await _meet(barrier)  # every agent of every process is in its chats' groups
    participants = await open_all(
        [lambda c=c, i=i: connect(f"{base}/chat/{i}/", c, origin) for i, c in share["chats"]]
    )
    await asyncio.sleep(2)
    # The sockets' objects live for the whole run: out of the GC's full collections, which
    # otherwise stall this process for 50-90 ms with 1,300 sockets and show up as round-trip
    # latency the server did not cause (done in the echo run too).
    gc.freeze()
    await _meet(barrier)  # everything connected: memory sampled, CPU count starts
    stop_at = time.monotonic() + args.duration
    acks: list[float] = []
    rtts: list[float] = []
    errors = {"count": 0}
    sent_at: dict[str, float] = {}

    async def agent_bot(ws):
        async for raw in ws:
            msg = json.loads(raw)
            if msg["type"] == "message" and msg["message"]["author"] == "participant":
                body = "re:" + msg["message"]["client_id"]
                await ws.send(json.dumps({"type": "message", "chat": msg["chat"],
                                          "id": uuid.uuid4().hex, "body": body}))  # fmt: skip
            elif msg["type"] == "error":
                errors["count"] += 1

    async def participant(ws):
        async def reader():
            async for raw in ws:
                msg = json.loads(raw)
                now = time.perf_counter()
                if msg["type"] == "ack" and msg["id"] in sent_at:
                    acks.append((now - sent_at[msg["id"]]) * 1000)
                elif msg["type"] == "message" and msg["message"]["body"].startswith("re:"):
                    cid = msg["message"]["body"][3:]
                    if cid in sent_at:
                        rtts.append((now - sent_at.pop(cid)) * 1000)
                elif msg["type"] == "error":
                    errors["count"] += 1

        task = asyncio.create_task(reader())
        await asyncio.sleep(random.random() * args.interval)
        while time.monotonic() < stop_at:
            cid = uuid.uuid4().hex
            sent_at[cid] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "id": cid, "body": "halo " + cid[:6]}))
            await asyncio.sleep(args.interval)
        await asyncio.sleep(3)  # let the last answers arrive
        task.cancel()

    bots = [asyncio.create_task(agent_bot(ws)) for ws in agents]
    t0 = time.monotonic()
    await asyncio.gather(*(participant(ws) for ws in participants))
    elapsed = time.monotonic() - t0
    for bot in bots:
        bot.cancel()
    closed = sum(1 for ws in participants + agents if ws.close_code is not None)
    await asyncio.gather(*(ws.close() for ws in participants + agents), return_exceptions=True)
    return {
        "connected": len(participants) + len(agents),
        "ack": acks,
        "rtt": rtts,
        "errors": errors["count"],
        "lost": len(sent_at),
        "dropped": closed,
        "elapsed": elapsed,
    }


def run_phase(kind: str, args, shares: list[dict], proc, *, meetings: int) -> dict:
    """Start the client processes, meet them at each barrier, sample the server, merge results."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(shares) + 1)
    queue = ctx.Queue()
    clients = [
        ctx.Process(target=client_process, args=(kind, args, share, barrier, queue))
        for share in shares
    ]
    for client in clients:
        client.start()
    try:
        for _ in range(meetings):
            barrier.wait(BARRIER_TIMEOUT)
        merged: dict = {"rss_connected": workers_rss_kib(proc)}
        cpu0 = workers_cpu_s(proc)
        parts = [queue.get(timeout=args.duration + BARRIER_TIMEOUT) for _ in clients]
        merged["cpu_s"] = workers_cpu_s(proc) - cpu0
    finally:
        for client in clients:
            client.join(30)
            if client.is_alive():
                client.kill()
    for key in ("connected", "errors", "lost", "dropped"):
        if key in parts[0]:
            merged[key] = sum(part[key] for part in parts)
    for key in ("rtt", "ack"):
        if key in parts[0]:
            merged[key] = [value for part in parts for value in part[key]]
    merged["elapsed"] = max(part["elapsed"] for part in parts)
    return merged


async def warm_up(args, chats) -> None:
    """Each worker imports, connects to the database and Redis before the memory baseline."""
    origin = f"http://127.0.0.1:{args.port}"
    base = f"ws://127.0.0.1:{args.port}/ws/livechat"
    for _ in range(args.workers * 2):
        ws = await connect(f"{base}/chat/{chats[0][0]}/", chats[0][1], origin)
        await ws.recv()
        await ws.close()
    await asyncio.sleep(1)


def summary(name: str, res: dict, n_conn: int, sent_key="rtt") -> dict:
    rtt = res.get(sent_key, [])
    out = {
        "name": name,
        "connections": res.get("connected"),
        "messages": len(rtt),
        "msgs_per_s": round(len(rtt) / res["elapsed"], 1) if res.get("elapsed") else None,
        "rtt_p50_ms": round(pct(rtt, 50), 1),
        "rtt_p99_ms": round(pct(rtt, 99), 1),
    }
    if res.get("ack"):
        out["ack_p50_ms"] = round(pct(res["ack"], 50), 1)
        out["ack_p99_ms"] = round(pct(res["ack"], 99), 1)
    if res.get("rss_connected") and res.get("rss_before"):
        out["rss_kib_per_conn"] = round((res["rss_connected"] - res["rss_before"]) / n_conn, 1)
        out["rss_mib_total"] = round(res["rss_connected"] / 1024, 1)
    if res.get("cpu_s") and res.get("stored"):
        out["server_cpu_ms_per_msg"] = round(1000 * res["cpu_s"] / res["stored"], 2)
    for key in ("errors", "lost", "dropped"):
        if key in res:
            out[key] = res[key]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--per-agent", type=int, default=3, help="chats per agent (the limit)")
    parser.add_argument(
        "--interval", type=float, default=10.0, help="s between a participant's messages"
    )
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8350)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/prakerja_bench_chat"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--clients", type=int, default=2, help="load-generator processes (sockets split evenly)"
    )
    parser.add_argument(
        "--ws-ping-interval",
        type=float,
        default=20.0,
        help="uvicorn's keepalive ping, both runs (20 = uvicorn's default; 0 = off)",
    )
    parser.add_argument(
        "--unanswered",
        action="store_true",
        help="chats the agent has not answered yet: every reply is a first response",
    )
    args = parser.parse_args()
    if not 8300 <= args.port <= 8399:
        raise SystemExit("use a port in 8300-8399 (livechat's range)")
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.1f} on {os.cpu_count()} cores", flush=True)
    subprocess.run(["redis-cli", "-u", args.redis_url, "flushdb"], check=False, capture_output=True)

    print("preparing database ...", flush=True)
    prepare_database(args)
    t0 = time.monotonic()
    chats, agent_cookies = create_chats(args)
    print(
        f"{len(chats)} chats, {len(agent_cookies)} agents in {time.monotonic() - t0:.0f} s",
        flush=True,
    )

    n = args.clients
    print(f"ceiling: bare websocket echo ({n} client processes) ...", flush=True)
    proc = start_uvicorn("chat:echo_app", args, app_dir=str(ROOT / "bench"))
    try:
        rss_before = workers_rss_kib(proc)
        sizes = [len(_share(chats, k, n)) for k in range(n)]
        echo_results = run_phase(
            "echo", args, [{"sockets": size} for size in sizes], proc, meetings=1
        )
        echo_results["rss_before"] = rss_before
        echo_results["stored"] = len(echo_results["rtt"])
    finally:
        stop(proc)

    print(f"live chat with the Redis channel layer ({n} client processes) ...", flush=True)
    proc = start_uvicorn("config.asgi:application", args)
    try:
        asyncio.run(warm_up(args, chats))
        rss_before = workers_rss_kib(proc)
        shares = [
            {"chats": _share(chats, k, n), "agents": _share(agent_cookies, k, n)} for k in range(n)
        ]
        chat_results = run_phase("chat", args, shares, proc, meetings=2)
        chat_results["rss_before"] = rss_before
        # participant messages acked + agent replies seen
        chat_results["stored"] = len(chat_results["ack"]) + len(chat_results["rtt"])
    finally:
        stop(proc)

    n_chat_conn = len(chats) + len(agent_cookies)
    rows = [
        summary("echo (ceiling)", echo_results, len(chats)),
        summary("live chat", chat_results, n_chat_conn),
    ]
    echo, chat = rows
    print(json.dumps(rows, indent=2))
    print(
        f"\nround trip p99: live chat {chat['rtt_p99_ms']} ms vs echo {echo['rtt_p99_ms']} ms "
        f"({chat['rtt_p99_ms'] / echo['rtt_p99_ms']:.1f}x); p50 {chat['rtt_p50_ms']} vs "
        f"{echo['rtt_p50_ms']} ms; load average at end {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
