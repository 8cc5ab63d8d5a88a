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
import contextlib
import datetime as dt
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
sys.path.insert(0, str(ROOT))

from bench import tickets_helpdesk  # noqa: E402 - after the path is set

PY = sys.executable
HOST = "127.0.0.1"
INTAKE_BATCH = 200  # prakerja.helpdesk.tasks.INTAKE_BATCH


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
    return tickets_helpdesk.run_django(
        [PY, str(ROOT / "manage.py"), *args], env, stdin=stdin, cwd=ROOT
    )


class Server:
    """gunicorn, 2 sync workers, on loopback: ours by default, or another project's
    (`python`: its interpreter, `app`: its WSGI module, `health`: a page that answers 200)."""

    def __init__(self, env: dict, port: int, *, python=PY, app="config.wsgi", health="/healthz"):
        self.env, self.port, self.python, self.app, self.health = env, port, python, app, health

    def __enter__(self):
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(self.python),
                str(Path(self.python).parent / "gunicorn"),
                self.app,
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
                status, _h, _b = request(self.port, "GET", self.health)
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"gunicorn ({self.app}) did not start")

    def worker_pids(self) -> list[int]:
        return children(self.proc.pid)

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


# --- CPU ------------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a live process (/proc/PID/stat), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, ValueError):
                continue
    return out


def backends(dbname: str) -> list[int]:
    """PostgreSQL backends connected to `dbname` (this machine's server: their process title
    is `postgres: <cluster>: <user> <database> <client> <state>`)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if title.startswith("postgres:") and f" {dbname} " in title:
                out.append(int(entry.name))
    return out


class CpuMeter:
    """CPU used by some processes between `start()` and `stop()`: the given ones (a server's
    workers) and every PostgreSQL backend of the databases, including backends that start and
    end in between (sampled every 50 ms; a backend's last 50 ms before it exits are missed)."""

    def __init__(self, *, pids=(), databases=()):
        self.pids, self.databases = list(pids), list(databases)

    def _sample(self):
        for pid in [*self.pids, *(b for db in self.databases for b in backends(db))]:
            value = cpu_seconds(pid)
            if value is not None:
                self.first.setdefault(pid, value if pid in self.at_start else 0.0)
                self.last[pid] = value

    def start(self):
        self.at_start = set(self.pids) | {b for db in self.databases for b in backends(db)}
        self.first, self.last, self.running = {}, {}, True
        self._sample()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while self.running:
            time.sleep(0.05)
            self._sample()

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


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


FORM_PATHS = {"form": "/pengaduan/", "helpdesk": tickets_helpdesk.PUBLIC_FORM}


def _csrf_session(port, path):
    status, headers, body = request(port, "GET", path)
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not cookie or not token:
        raise RuntimeError(f"could not get a CSRF token ({status})")
    return cookie.group(1), token.group(1).decode()


def _post(kind, port, email, cookie, token, queue_id):
    """(path, body, headers, expected status) of one ticket (or, baseline, one INSERT)."""
    form_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
        "Referer": f"http://{HOST}:{port}{FORM_PATHS.get(kind, '/')}",
    }
    if kind == "form":
        fields = {
            "csrfmiddlewaretoken": token,
            "name": "Bench",
            "email": email,
            "phone": "",
            "category": "certificate",
            "subject": "Sertifikat belum muncul",
            "description": "Pelatihan selesai, sertifikat belum ada.",
            "website": "",
        }
        return FORM_PATHS[kind], urllib.parse.urlencode(fields), form_headers, 302
    if kind == "helpdesk":  # django-helpdesk's public form, the same words
        fields = {
            "csrfmiddlewaretoken": token,
            "queue": str(queue_id),
            "title": "Sertifikat belum muncul",
            "body": "Pelatihan selesai, sertifikat belum ada.",
            "priority": "3",
            "submitter_email": email,
            "due_date": "",
        }
        return FORM_PATHS[kind], urllib.parse.urlencode(fields), form_headers, 302
    if kind == "api":
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
        return "/api/v1/tickets", body, {"Content-Type": "application/json"}, 201
    body = urllib.parse.urlencode({"subject": "x", "email": email})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return "/bench/insert/", body, headers, 201


def _client_loop(target, kind, seconds, threads, worker_id, queue):
    """One process: `threads` threads posting for `seconds`; reports (ok, errors, latencies)."""
    port = target["port"]
    cookie, token = _csrf_session(port, FORM_PATHS[kind]) if kind in FORM_PATHS else (None, None)
    stop = time.time() + seconds
    ok, errors, lat = [0], [0], []
    lock = threading.Lock()

    def one(i):
        n = 0
        while time.time() < stop:
            n += 1
            email = f"b{worker_id}-{i}-{n}-{time.time_ns()}@bench.test"
            path, body, headers, expect = _post(
                kind, port, email, cookie, token, target.get("queue_id")
            )
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


def intake(target, kind, seconds, clients):
    """`clients` concurrent posters split over 2 processes (the client side needs CPU too),
    and the CPU the server's workers and their PostgreSQL backends spent meanwhile."""
    procs, queue = [], mp.Queue()
    per = [clients // 2 + clients % 2, clients // 2]
    meter = CpuMeter(pids=target["server"].worker_pids(), databases=[target["db"]]).start()
    for pid, threads in enumerate(per):
        if threads:
            p = mp.Process(target=_client_loop, args=(target, kind, seconds, threads, pid, queue))
            p.start()
            procs.append(p)
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    cpu = meter.stop()
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])
    return {
        "rps": ok / seconds,
        "ok": ok,
        "errors": errors,
        "cpu_ms": 1000 * cpu / ok if ok else None,
        "p50_ms": 1000 * statistics.median(lat) if lat else None,
        "p95_ms": 1000 * lat[int(len(lat) * 0.95) - 1] if lat else None,
    }


def intake_rounds(args, targets):
    """Each kind warmed up (`--warmup` s, not counted: the workers' first requests import and
    connect, and with 2 s the first measured round of tickets still ran 10-25% below the later
    ones), then `--rounds` rounds, each measuring every kind (the one-INSERT baseline, our form
    and API, django-helpdesk's public form) back to back (the order rotating from round to
    round, so no kind always runs first or last).

    A kind's ratio is the median over rounds of its rate divided by the baseline's in the same
    round: a pair measured seconds apart shares the machine's state (a neighbour's load, a WAL
    checkpoint, autovacuum), which on a shared machine moved whole rounds by up to 30%, more
    than the medians of separately sorted rates could hide. The median round's rate is
    reported alongside, and the median of the CPU per request (server workers and PostgreSQL
    backends: CPU time, which a busy neighbour moves far less than a rate)."""
    kinds = list(targets)
    stored = dict.fromkeys(kinds, 0)  # every answered POST, warm-up included, to count rows
    for name in kinds:
        stored[name] += intake(targets[name], name, args.warmup, args.clients)["ok"]
    rounds = []
    for n in range(args.rounds):
        order = kinds[n % len(kinds) :] + kinds[: n % len(kinds)]
        rounds.append(
            {name: intake(targets[name], name, args.seconds, args.clients) for name in order}
        )
        for name in kinds:
            stored[name] += rounds[-1][name]["ok"]
        print("round", n + 1, {k: round(v["rps"]) for k, v in rounds[-1].items()}, flush=True)
    report = {}
    for name in kinds:
        ordered = sorted((r[name] for r in rounds), key=lambda r: r["rps"])
        ratios = [r[name]["rps"] / r["baseline"]["rps"] for r in rounds]
        report[f"intake {name}"] = {
            **ordered[len(ordered) // 2],
            "rounds_rps": [round(r[name]["rps"], 1) for r in rounds],
            "ratio": statistics.median(ratios),
            "rounds_ratio": [round(x, 3) for x in ratios],
            "cpu_ms": statistics.median(r[name]["cpu_ms"] for r in rounds),
            "rounds_cpu_ms": [round(r[name]["cpu_ms"], 2) for r in rounds],
            "answered": stored[name],
        }
        print("intake", name, report[f"intake {name}"], flush=True)
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


DRAINED = r"""
from django.db.models import Max, Min
from django.utils.dateparse import parse_datetime
from django_tasks_db.models import DBTaskResult
done = DBTaskResult.objects.filter(
    task_path="prakerja.helpdesk.tasks.ticket_intake", finished_at__gte=parse_datetime("__SINCE__")
)
span = done.aggregate(first=Min("started_at"), last=Max("finished_at"))
seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0
print("DRAINED", done.count(), done.filter(status="FAILED").count(), seconds)
"""


def drained(env, since) -> tuple[int, int, float]:
    """(intake tasks finished since `since`, of which failed, seconds from the first task's
    start to the last one's end: the workers' start-up left out)."""
    out = manage(env, "shell", stdin=DRAINED.replace("__SINCE__", since.isoformat()))
    done, failed, seconds = out.split("DRAINED", 1)[1].split()[:3]
    return int(done), int(failed), float(seconds)


def backlog(env) -> tuple[int, int, int]:
    """(intake tasks waiting, tickets assigned, tickets)."""
    out = manage(env, "shell", stdin=BACKLOG)
    ready, assigned, total = (int(x) for x in out.split("BACKLOG", 1)[1].split()[:3])
    return ready, assigned, total


def _worker(env, max_tasks: int | None = None) -> subprocess.Popen:
    limit = ["--max-tasks", str(max_tasks)] if max_tasks else []
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [PY, str(ROOT / "manage.py"), "db_worker", "--batch", "--no-startup-delay", *limit],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _reap(proc: subprocess.Popen) -> float:
    """Wait for a child; the CPU it used, whole (user + system, from wait4)."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def worker_startup_cpu(env) -> float:
    """CPU of a task worker that finds nothing to do: Django's start-up and one empty poll,
    subtracted from each draining worker's CPU."""
    return _reap(_worker(env))


def drain(
    env, dbname: str, workers: int, seconds: int, startup_cpu: float, max_tasks: int | None = None
) -> dict:
    """Run `workers` task workers (`manage.py db_worker --batch`: exit when nothing is left) over
    the backlog that intake left, for at most `seconds` (and at most `max_tasks` tasks run
    by each worker, each doing a batch of up to INTAKE_BATCH tickets): tickets done per second
    from the first task's start to the last one's end (the workers' start-up is left out: on a
    crowded machine it took longer than the drain), and the CPU they cost per ticket (the
    workers' own, less their start-up, and their PostgreSQL backends').

    The tables' statistics are brought up to date first (ANALYZE), as autovacuum does within a
    minute in production: this machine's PostgreSQL runs with autovacuum off, and statistics
    from before the intake had the worker's task query sort the whole backlog for every task."""
    manage(env, "shell", stdin=ANALYZE)
    _ready, assigned_before, _total = backlog(env)
    meter = CpuMeter(databases=[dbname]).start()
    since = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    procs = [_worker(env, max_tasks) for _ in range(workers)]
    reaped: set[int] = set()

    def stop():  # graceful: the running batch finishes first
        for p in procs:
            if p.pid not in reaped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.pid, signal.SIGTERM)

    timer = threading.Timer(seconds, stop)
    timer.start()
    worker_cpu = -workers * startup_cpu
    for p in procs:
        worker_cpu += _reap(p)
        reaped.add(p.pid)
    timer.cancel()
    elapsed = time.perf_counter() - t0
    database_cpu = meter.stop()
    left, assigned_after, _total = backlog(env)
    done, failed, busy = drained(env, since)
    return {
        "workers": workers,
        "tasks": done,
        "failed": failed,
        "left": left,
        "routed": assigned_after - assigned_before,
        "seconds": round(elapsed, 1),
        "busy_seconds": round(busy, 1),
        "tasks_per_s": done / busy if busy else None,
        "worker_cpu_ms": 1000 * worker_cpu / done if done else None,
        "database_cpu_ms": 1000 * database_cpu / done if done else None,
        "cpu_ms": 1000 * (worker_cpu + database_cpu) / done if done else None,
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


def _database(base: str, dbname: str):
    """Create `dbname`; a function that drops it."""
    subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)  # noqa: S603,S607

    def drop():
        subprocess.run(  # noqa: S603,S607
            ["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"],
            check=False,
        )

    return drop


def helpdesk_setup(args, workdir: Path, dbname: str) -> dict:
    """django-helpdesk installed (or `--helpdesk-python`), migrated, with a public queue."""
    import django

    python = (
        Path(args.helpdesk_python)
        if args.helpdesk_python
        else tickets_helpdesk.install(workdir, django.get_version())
    )
    url = urllib.parse.urlsplit(args.pg_url)
    environ = tickets_helpdesk.env(
        dbname=dbname,
        host=url.hostname or "127.0.0.1",
        port=str(url.port or 5432),
        user=url.username or "postgres",
        workdir=workdir,
        base=dict(os.environ),
    )
    queue_id = tickets_helpdesk.prepare(python, environ)
    return {"python": python, "env": environ, "queue_id": queue_id}


def run_database(kind, args, workdir):
    base = args.pg_url.rstrip("/")
    dbname = f"bench_helpdesk_{os.getpid()}"
    hd_dbname = f"bench_djhelpdesk_{os.getpid()}"
    drops = [_database(base, dbname)]
    env = server_env(f"{base}/{dbname}", args.redis_url, workdir)
    try:
        manage(env, "migrate", "--noinput")
        out = manage(env, "shell", stdin=SETUP)
        token = out.split("TOKEN ", 1)[1].split()[0]
        first, last = (int(x) for x in out.split("AGENT_IDS ", 1)[1].split()[:2])
        report = {"database": kind, "load_average_before": os.getloadavg()}
        if not args.skip_intake:
            startup = worker_startup_cpu(env)  # while the queue is empty
            report["worker_startup_cpu_s"] = startup
            helpdesk = None
            if not args.no_helpdesk:
                drops.append(_database(base, hd_dbname))
                helpdesk = helpdesk_setup(args, workdir, hd_dbname)
            with contextlib.ExitStack() as stack:
                # Intake is the request rate with no task worker running: what the requester
                # waits for. The work the requests left behind is timed separately below.
                ours = stack.enter_context(Server(env, args.port))
                targets = {
                    name: {"port": args.port, "server": ours, "db": dbname}
                    for name in ("baseline", "form", "api")
                }
                if helpdesk is not None:
                    theirs = stack.enter_context(
                        Server(
                            helpdesk["env"],
                            args.port + 1,
                            python=helpdesk["python"],
                            app="hdbench.wsgi",
                            health=tickets_helpdesk.PUBLIC_FORM,
                        )
                    )
                    targets["helpdesk"] = {
                        "port": args.port + 1,
                        "server": theirs,
                        "db": hd_dbname,
                        "queue_id": helpdesk["queue_id"],
                    }
                report.update(intake_rounds(args, targets))
            report["load_average_intake"] = os.getloadavg()
            _ready, _assigned, total = backlog(env)
            report["rows"] = {
                "ours: tickets stored": total,
                "ours: tickets answered": report["intake form"]["answered"]
                + report["intake api"]["answered"],
            }
            if helpdesk is not None:
                stored, followups = tickets_helpdesk.rows(helpdesk["python"], helpdesk["env"])
                report["rows"]["django-helpdesk: tickets stored"] = stored
                report["rows"]["django-helpdesk: follow-ups stored"] = followups
                report["rows"]["django-helpdesk: tickets answered"] = report["intake helpdesk"][
                    "answered"
                ]
            print(kind, "rows", report["rows"], flush=True)
            # One worker drains about half of the backlog, the second drain the rest.
            half = max(1, total // (2 * INTAKE_BATCH))
            for workers, max_tasks in ((1, half), (args.workers, None)):
                report[f"drain {workers}"] = drain(
                    env, dbname, workers, args.drain_seconds, startup, max_tasks
                )
                print(kind, "drain", report[f"drain {workers}"], flush=True)
            report["load_average_drain"] = os.getloadavg()
        if args.tickets:
            report["bulk_load_s"] = bulk_load(env, args.tickets, first, last)
            print(kind, "loaded", args.tickets, "in", report["bulk_load_s"], "s", flush=True)
            with Server(env, args.port) as _server:
                cookie = login(args.port, "agen01")
                report["latency"] = latencies(args.port, cookie, token, args.repeat, args.tickets)
            for name, figures in report["latency"].items():
                print(
                    f"{kind:8} {name:36} p50 {figures['p50_ms']:7.1f} ms  "
                    f"p95 {figures['p95_ms']:7.1f} ms"
                )
        return report
    finally:
        for drop in drops:
            drop()


def _paired_ratio(ours: dict, helpdesk: dict, task_ms: float) -> float:
    """The whole cost's ratio to django-helpdesk's per round, (request + task) / theirs, both
    requests measured in the same round, then the median: the machine's speed drifted by a
    third between rounds, and a ratio of medians taken from different rounds carries that."""
    return statistics.median(
        (mine + task_ms) / theirs
        for mine, theirs in zip(ours["rounds_cpu_ms"], helpdesk["rounds_cpu_ms"], strict=True)
    )


def summary(r: dict) -> str:
    """The whole cost of a ticket (request + task, CPU of the web server, the worker and
    PostgreSQL) next to the request's, against django-helpdesk's and the one-INSERT view's."""
    lines = [f"load average: {r['load_average_before']} -> {r['load_average_drain']}"]
    base = r["intake baseline"]
    lines.append(
        f"one-INSERT baseline: {base['rps']:.0f} req/s, {base['cpu_ms']:.2f} ms CPU per request"
    )
    drain1 = r["drain 1"]
    for name in ("form", "api"):
        ours = r[f"intake {name}"]
        whole = ours["cpu_ms"] + drain1["cpu_ms"]
        line = (
            f"ours, {name}: {ours['rps']:.0f} tickets/s ({ours['ratio']:.2f}x baseline); CPU per "
            f"ticket: request {ours['cpu_ms']:.2f} ms + task {drain1['cpu_ms']:.2f} ms "
            f"(worker {drain1['worker_cpu_ms']:.2f}, PostgreSQL {drain1['database_cpu_ms']:.2f})"
            f" = {whole:.2f} ms"
        )
        if "intake helpdesk" in r:
            hd = r["intake helpdesk"]
            line += (
                f" = {whole / hd['cpu_ms']:.2f}x django-helpdesk's (medians); "
                f"{_paired_ratio(ours, hd, drain1['cpu_ms']):.2f}x (median of the rounds' ratios)"
            )
        lines.append(line)
    if "intake helpdesk" in r:
        hd = r["intake helpdesk"]
        lines.append(
            f"django-helpdesk 2.6.1, public form: {hd['rps']:.0f} tickets/s "
            f"({hd['ratio']:.2f}x baseline); CPU per ticket {hd['cpu_ms']:.2f} ms (all in the "
            f"request); ours answer {r['intake api']['rps'] / hd['rps']:.1f}x (API) / "
            f"{r['intake form']['rps'] / hd['rps']:.1f}x (form) its rate"
        )
    for key in sorted(k for k in r if k.startswith("drain ")):
        d = r[key]
        if not d["tasks"]:
            lines.append(f"drain, {d['workers']} worker(s): nothing left to drain")
            continue
        lines.append(
            f"drain, {d['workers']} worker(s): {d['tasks_per_s']:.0f} tickets/s "
            f"({d['tasks']} done in {d['busy_seconds']} s, {d['failed']} failed, {d['left']} "
            f"left, {d['routed']} routed), CPU {d['cpu_ms']:.2f} ms per ticket, "
            f"{d['tasks_per_s'] / r['intake api']['rps']:.2f}x the API's intake rate"
        )
    return "\n".join(lines)


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
        "--workers",
        type=int,
        default=2,
        help="the second drain's task workers (the first has one)",
    )
    parser.add_argument(
        "--no-helpdesk", action="store_true", help="leave django-helpdesk out of the intake"
    )
    parser.add_argument(
        "--helpdesk-python",
        help="a python with django-helpdesk 2.6.1 installed (default: install it in a temporary "
        "virtualenv for the run)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=int,
        default=600,
        help="a drain's time-out (its workers' start-up included: a minute on a crowded machine)",
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
        if not args.skip_intake:
            print(summary(r))
        if "latency" in r:
            worst = max(v["p95_ms"] for k, v in r["latency"].items() if not k.startswith("base"))
            print(f"{r['database']}: worst agent page p95 {worst:.1f} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
