"""Benchmark: ticket intake per second and agent-page latency with a million tickets.

    .venv/bin/python bench/tickets.py                          # 1,000,000 tickets
    .venv/bin/python bench/tickets.py --tickets 100000 --seconds 5

On PostgreSQL (production's database; SQLite, the embedded development database, has no
performance target), it creates a fresh database and migrates it, then starts gunicorn (2 sync
workers, production settings with the database task backend and Redis, loopback only, port 8200
by default) and measures, in the same run:

1. intake: POST /pengaduan/ (the web form, with CSRF, redirect not followed) and
   POST /api/v1/tickets, each for `--seconds` with `--clients` concurrent clients, against the
   baseline: a bare Django view doing one INSERT per POST under the same server. Every kind is
   warmed up first (`--warmup`), then measured in `--rounds` rounds of all three; each kind's
   ratio is the median of its per-round ratios to that round's baseline. No task worker runs
   meanwhile: intake is what a requester waits for;
2. the backlog intake left (one `ticket_intake` task per ticket: routing, report sync,
   acknowledgement e-mail), drained by `--workers` `manage.py db_worker --batch` processes:
   tasks and tickets routed per second;
3. agent pages with `--tickets` tickets bulk-loaded (SQL, spread over a year, 60 agents, most
   closed): the workspace queues (mine, unassigned, waiting, all open, all, by channel), the
   second page of a queue (keyset cursor), searches (reference, e-mail, phone, text: a word in
   no ticket and a word in every ticket), a ticket
   page, and the agent queue API; sequential requests, p50/p95, against GET /healthz (a bare
   view) as the latency baseline.

Everything it made (server, databases) is removed at the end.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"


# --- Server ---------------------------------------------------------------------------------------


def server_env(database_url: str, redis_url: str, workdir: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.tickets_settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": "https://bench.prakerja.invalid",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
        "HELPDESK_INTAKE_PER_IP": "1000000000",
        "HELPDESK_INTAKE_PER_EMAIL": "1000000000",
        "HELPDESK_TRACK_PER_IP": "1000000000",
        "REDIS_URL": redis_url,
    }


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PY, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


class Server:
    def __init__(self, env: dict, port: int):
        self.env, self.port = env, port

    def __enter__(self):
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(Path(PY).parent / "gunicorn"),
                "config.wsgi",
                "-w",
                "2",
                "-b",
                f"{HOST}:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _h, _b = request(self.port, "GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


# --- Intake load ----------------------------------------------------------------------------------


def _csrf_session(port):
    status, headers, body = request(port, "GET", "/pengaduan/")
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not cookie or not token:
        raise RuntimeError(f"could not get a CSRF token ({status})")
    return cookie.group(1), token.group(1).decode()


def _client_loop(port, kind, seconds, threads, worker_id, queue):
    """One process: `threads` threads posting for `seconds`; reports (ok, errors, latencies)."""
    cookie, token = _csrf_session(port) if kind == "form" else (None, None)
    stop = time.time() + seconds
    ok, errors, lat = [0], [0], []
    lock = threading.Lock()

    def one(i):
        n = 0
        while time.time() < stop:
            n += 1
            email = f"b{worker_id}-{i}-{n}@bench.test"
            if kind == "form":
                body = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": token,
                        "name": "Bench",
                        "email": email,
                        "phone": "",
                        "category": "certificate",
                        "subject": "Sertifikat belum muncul",
                        "description": "Pelatihan selesai, sertifikat belum ada.",
                        "website": "",
                    }
                )
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookie}",
                    "Referer": f"http://{HOST}:{port}/pengaduan/",
                }
                path, expect = "/pengaduan/", 302
            elif kind == "api":
                body = json.dumps(
                    {
                        "channel": "web",
                        "category": "certificate",
                        "subject": "Sertifikat belum muncul",
                        "description": "Pelatihan selesai, sertifikat belum ada.",
                        "name": "Bench",
                        "email": email,
                    }
                )
                headers = {"Content-Type": "application/json"}
                path, expect = "/api/v1/tickets", 201
            else:
                body = urllib.parse.urlencode({"subject": "x", "email": email})
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                path, expect = "/bench/insert/", 201
            t0 = time.perf_counter()
            try:
                status, _h, _b = request(port, "POST", path, body, headers)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - t0
            with lock:
                if status == expect:
                    ok[0] += 1
                    lat.append(elapsed)
                else:
                    errors[0] += 1

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put((ok[0], errors[0], lat))


def intake(port, kind, seconds, clients):
    """`clients` concurrent posters split over 2 processes (the client side needs CPU too)."""
    procs, queue = [], mp.Queue()
    per = [clients // 2 + clients % 2, clients // 2]
    for pid, threads in enumerate(per):
        if threads:
            p = mp.Process(target=_client_loop, args=(port, kind, seconds, threads, pid, queue))
            p.start()
            procs.append(p)
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])
    return {
        "rps": ok / seconds,
        "errors": errors,
        "p50_ms": 1000 * statistics.median(lat) if lat else None,
        "p95_ms": 1000 * lat[int(len(lat) * 0.95) - 1] if lat else None,
    }


KINDS = ("baseline", "form", "api")


def intake_rounds(args, kind):
    """Each kind warmed up (`--warmup` s, not counted: the workers' first requests import and
    connect, and with 2 s the first measured round of tickets still ran 10-25% below the later
    ones), then `--rounds` rounds, each measuring baseline, form and API back to back (the
    order rotating from round to round, so no kind always runs first or last).

    A kind's ratio is the median over rounds of its rate divided by the baseline's in the same
    round: a pair measured seconds apart shares the machine's state (a neighbour's load, a WAL
    checkpoint, autovacuum), which on a shared machine moved whole rounds by up to 30%, more
    than the medians of separately sorted rates could hide. The median round's rate is
    reported alongside."""
    for name in KINDS:
        intake(args.port, name, args.warmup, args.clients)
    rounds = []
    for n in range(args.rounds):
        order = KINDS[n % len(KINDS) :] + KINDS[: n % len(KINDS)]
        rounds.append({name: intake(args.port, name, args.seconds, args.clients) for name in order})
    report = {}
    for name in KINDS:
        ordered = sorted((r[name] for r in rounds), key=lambda r: r["rps"])
        ratios = [r[name]["rps"] / r["baseline"]["rps"] for r in rounds]
        report[f"intake {name}"] = {
            **ordered[len(ordered) // 2],
            "rounds_rps": [round(r[name]["rps"], 1) for r in rounds],
            "ratio": statistics.median(ratios),
            "rounds_ratio": [round(x, 3) for x in ratios],
        }
        print(kind, name, report[f"intake {name}"], flush=True)
    return report


# --- Bulk data ------------------------------------------------------------------------------------

SETUP = r"""
import datetime as dt
from django.db import connection
from prakerja.core import clock
from prakerja.core.demo import demo_user
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.helpdesk.models import AgentPresence, RosterEntry, Shift, Ticket

agents = [demo_user(username=f"agen{i:02d}", full_name=f"Agen {i:02d}", role=Role.AGENT) for i in range(1, 61)]
shift, _ = Shift.objects.get_or_create(code="bench", defaults={"name": "Bench", "starts_at": dt.time(0), "ends_at": dt.time(23, 59, 59)})
today = clock.local_now().date()
for a in agents[:30]:
    RosterEntry.objects.get_or_create(agent=a, shift=shift, date=today)
    # A limit high enough that the drain below routes every ticket it is given (routing's cost,
    # not the "everyone is full" shortcut, is what it measures).
    AgentPresence.objects.update_or_create(agent=a, defaults={"status": "online", "last_seen_at": clock.now() + dt.timedelta(days=1), "ticket_limit": 30_000})
_token, raw = api_token_create(user=agents[0], name="bench")
print("TOKEN", raw)
print("AGENT_IDS", agents[0].pk, agents[-1].pk)
"""

COLUMNS = (
    "reference, channel, category_id, subject, description, priority, status, requester_id, "
    "requester_name, requester_email, requester_phone, assignee_id, created_at, updated_at, "
    "assigned_at, first_response_at, resolved_at, closed_at, first_response_due_at, "
    "resolution_due_at, last_message_at"
)
# 90% closed, 4% resolved, 3% open, 1% pending, 2% new; a seventh of the new ones unassigned.
STATUS = (
    "CASE WHEN i % 100 < 90 THEN 'closed' WHEN i % 100 < 94 THEN 'resolved' "
    "WHEN i % 100 < 97 THEN 'open' WHEN i % 100 < 98 THEN 'pending' ELSE 'new' END"
)


def bulk_sql(n: int, first_agent: int, agents: int, categories: list[int]) -> str:
    """One INSERT ... SELECT of n tickets, one every 30 s back from now (a year for 1M)."""
    assignee = (
        f"CASE WHEN i % 100 >= 98 AND i % 7 = 0 THEN NULL ELSE {first_agent} + i % {agents} END"
    )
    cats = ",".join(map(str, categories))
    return f"""
    INSERT INTO helpdesk_ticket ({COLUMNS})
    SELECT 'Z' || lpad(i::text, 8, '0'), (ARRAY['web','chat','phone'])[1 + i % 3],
      (ARRAY[{cats}])[1 + i % {len(categories)}], 'Keluhan nomor ' || i, 'Uraian keluhan ' || i,
      (ARRAY['normal','normal','high','low'])[1 + i % 4], {STATUS}, NULL, 'Peserta ' || i,
      'p' || i || '@example.test', '+62812' || lpad(i::text, 8, '0'), {assignee},
      ts, ts, ts, ts + interval '20 minutes', NULL, NULL, ts + interval '4 hours',
      ts + interval '36 hours', ts
    FROM (SELECT i, now() - ({n} - i) * interval '30 seconds' AS ts
          FROM generate_series(1, {n}) AS i) AS s"""  # noqa: S608 - generated integers only


BULK = r"""
import time
from django.db import connection
from prakerja.helpdesk.models import Category
categories = list(Category.objects.order_by("pk").values_list("pk", flat=True))
import bench.tickets as bt
sql = bt.bulk_sql(__N__, __FIRST__, __AGENTS__, categories)
t0 = time.time()
with connection.cursor() as c:
    c.execute(sql)
with connection.cursor() as c:
    c.execute("ANALYZE helpdesk_ticket")
print("LOADED", __N__, round(time.time() - t0, 1))
"""


def bulk_load(env, n, first, last):
    code = (
        BULK.replace("__N__", str(n))
        .replace("__FIRST__", str(first))
        .replace("__AGENTS__", str(last - first + 1))
    )
    out = manage(env, "shell", stdin=code)
    return float(out.split("LOADED", 1)[1].split()[1])


# --- Background work -----------------------------------------------------------------------------

BACKLOG = r"""
from django_tasks_db.models import DBTaskResult
from prakerja.helpdesk.models import Ticket
ready = DBTaskResult.objects.ready().filter(task_path="prakerja.helpdesk.tasks.ticket_intake").count()
print("BACKLOG", ready, Ticket.objects.filter(assignee__isnull=False).count(), Ticket.objects.count())
"""


ANALYZE = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
"""


def backlog(env) -> tuple[int, int, int]:
    """(intake tasks waiting, tickets assigned, tickets)."""
    out = manage(env, "shell", stdin=BACKLOG)
    ready, assigned, total = (int(x) for x in out.split("BACKLOG", 1)[1].split()[:3])
    return ready, assigned, total


def drain(env, workers: int, seconds: int) -> dict:
    """Run `workers` task workers (`manage.py db_worker --batch`: exit when nothing is left) over
    the backlog that intake left, for at most `seconds`, and time them: routing, report sync and
    e-mail per ticket.

    The tables' statistics are brought up to date first (ANALYZE), as autovacuum does within a
    minute in production: this machine's PostgreSQL runs with autovacuum off, and statistics
    from before the intake had the worker's task query sort the whole backlog for every task."""
    manage(env, "shell", stdin=ANALYZE)
    ready, assigned_before, _total = backlog(env)
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [PY, str(ROOT / "manage.py"), "db_worker", "--batch", "--no-startup-delay"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    deadline = t0 + seconds
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGTERM)  # graceful: the running task finishes first
    for p in procs:
        p.wait()
    elapsed = time.perf_counter() - t0
    left, assigned_after, _total = backlog(env)
    done = ready - left
    return {
        "tasks": done,
        "left": left,
        "routed": assigned_after - assigned_before,
        "seconds": round(elapsed, 1),
        "tasks_per_s": done / elapsed if elapsed else None,
        "routed_per_s": (assigned_after - assigned_before) / elapsed if elapsed else None,
    }


# --- Latency --------------------------------------------------------------------------------------


def login(port, username, password="prakerja-demo"):  # noqa: S107 - the demo password
    status, headers, body = request(port, "GET", "/masuk/")
    csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, headers, _b = request(
        port,
        "POST",
        "/masuk/",
        urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": "/agen/",
            }
        ),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://{HOST}:{port}/masuk/",
        },
    )
    session = re.search(r"sessionid=([^;]+)", headers.get("Set-Cookie", ""))
    if status != 302 or not session:
        raise SystemExit(f"log-in failed ({status})")
    return f"csrftoken={csrf}; sessionid={session.group(1)}"


def timed(port, path, headers, repeat):
    request(port, "GET", path, headers=headers)  # warm
    lat = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        status, _h, body = request(port, "GET", path, headers=headers)
        lat.append(time.perf_counter() - t0)
        if status not in (200, 302):
            raise SystemExit(f"GET {path} -> {status}: {body[:300]!r}")
    lat.sort()
    return {
        "p50_ms": 1000 * statistics.median(lat),
        "p95_ms": 1000 * lat[max(0, int(len(lat) * 0.95) - 1)],
        "body": body,
    }


def latencies(port, cookie, token, repeat, n):
    auth = {"Cookie": cookie}
    first = timed(port, "/agen/?queue=all", auth, 1)["body"]
    cursor = re.search(rb"after=([0-9._]+)", first)
    pages = {
        "baseline GET /healthz": ("/healthz", {}),
        "workspace: mine": ("/agen/?queue=mine", auth),
        "workspace: unassigned": ("/agen/?queue=unassigned", auth),
        "workspace: waiting on requester": ("/agen/?queue=pending", auth),
        "workspace: all open": ("/agen/?queue=open", auth),
        "workspace: all open, phone": ("/agen/?queue=open&channel=phone", auth),
        "workspace: all": ("/agen/?queue=all", auth),
        "workspace: all, page 2 (keyset)": (
            f"/agen/?queue=all&after={cursor.group(1).decode()}",
            auth,
        ),
        "search: reference": (f"/agen/?q=Z{n // 2:08d}", auth),
        "search: e-mail": (f"/agen/?q=p{n // 3}%40example.test", auth),
        "search: phone": (f"/agen/?q=0812{n // 3:08d}", auth),
        "search: text (rare word)": ("/agen/?q=tidakada", auth),
        "search: text (word in every ticket)": ("/agen/?q=keluhan", auth),
        "ticket page": (f"/agen/tiket/Z{n - 1:08d}/", auth),
        "API: agent queue (open)": (
            "/api/v1/agent/tickets?queue=open",
            {"Authorization": f"Bearer {token}"},
        ),
    }
    results = {}
    for name, (path, headers) in pages.items():
        results[name] = timed(port, path, headers, repeat)
        results[name].pop("body")
    return results


# --- Main -----------------------------------------------------------------------------------------


def run_database(kind, args, workdir):
    dbname = f"bench_helpdesk_{os.getpid()}"
    base = args.pg_url.rstrip("/")
    subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)  # noqa: S603,S607
    url = f"{base}/{dbname}"

    def drop():
        subprocess.run(  # noqa: S603,S607
            ["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"],
            check=False,
        )

    env = server_env(url, args.redis_url, workdir)
    try:
        manage(env, "migrate", "--noinput")
        out = manage(env, "shell", stdin=SETUP)
        token = out.split("TOKEN ", 1)[1].split()[0]
        first, last = (int(x) for x in out.split("AGENT_IDS ", 1)[1].split()[:2])
        report = {"database": kind}
        with Server(env, args.port) as _server:
            # Intake is the request rate with no task worker running: what the requester waits
            # for. The work the requests left behind is timed separately below.
            if not args.skip_intake:
                report.update(intake_rounds(args, kind))
        if not args.skip_intake:
            report["drain"] = drain(env, args.workers, args.drain_seconds)
            print(kind, "drain", report["drain"], flush=True)
        report["bulk_load_s"] = bulk_load(env, args.tickets, first, last)
        print(kind, "loaded", args.tickets, "in", report["bulk_load_s"], "s", flush=True)
        with Server(env, args.port) as _server:
            cookie = login(args.port, "agen01")
            report["latency"] = latencies(args.port, cookie, token, args.repeat, args.tickets)
        for name, figures in report["latency"].items():
            print(
                f"{kind:8} {name:36} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
            )
        return report
    finally:
        drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="postgres")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=6, help="per intake measurement")
    parser.add_argument("--rounds", type=int, default=7, help="intake rounds (median reported)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of warm-up per kind")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=40, help="requests per page")
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="the server's cache and channel layer (production requires Redis)",
    )
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--skip-intake", action="store_true", help="only the agent pages")
    parser.add_argument(
        "--workers", type=int, default=1, help="task workers draining the intake backlog"
    )
    parser.add_argument(
        "--drain-seconds", type=int, default=45, help="at most this long draining the backlog"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-tickets-"))
    reports = []
    try:
        for kind in args.databases.split(","):
            reports.append(run_database(kind.strip(), args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for r in reports:
        if args.skip_intake:
            continue
        base = r["intake baseline"]["rps"]
        print(
            f"{r['database']}: one-INSERT baseline {base:.0f} req/s; form "
            f"{r['intake form']['rps']:.0f}/s ({r['intake form']['ratio']:.2f}x); API "
            f"{r['intake api']['rps']:.0f}/s ({r['intake api']['ratio']:.2f}x); worker "
            f"drained {r['drain']['tasks']} tickets at {r['drain']['tasks_per_s']:.0f}/s "
            f"({r['drain']['routed']} routed, {r['drain']['left']} left); worst agent "
            f"page p95 {max(v['p95_ms'] for k, v in r['latency'].items() if not k.startswith('baseline')):.1f} ms"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
