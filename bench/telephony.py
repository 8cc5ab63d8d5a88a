"""Benchmark: telephony events/s accepted by the API, and the screen-pop delay, each next to a
bare baseline served by the same server in the same run.

    .venv/bin/python bench/telephony.py                          # PostgreSQL
    .venv/bin/python bench/telephony.py --events 1000

For each database it creates a fresh database and migrates it, creates a PBX token and six agents
with extensions, and starts gunicorn (WSGI, 2 workers: the API, as in production) on 127.0.0.1
(port 8400) and uvicorn (ASGI: the agent websocket, port 8401), sharing a Redis channel layer.

1. Events/s: a simulated day's events (`manage.py simulate_calls --dry-run`: newCall/answer/
   hangup, transfers, resends, swapped neighbours) are POSTed to /api/v1/telephony/events by
   `--concurrency` senders (each call's events through one sender). Baseline: the same payloads
   POSTed to a bare view that does one INSERT per POST, under the same server and middleware.
2. Screen-pop delay: an agent's websocket is open on uvicorn; per call, newCall is sent, then the
   clock starts and `answer` is POSTed; measured until the `screen.pop` arrives on the socket
   ("push"), and until the pop fragment the browser then fetches shows the ticket ("shown").
   Baseline: a bare view that sends a `screen.pop` to the same group without touching the
   database.

Servers, the databases it made and its Redis keys are removed at the end.
"""

import argparse
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
AGENTS = ["201", "202", "203", "204", "205", "206"]

SETUP = """
import json
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from prakerja.core.demo import demo_user
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.telephony.models import AgentExtension
from django.contrib.auth import get_user_model
pbx = get_user_model().objects.create(username="bench-pbx", email="pbx@bench.invalid")
pbx.user_permissions.add(Permission.objects.get(codename="add_callevent"))
token = api_token_create(user=pbx, name="bench")[1]
agents = []
for ext in %(agents)r:
    user = demo_user(username="bench-agent-" + ext, full_name="Agent " + ext, role=Role.AGENT)
    AgentExtension.objects.get_or_create(agent=user, extension=ext)
    agents.append(user)
watcher = agents[0]
session = SessionStore()
session["_auth_user_id"] = str(watcher.pk)
session["_auth_user_backend"] = "prakerja.accounts.backends.UsernameOrEmailBackend"
session["_auth_user_hash"] = watcher.get_session_auth_hash()
session.create()
with connection.cursor() as c:
    c.execute("CREATE TABLE bench_event (id INTEGER PRIMARY KEY %(autoinc)s, call_id VARCHAR(100), body TEXT)")
print(json.dumps({"token": token, "session": session.session_key, "agent_id": watcher.pk}))
"""

COUNT = """
from collections import Counter
from django.db import connection
from prakerja.telephony.models import Call, CallEvent
with connection.cursor() as c:
    c.execute("SELECT COUNT(*) FROM bench_event")
    inserted = c.fetchone()[0]
print(dict(Counter(Call.objects.values_list("outcome", flat=True))), CallEvent.objects.count(), inserted)
"""


def run(cmd, env, check=True):
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return result


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def wait_up(url: str, seconds: float = 30) -> None:
    import httpx

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"server did not start: {url}")


def send_all(url: str, payloads: list[dict], *, concurrency: int, token: str = "") -> dict:
    """POST every payload; one lane (thread, keep-alive connection) per call id bucket."""
    import httpx

    lanes = [queue.Queue() for _ in range(concurrency)]
    for payload in payloads:
        lanes[zlib.crc32(payload["call_id"].encode()) % concurrency].put(payload)
    latencies: list[float] = []
    errors: list[tuple[int, str]] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def worker(lane: queue.Queue) -> None:
        mine, bad = [], []
        with httpx.Client(headers=headers, timeout=60) as client:
            while not lane.empty():
                payload = lane.get()
                t = time.perf_counter()
                response = client.post(url, json=payload)
                mine.append(time.perf_counter() - t)
                if response.status_code != 200:
                    bad.append((response.status_code, response.text[:200]))
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=worker, args=(lane,)) for lane in lanes]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "events": len(latencies),
        "seconds": seconds,
        "per_s": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def screen_pop_delays(api: str, ws_url: str, env_info: dict, *, calls: int) -> dict:
    import httpx
    from websockets.sync.client import connect

    cookie = f"sessionid={env_info['session']}"
    headers = {"Authorization": f"Bearer {env_info['token']}"}
    result = {"push": [], "shown": [], "baseline": []}
    with (
        connect(ws_url, additional_headers={"Cookie": cookie, "Origin": api}) as ws,
        httpx.Client(base_url=api, timeout=30) as client,
    ):
        time.sleep(0.5)

        def wait_for(call_id: str) -> float:
            deadline = time.time() + 10
            while time.time() < deadline:
                message = json.loads(ws.recv(timeout=10))
                if message.get("type") == "screen.pop" and message.get("call_id") == call_id:
                    return time.perf_counter()
            raise SystemExit(f"no screen.pop for {call_id}")

        for n in range(calls):
            call_id = f"pop-{n}"
            base = {
                "call_id": call_id,
                "direction": "in",
                "from": "081234567890",
                "to": "08001503001",
            }
            client.post(
                "/api/v1/telephony/events", json={**base, "event": "newCall"}, headers=headers
            ).raise_for_status()
            t0 = time.perf_counter()
            client.post(
                "/api/v1/telephony/events",
                json={**base, "event": "answer", "agent": AGENTS[0]},
                headers=headers,
            ).raise_for_status()
            pushed = wait_for(call_id)
            result["push"].append(pushed - t0)
            page = client.get(
                "/agent/phone/pops/", headers={"Cookie": cookie, "HX-Request": "true"}
            )
            assert call_id in page.text, page.status_code
            result["shown"].append(time.perf_counter() - t0)
            client.post(
                "/api/v1/telephony/events",
                json={**base, "event": "hangup", "cause": "normalClearing"},
                headers=headers,
            ).raise_for_status()
            # Baseline: a bare view pushing the same event to the same group.
            call_id = f"base-{n}"
            t0 = time.perf_counter()
            client.post(
                f"/bench/push/{env_info['agent_id']}/", json={"call_id": call_id}
            ).raise_for_status()
            result["baseline"].append(wait_for(call_id) - t0)
    return {
        key: {"p50_ms": statistics.median(v) * 1000, "p95_ms": percentile(v, 0.95) * 1000}
        for key, v in result.items()
    }


def bench_database(name: str, url: str, args, payloads: list[dict]) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.telephony_server",
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": "https://bench.prakerja.invalid",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": url,
        "REDIS_URL": args.redis,
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": str(ROOT),
    }
    print(f"[{name}] migrate", flush=True)
    run([PY, "manage.py", "migrate", "--noinput"], env)
    autoinc = "AUTOINCREMENT" if url.startswith("sqlite") else "GENERATED ALWAYS AS IDENTITY"
    setup = SETUP % {"agents": AGENTS, "autoinc": autoinc}
    info = json.loads(
        run([PY, "manage.py", "shell", "-c", setup], env).stdout.strip().splitlines()[-1]
    )
    api = f"http://127.0.0.1:{args.port}"
    servers = [
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.port + 1),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
    ]
    try:
        wait_up(f"{api}/healthz")
        wait_up(f"http://127.0.0.1:{args.port + 1}/healthz")
        # Warm-up both paths (imports, connections), then the measured runs.
        send_all(f"{api}/bench/insert/", payloads[:50], concurrency=args.concurrency)
        print(f"[{name}] baseline: {len(payloads)} POSTs to the bare INSERT view", flush=True)
        baseline = send_all(f"{api}/bench/insert/", payloads, concurrency=args.concurrency)
        print(f"[{name}] telephony API: {len(payloads)} events", flush=True)
        events = send_all(
            f"{api}/api/v1/telephony/events",
            payloads,
            concurrency=args.concurrency,
            token=info["token"],
        )
        print(f"[{name}] screen-pop: {args.pops} answered calls", flush=True)
        pops = screen_pop_delays(
            api, f"ws://127.0.0.1:{args.port + 1}/ws/livechat/agent/", info, calls=args.pops
        )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=20)
    counts = run([PY, "manage.py", "shell", "-c", COUNT], env).stdout.strip().splitlines()[-1]
    return {
        "database": name,
        "baseline": baseline,
        "events": events,
        "pops": pops,
        "counts": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=3000, help="about this many events")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--pops", type=int, default=40, help="answered calls timed for the screen-pop"
    )
    parser.add_argument("--databases", default="postgres")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--port", type=int, default=8400, help="gunicorn; uvicorn uses port+1")
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    calls = max(10, args.events // 3)
    lines = run(
        [
            PY,
            "manage.py",
            "simulate_calls",
            "--dry-run",
            "--calls",
            str(calls),
            "--date",
            "2026-11-23",
            "--agents",
            ",".join(AGENTS),
            "--seed",
            "3",
        ],
        env,
    ).stdout.splitlines()
    payloads = [json.loads(line) for line in lines if line.startswith("{")]
    print(f"{calls} simulated calls, {len(payloads)} events (with resends and swaps)", flush=True)

    results = []
    for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if name == "sqlite":
            tmp = tempfile.mkdtemp(prefix="bench-telephony-")
            try:
                results.append(bench_database(name, f"sqlite:///{tmp}/db.sqlite3", args, payloads))
            finally:
                subprocess.run(["rm", "-rf", tmp], check=False)
        elif name == "postgres":
            import psycopg

            db = f"bench_telephony_{os.getpid()}"
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{db}"')
            try:
                url = args.postgres.rsplit("/", 1)[0] + "/" + db
                results.append(bench_database(name, url, args, payloads))
            finally:
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        else:
            raise SystemExit(f"unknown database {name!r}")
    import redis

    redis.Redis.from_url(args.redis).flushdb()

    print()
    print(
        "| Database | Baseline: bare INSERT view | Telephony API | Ratio | API p50 / p95 | Errors |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        b, e = r["baseline"], r["events"]
        print(
            f"| {r['database']} | {b['per_s']:.0f} POST/s (p50 {b['p50_ms']:.1f} ms) | {e['per_s']:.0f} events/s "
            f"| {e['per_s'] / b['per_s']:.2f}x | {e['p50_ms']:.1f} / {e['p95_ms']:.1f} ms | {e['errors']} |"
        )
    print()
    print(
        "| Database | Baseline push (bare view) p50 / p95 | Screen-pop push p50 / p95 | Shown (fragment fetched) p50 / p95 |"
    )
    print("|---|---|---|---|")
    for r in results:
        p = r["pops"]
        print(
            f"| {r['database']} | {p['baseline']['p50_ms']:.1f} / {p['baseline']['p95_ms']:.1f} ms "
            f"| {p['push']['p50_ms']:.1f} / {p['push']['p95_ms']:.1f} ms "
            f"| {p['shown']['p50_ms']:.1f} / {p['shown']['p95_ms']:.1f} ms |"
        )
    print()
    for r in results:
        print(f"{r['database']}: outcomes, stored events, baseline rows: {r['counts']}")
        if r["events"]["errors"]:
            print(f"  first errors: {r['events']['first_errors']}")


if __name__ == "__main__":
    main()
