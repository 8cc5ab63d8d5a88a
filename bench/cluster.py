"""A cluster on one machine: network namespaces as hosts, with faults during load.

    .venv/bin/python bench/cluster.py            # the measurement run (~7-9 minutes), as root
    .venv/bin/python bench/cluster.py --smoke    # everything once, briefly (~3 minutes); exit 1
                                                 # on a failure, 2 when it cannot run here

Hosts (one network namespace each, one veth each to a bridge in a "switch" namespace, addresses
10.77.0.0/24; nothing is added to the machine's own network):

    client 10.77.0.10  this script's load generator and checks
    lb     10.77.0.20  nginx with deploy/nginx/ (/ws/ to each app host's uvicorn, the rest to gunicorn)
    app1   10.77.0.31  gunicorn (1 process) + uvicorn, pinned to core 0 (taskset)
    app2   10.77.0.32  the same, pinned to core 1
    worker 10.77.0.40  manage.py db_worker and manage.py scheduler
    db     10.77.0.50  its own PostgreSQL 15, PgBouncer with deploy/pgbouncer/ (transaction pool;
                       session pool for the scheduler) and Redis

Everything lives in a temporary folder and is removed at the end (also after Ctrl-C); leftovers of
a crashed run (namespaces, processes, folders) are removed at the start. App hosts run
`bench/cluster_settings.py` (production settings) with DATABASE_PGBOUNCER=1 and REDIS_URL.

Measured: sign-ups/s through the balancer with one app host and with two, and the CPU each host
took (utime+stime of every process in its namespace, from /proc); the waiting room admitting at
the cluster-wide rate; chat messages from a participant on app1 to the agent on app2 and back.
Faults, each during load, each checked for lost and duplicated writes (every logical request has
its own e-mail address and Idempotency-Key; clients retry with the same key after a transport
error, 502, 503 or 504): kill -9 of app2, kill -9 of the worker host, a Redis restart (chat sockets
reconnect with ?after= and replay), a PgBouncer restart, a slow database (PostgreSQL stopped for
150 ms of every 200 ms: this machine's kernel has no sch_netem for `tc netem`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat import SECRET  # noqa: E402 - the sessions bench.chat creates are signed with it
from bench.registration import Connection  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PGBIN = Path("/usr/lib/postgresql/15/bin")
NS = "pkc-"  # every namespace of this script starts with it
SWITCH = f"{NS}switch"
NET = "10.77.0"
HOSTS = {"client": 10, "lb": 20, "app1": 31, "app2": 32, "worker": 40, "db": 50}
APP_CORES = {"app1": 0, "app2": 1}
SITE = "prakerja.cluster.test"
LOCK = Path("/run/prakerja-cluster.lock")
TMP_PREFIX = "prakerja-cluster-"
RETRY_STATUSES = frozenset({-1, 500, 502, 503, 504})


def addr(host: str) -> str:
    return f"{NET}.{HOSTS[host]}"


DB = addr("db")


# --- the network (run outside the namespaces) ------------------------------------------------


def sh(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def our_namespaces() -> list[str]:
    names = sh("ip", "netns", "list", check=False).stdout.split()
    return [name for name in names if name.startswith(NS)]


def net_down() -> None:
    """Kill every process in our namespaces, delete them, and remove our temporary folders."""
    for name in our_namespaces():
        for pid in sh("ip", "netns", "pids", name, check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
    time.sleep(0.3)
    for name in our_namespaces():
        sh("ip", "netns", "del", name, check=False)
    for path in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)


def net_up() -> None:
    sh("ip", "netns", "add", SWITCH)
    sh("ip", "-n", SWITCH, "link", "add", "br0", "type", "bridge")
    sh("ip", "-n", SWITCH, "link", "set", "br0", "up")
    for host, number in HOSTS.items():
        ns = NS + host
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", SWITCH, "link", "add", f"v-{host}", "type", "veth",
           "peer", "name", "eth0", "netns", ns)  # fmt: skip
        sh("ip", "-n", SWITCH, "link", "set", f"v-{host}", "master", "br0", "up")
        sh("ip", "-n", ns, "addr", "add", f"{NET}.{number}/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def missing_prerequisites() -> list[str]:
    missing = [] if os.geteuid() == 0 else ["root"]
    for tool in ("ip", "nginx", "pgbouncer", "redis-server", "runuser", "taskset"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            missing.append(tool)
    if not (PGBIN / "initdb").exists():
        missing.append(str(PGBIN / "initdb"))
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        missing.append("user postgres")
    return missing


# --- hosts and their processes (run inside the client namespace) ----------------------------------


def netns_inode(host: str) -> int:
    return os.stat(f"/run/netns/{NS}{host}").st_ino


def host_pids(host: str, comm: str | None = None) -> list[int]:
    """Every process in the host's namespace (optionally only those named `comm`)."""
    inode, pids = netns_inode(host), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(entry / "ns" / "net").st_ino != inode:
                continue
            if comm is not None and (entry / "comm").read_text().strip() != comm:
                continue
        except OSError:
            continue
        pids.append(int(entry.name))
    return pids


def host_cpu_seconds(host: str) -> float:
    """utime+stime of every process in the host's namespace now."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in host_pids(host):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def cpu_snapshot() -> dict[str, float]:
    return {host: host_cpu_seconds(host) for host in HOSTS}


def link_bytes() -> dict[str, int]:
    """Bytes each host sent plus received so far (its veth's counters on the switch side)."""
    links = json.loads(sh("ip", "-j", "-s", "-n", SWITCH, "link").stdout)
    return {
        link["ifname"][2:]: link["stats64"]["rx"]["bytes"] + link["stats64"]["tx"]["bytes"]
        for link in links
        if link["ifname"].startswith("v-")
    }


def counters() -> dict:
    """Everything a measurement takes the difference of: CPU per host, bytes per host,
    PostgreSQL write transactions (transaction ids handed out) and WAL bytes, Redis commands."""
    import redis

    row = db_query(
        "SELECT txid_snapshot_xmax(txid_current_snapshot()), "
        "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"
    )[0]
    info = redis.Redis(host=DB, socket_timeout=5).info("stats")
    return {
        "cpu": cpu_snapshot(),
        "bytes": link_bytes(),
        "pg_write_transactions": int(row[0]),
        "pg_wal_bytes": int(row[1]),
        "redis_commands": int(info["total_commands_processed"]),
        "t": time.monotonic(),
    }


def per_unit(before: dict, after: dict, units: int, app_hosts: list[str]) -> dict:
    """The difference of two `counters()`, per unit of work (sign-up, ticket, message)."""
    n = max(units, 1)
    elapsed = after["t"] - before["t"]
    cpu = {h: after["cpu"][h] - before["cpu"][h] for h in HOSTS}
    traffic = {h: after["bytes"][h] - before["bytes"][h] for h in HOSTS}
    return {
        "units": units,
        "per_s": round(units / elapsed, 2),
        "app_cpu_ms": round(sum(cpu[h] for h in app_hosts) * 1000 / n, 1),
        "cpu_ms_by_host": {h: round(cpu[h] * 1000 / n, 1) for h in HOSTS},
        "cores_used_by_host": {h: round(cpu[h] / elapsed, 2) for h in HOSTS},
        "pg_write_transactions": round(
            (after["pg_write_transactions"] - before["pg_write_transactions"]) / n, 2
        ),
        "pg_wal_kib": round((after["pg_wal_bytes"] - before["pg_wal_bytes"]) / 1024 / n, 1),
        "redis_commands": round((after["redis_commands"] - before["redis_commands"]) / n, 1),
        "kib_by_host": {h: round(traffic[h] / 1024 / n, 1) for h in HOSTS},
    }


def wait_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((addr(host), port), timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{host}:{port} did not come up in {timeout:.0f} s") from None
            time.sleep(0.3)


def http_get(host: str, port: int, path: str, timeout: float = 5) -> int:
    with socket.create_connection((addr(host), port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {SITE}\r\nConnection: close\r\n\r\n".encode())
        head = sock.recv(64).decode("latin-1")
    return int(head.split(" ", 2)[1])


class Cluster:
    def __init__(self, tmp: Path, *, boot_timeout: float):
        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir(exist_ok=True)
        self.boot_timeout = boot_timeout
        self.procs: dict[tuple[str, str], subprocess.Popen] = {}

    # processes
    def spawn(self, host, name, cmd, *, env=None, user=None, core=None) -> subprocess.Popen:
        prefix = ["ip", "netns", "exec", NS + host]
        if user:
            prefix += ["runuser", "-u", user, "--"]
        if core is not None:
            prefix += ["taskset", "-c", str(core)]
        with (self.logs / f"{host}-{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                prefix + cmd, cwd=ROOT, env=env or base_env(), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.procs[(host, name)] = proc
        return proc

    def kill(self, host: str, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.pop((host, name))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill_host(self, host: str) -> None:
        """kill -9 of every process on the host: the machine is gone."""
        for pid in host_pids(host):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for key in [k for k in self.procs if k[0] == host]:
            self.procs.pop(key).wait()

    def stop_all(self) -> None:
        for key in list(self.procs):
            self.kill(*key, sig=signal.SIGTERM)

    # the database host
    def start_db(self) -> None:
        postgres = pwd.getpwnam("postgres")
        data, run = self.tmp / "pgdata", self.tmp / "run"
        for path in (data, run):
            path.mkdir()
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PGBIN / "initdb"), "-D", str(data),
             "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"],
            check=True, capture_output=True,
        )  # fmt: skip
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {NET}.0/24 trust\n")
        self.spawn("db", "postgres", [
            str(PGBIN / "postgres"), "-D", str(data), "-c", f"listen_addresses={DB}",
            "-c", f"unix_socket_directories={run}", "-c", "max_connections=200",
        ], user="postgres")  # fmt: skip
        (self.tmp / "pgbouncer.ini").write_text(render_pgbouncer(self.tmp))
        (self.tmp / "userlist.txt").write_text('"postgres" ""\n')
        (self.tmp / "redis").mkdir()
        self.start_redis()
        wait_port("db", 5432, self.boot_timeout)
        self.start_pgbouncer()
        wait_port("db", 6379, self.boot_timeout)
        import psycopg

        with psycopg.connect(f"postgresql://postgres@{DB}:5432/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE prakerja")
            # as deploy/pgbouncer/pgbouncer.ini asks: Django then sends no SET TIME ZONE, which
            # a transaction pool would leave on the server connection for the next client
            c.execute("ALTER ROLE postgres SET timezone = 'UTC'")

    def start_pgbouncer(self) -> None:
        self.spawn("db", "pgbouncer", ["pgbouncer", str(self.tmp / "pgbouncer.ini")],
                   user="postgres")  # fmt: skip
        wait_port("db", 6432, self.boot_timeout)

    def start_redis(self) -> None:
        self.spawn("db", "redis", ["redis-server", "--bind", DB, "--port", "6379", "--save", "",
                                   "--appendonly", "no", "--protected-mode", "no",
                                   "--dir", str(self.tmp / "redis")])  # fmt: skip

    def migrate(self) -> None:
        env = {
            **app_env(database_url=f"postgres://postgres@{DB}:5432/prakerja"),
            "DATABASE_PGBOUNCER": "0",
        }
        subprocess.run(
            ["ip", "netns", "exec", NS + "worker", PYTHON, "manage.py", "migrate", "--noinput",
             "-v0"], cwd=ROOT, env=env, check=True, timeout=self.boot_timeout * 4,
        )  # fmt: skip

    # app hosts, worker, balancer
    def start_app(self, host: str, **settings) -> None:
        env, core, ip = app_env(**settings), APP_CORES[host], addr(host)
        self.spawn(host, "gunicorn", [
            GUNICORN, "-c", "config/gunicorn.conf.py", "-w", "1", "-b", f"{ip}:8001",
            "--max-requests", "0", "--timeout", "60", "--log-level", "warning",
        ], env=env, core=core)  # fmt: skip
        self.spawn(host, "uvicorn", [
            PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", ip, "--port", "8002",
            "--no-access-log", "--log-level", "warning", "--lifespan", "off",
        ], env=env, core=core)  # fmt: skip
        for port in (8001, 8002):
            deadline = time.monotonic() + self.boot_timeout
            while True:
                with contextlib.suppress(OSError, IndexError, ValueError):
                    if http_get(host, port, "/healthz") == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{host}:{port} did not answer /healthz")
                time.sleep(0.3)

    def stop_app(self, host: str) -> None:
        for name in ("gunicorn", "uvicorn"):
            self.kill(host, name, sig=signal.SIGTERM)

    def start_worker(self) -> None:
        """The task worker, and the scheduler on PgBouncer's session pool (its leader lock is a
        session advisory lock; deploy/pgbouncer). The scheduler puts tasks a killed worker left
        RUNNING for 3 s back in the queue (production: 15 min)."""
        stranded = {"TASKS_STRANDED_SECONDS": "3", "TASKS_REQUEUE_EVERY_SECONDS": "2"}
        self.spawn("worker", "db_worker", [PYTHON, "manage.py", "db_worker", "--interval", "0.2"],
                   env={**app_env(), **stranded})  # fmt: skip
        session_pool = {
            **app_env(database_url=f"postgres://postgres@{DB}:6432/prakerja_session"),
            "DATABASE_PGBOUNCER": "0",
        }
        self.spawn("worker", "scheduler", [PYTHON, "manage.py", "scheduler"],
                   env={**session_pool, **stranded})  # fmt: skip

    def balance(self, hosts: list[str]) -> None:
        """(Re)write the balancer's configuration for these app hosts; start or reload nginx."""
        main, site = render_nginx(self.tmp, hosts)
        (self.tmp / "nginx.conf").write_text(main)
        (self.tmp / "prakerja.conf").write_text(site)
        if ("lb", "nginx") in self.procs:
            os.kill(self.procs[("lb", "nginx")].pid, signal.SIGHUP)
            time.sleep(1.5)  # new workers up, old ones finishing
        else:
            self.spawn("lb", "nginx", ["nginx", "-c", str(self.tmp / "nginx.conf"),
                                       "-e", str(self.logs / "lb-error.log"),
                                       "-g", "daemon off;"])  # fmt: skip
            wait_port("lb", 80, self.boot_timeout)


DEPLOY = ROOT / "deploy"


def rewrite(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(
                f"deploy/ changed: {old!r} is no longer there; update bench/cluster.py"
            )
        text = text.replace(old, new)
    return text


def render_pgbouncer(tmp: Path) -> str:
    """deploy/pgbouncer/pgbouncer.ini for the db host: PostgreSQL at its address, files in the
    temporary folder, no passwords (PostgreSQL trusts the cluster's network)."""
    return rewrite(
        (DEPLOY / "pgbouncer/pgbouncer.ini").read_text(),
        {
            "host=127.0.0.1": f"host={DB}",
            "listen_addr = 0.0.0.0": f"listen_addr = {DB}",
            "unix_socket_dir = /var/run/postgresql": "unix_socket_dir =",
            # no pidfile: it runs in the foreground, and a stale one after kill -9 could stop
            # the restart
            "pidfile = /var/run/postgresql/pgbouncer.pid": "pidfile =",
            "logfile = /var/log/postgresql/pgbouncer.log": "logfile =",  # stderr, in logs/
            "auth_type = scram-sha-256": "auth_type = trust",
            "auth_file = /etc/pgbouncer/userlist.txt": f"auth_file = {tmp}/userlist.txt",
        },
    )


def render_nginx(tmp: Path, hosts: list[str]) -> tuple[str, str]:
    """deploy/nginx/{nginx,prakerja}.conf for the lb host: these app hosts in the upstreams, plain
    HTTP on the lb's address (no TLS between namespaces), files in the temporary folder, and an
    X-Upstream header that tells the load generator which host answered."""
    main = rewrite(
        (DEPLOY / "nginx/nginx.conf").read_text(),
        {
            "user www-data;\n": "",
            "/run/nginx.pid": f"{tmp}/nginx.pid",
            "/var/log/nginx/": f"{tmp}/logs/lb-",
            "/etc/nginx/conf.d/prakerja.conf": f"{tmp}/prakerja.conf",
        },
    )
    # the port-80 server only redirects to https
    site = re.sub(r"\nserver \{\n    listen 80 .*?\n\}\n", "\n",
                  (DEPLOY / "nginx/prakerja.conf").read_text(), count=1, flags=re.S)  # fmt: skip
    lines, in_upstream = [], False
    for line in site.splitlines():
        upstream = re.match(r"(\s*)server \d+\.\d+\.\d+\.\d+:(\d+)(.*)$", line)
        if upstream:
            if not in_upstream:  # one line per cluster app host instead of the example's
                indent, port, rest = upstream.groups()
                lines += [f"{indent}server {addr(h)}:{port}{rest}" for h in hosts]
            in_upstream = True
            continue
        in_upstream = False
        if re.match(r"\s*(listen|ssl_)", line):
            continue
        lines.append(line)
        if line.startswith("server {"):
            lines += [
                f"    listen {addr('lb')}:80;",
                "    add_header X-Upstream $upstream_addr always;",
            ]
    return main, "\n".join(lines) + "\n"


def base_env() -> dict:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
    return {k: os.environ[k] for k in keep if k in os.environ}


def app_env(
    *,
    database_url: str = f"postgres://postgres@{DB}:6432/prakerja",
    admission_rate: int = 0,
    max_in_flight: int = 0,
) -> dict:
    return {
        **base_env(),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.cluster_settings",
        "SECRET_KEY": SECRET,
        "DEBUG": "0",
        "SITE_URL": f"https://{SITE}",
        "SECURE_SSL_REDIRECT": "0",  # no TLS between the namespaces
        "ALLOWED_HOSTS": ",".join([SITE, *(addr(h) for h in ("lb", "app1", "app2"))]),
        # The client host stands for the edge in front of the balancer: it appends each simulated
        # visitor's own address, then nginx appends the client host's.
        "NUM_PROXIES": "2",
        "DATABASE_URL": database_url,
        "DATABASE_PGBOUNCER": "1",
        "REDIS_URL": f"redis://{DB}:6379/0",
        "SIGNUP_ADMISSION_RATE": str(admission_rate),
        "SIGNUP_MAX_IN_FLIGHT": str(max_in_flight),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
        "SMS_CONSOLE_ECHO": "0",
        "EMAIL_URL": "dummymail://",
        "LIVECHAT_MESSAGES_PER_10S": "100",
    }


# --- load: logical requests retried with their key -------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "signup" | "ticket"
    email: str
    status: int = 0  # the final answer; -1 when the client gave up
    attempts: int = 0
    upstreams: list[str] = field(default_factory=list)
    started: float = 0.0
    done: float = 0.0


@dataclass
class Load:
    run: str
    outcomes: list[Outcome] = field(default_factory=list)
    attempts: list[tuple[float, int, str]] = field(default_factory=list)  # (t, status, upstream)

    def accepted(self, kind: str) -> set[str]:
        return {o.email for o in self.outcomes if o.kind == kind and o.status == 201}

    def failures_between(self, start: float, end: float) -> list[float]:
        return [t for t, status, _ in self.attempts if start <= t < end and status != 201]


_serial = iter(range(1, 10**9))


def request_body(kind: str, run: str) -> tuple[str, str, dict]:
    n = next(_serial)
    email = f"cl-{run}-{kind[0]}{n}@example.test"
    if kind == "signup":
        body = {
            "full_name": f"Peserta Klaster {n}",
            "email": email,
            "password": "kuat-sekali-2021!",
            "phone": f"0813{(os.getpid() * 7919 + n) % 10**8:08d}",
        }
        return "/api/v1/accounts", email, body
    body = {
        "channel": "web",
        "category": "certificate",
        "subject": "Sertifikat belum muncul",
        "description": "Pelatihan selesai, sertifikat belum ada.",
        "name": f"Peserta {n}",
        "email": email,
    }
    return "/api/v1/tickets", email, body


async def submit(
    load: Load, conn: Connection, kind: str, *, request_timeout: float, give_up: float
):
    """One visitor's request, retried with its Idempotency-Key until a final answer."""
    path, email, body = request_body(kind, load.run)
    n = len(load.outcomes)
    headers = {
        "Idempotency-Key": uuid.uuid4().hex,
        "X-Forwarded-For": f"100.{n // 65536 % 64 + 64}.{n // 256 % 256}.{n % 256}",
    }
    outcome = Outcome(kind=kind, email=email, started=time.monotonic())
    load.outcomes.append(outcome)
    delay = 0.2
    while True:
        outcome.attempts += 1
        upstream, response = "", {}
        try:
            status, response = await asyncio.wait_for(
                conn.post_json(path, body, headers), request_timeout
            )
            upstream = response.get("x-upstream", "").split(",")[-1].strip()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            status = -1
            conn.close()
        now = time.monotonic()
        load.attempts.append((now, status, upstream))
        outcome.upstreams.append(upstream)
        waiting_room = status == 429 and "retry-after" in response
        if status not in RETRY_STATUSES and not waiting_room:
            outcome.status, outcome.done = status, now
            return outcome
        if now - outcome.started > give_up:
            outcome.status, outcome.done = -1, now
            return outcome
        if waiting_room:
            await asyncio.sleep(min(float(response["retry-after"]), 5.0))
        else:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def drive(
    load: Load, *, kinds, concurrency: int, seconds: float, request_timeout: float = 30
):
    """`concurrency` visitors, each sending one request after another for `seconds`."""
    stop_at = time.monotonic() + seconds

    async def visitor(i: int):
        conn = Connection(addr("lb"), 80)
        k = i
        while time.monotonic() < stop_at:
            await submit(
                load, conn, kinds[k % len(kinds)], request_timeout=request_timeout, give_up=90
            )
            k += 1
        conn.close()

    await asyncio.gather(*(visitor(i) for i in range(concurrency)))


# --- checks against the database ---------------------------------------------------------------


def db_query(sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{DB}:5432/prakerja", connect_timeout=10) as c:
        return c.execute(sql, params).fetchall()


def writes_check(load: Load) -> dict:
    """Accepted requests missing from the database (lost), and extra rows (duplicated)."""
    pattern = f"cl-{load.run}-%"
    users = [r[0] for r in db_query("SELECT email FROM accounts_user WHERE email LIKE %s",
                                    (pattern,))]  # fmt: skip
    tickets = db_query(
        "SELECT requester_email, COUNT(*) FROM helpdesk_ticket WHERE requester_email LIKE %s "
        "GROUP BY requester_email",
        (pattern,),
    )
    ticket_counts = dict(tickets)
    signups, intake = load.accepted("signup"), load.accepted("ticket")
    # a retry answered 409 `already_registered`: the first attempt was stored, its answer lost
    second_answers = sum(1 for o in load.outcomes if o.kind == "signup" and o.status == 409)
    gave_up = sum(1 for o in load.outcomes if o.status == -1)
    return {
        "signups_accepted": len(signups),
        "signups_lost": len(signups - set(users)),
        "signups_duplicated": len(users) - len(set(users)) + second_answers,
        "tickets_accepted": len(intake),
        "tickets_lost": len(intake - set(ticket_counts)),
        "tickets_duplicated": sum(c - 1 for c in ticket_counts.values()),
        "stored_not_accepted": len(set(users) - signups) + len(set(ticket_counts) - intake),
        "gave_up": gave_up,
        "other_answers": sorted(
            {o.status for o in load.outcomes if o.status not in (201, 409, -1)}
        ),
        "retried_requests": sum(1 for o in load.outcomes if o.attempts > 1),
    }


def write_failures(check: dict) -> list[str]:
    keys = ("signups_lost", "signups_duplicated", "tickets_lost", "tickets_duplicated",
            "stored_not_accepted", "gave_up")  # fmt: skip
    problems = [f"{k}={check[k]}" for k in keys if check[k]]
    if check["other_answers"]:
        problems.append(f"answers {check['other_answers']}")
    return problems


def query_ms(seconds: float) -> list[float]:
    """Milliseconds of `SELECT 1` through PgBouncer, one after another for `seconds`."""
    import psycopg

    times = []
    # no prepared statements: PgBouncer 1.18 in transaction mode does not carry them over
    pgbouncer = f"postgresql://postgres@{DB}:6432/prakerja"
    with psycopg.connect(pgbouncer, autocommit=True, prepare_threshold=None) as c:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            c.execute("SELECT 1").fetchall()
            times.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)
    return times


def task_table() -> str:
    rows = db_query(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE %s",
        ("%dbtaskresult",),
    )
    return rows[0][0]


def task_counts() -> dict[str, int]:
    return dict(db_query(f"SELECT status, COUNT(*) FROM {task_table()} GROUP BY status"))  # noqa: S608


def codes_missing(load: Load) -> int:
    """Accepted sign-ups whose SMS code the task worker has not issued."""
    rows = db_query(
        "SELECT COUNT(*) FROM accounts_user u WHERE u.email LIKE %s AND NOT EXISTS "
        "(SELECT 1 FROM accounts_onetimecode c WHERE c.user_id = u.id)",
        (f"cl-{load.run}-%",),
    )
    return rows[0][0]


# --- chat ----------------------------------------------------------------------------------------


def create_chat(tmp: Path) -> tuple[int, str, str]:
    """One active chat (participant + agent sessions) through bench/chat.py's set-up."""
    from bench import chat

    args = SimpleNamespace(
        chats=1, per_agent=1, unanswered=False, redis_url=f"redis://{DB}:6379/0",
        database_url=f"postgres://postgres@{DB}:5432/prakerja",
    )  # fmt: skip
    chats, agents = chat.create_chats(args)
    return chats[0][0], chats[0][1], agents[0]


class ChatPair:
    """The participant's socket on one app host, the agent's on the other; both reconnect when
    closed (1012 after a Redis reconnect) and replay what they missed."""

    def __init__(self, chat_id: int, participant_cookie: str, agent_cookie: str, hosts):
        self.chat_id, self.cookies, self.hosts = chat_id, (participant_cookie, agent_cookie), hosts
        self.acked: dict[str, float] = {}  # client id -> when acknowledged
        self.sent: dict[str, float] = {}
        self.agent_seen: dict[str, float] = {}  # participant client id -> when the agent had it
        # "re:<id>" seen by the participant, live or in the history a reconnect replays: a chat
        # used by an earlier phase holds replies to other pairs' messages too.
        self.replies_seen: dict[str, float] = {}
        self.last_id = 0
        self.reconnects = {"participant": 0, "agent": 0}
        self.ws: dict[str, object] = {}
        self.ready = {"participant": asyncio.Event(), "agent": asyncio.Event()}
        self.tasks: list[asyncio.Task] = []

    async def _connect(self, who: str):
        import websockets

        host = self.hosts[0] if who == "participant" else self.hosts[1]
        path = f"chat/{self.chat_id}/?after={self.last_id}" if who == "participant" else "agent/"
        cookie = self.cookies[0] if who == "participant" else self.cookies[1]
        while True:
            try:
                ws = await websockets.connect(
                    f"ws://{addr(host)}:8002/ws/livechat/{path}",
                    additional_headers={"Origin": f"http://{addr(host)}:8002", "Cookie": cookie},
                    open_timeout=20, ping_interval=None,
                )  # fmt: skip
                self.ws[who] = ws
                self.ready[who].set()
                return ws
            except Exception:  # noqa: BLE001 - refused or closed during a fault: try again
                await asyncio.sleep(0.5)

    async def _participant(self):
        while True:
            ws = await self._connect("participant")
            with contextlib.suppress(Exception):
                async for raw in ws:
                    msg = json.loads(raw)
                    now = time.monotonic()
                    messages = []
                    if msg["type"] == "ack":
                        self.acked.setdefault(msg["id"], now)
                        messages = [msg["message"]]
                    elif msg["type"] == "history":
                        messages = msg["messages"]
                    elif msg["type"] == "message":
                        messages = [msg["message"]]
                    for m in messages:
                        self.last_id = max(self.last_id, m["id"])
                        if m["author"] == "agent" and m["body"].startswith("re:"):
                            self.replies_seen.setdefault(m["body"][3:], now)
            self.reconnects["participant"] += 1

    async def _agent(self):
        import websockets

        while True:
            ws = await self._connect("agent")
            with contextlib.suppress(websockets.ConnectionClosed, OSError):
                async for raw in ws:
                    msg = json.loads(raw)
                    now = time.monotonic()
                    if msg["type"] == "chats":
                        messages = [m for c in msg["chats"] for m in c["messages"]]
                    elif msg["type"] == "message":
                        messages = [msg["message"]]
                    else:
                        continue
                    for m in messages:
                        cid = m.get("client_id")
                        if m["author"] != "participant" or not cid or cid in self.agent_seen:
                            continue
                        self.agent_seen[cid] = now
                        if msg["type"] == "message":  # answer live messages, not replays
                            await ws.send(json.dumps({"type": "message", "chat": self.chat_id,
                                                      "id": uuid.uuid4().hex, "body": f"re:{cid}"}))  # fmt: skip
            self.reconnects["agent"] += 1

    async def start(self):
        self.tasks = [asyncio.create_task(self._agent())]
        await self.ready["agent"].wait()
        self.tasks.append(asyncio.create_task(self._participant()))
        await self.ready["participant"].wait()
        await asyncio.sleep(0.5)

    async def send(self) -> str:
        cid = uuid.uuid4().hex
        self.sent[cid] = time.monotonic()
        with contextlib.suppress(Exception):
            await self.ws["participant"].send(
                json.dumps({"type": "message", "id": cid, "body": f"halo {cid[:6]}"})
            )
        return cid

    async def stop(self):
        for task in self.tasks:
            task.cancel()
        for ws in self.ws.values():
            with contextlib.suppress(Exception):
                await ws.close()

    def replies(self) -> set[str]:
        """The messages this pair sent whose reply came back."""
        return self.replies_seen.keys() & self.sent.keys()

    def latencies(self) -> tuple[list[float], list[float]]:
        """ms participant -> agent (other host), and participant -> agent's reply back."""
        one_way = [
            (self.agent_seen[c] - t) * 1000 for c, t in self.sent.items() if c in self.agent_seen
        ]
        round_trip = [(self.replies_seen[c] - t) * 1000 for c, t in self.sent.items()
                      if c in self.replies_seen]  # fmt: skip
        return one_way, round_trip

    def unseen_acked(self) -> int:
        """Messages the server acknowledged that never reached the agent (live or in a replay)."""
        return len(set(self.acked) - set(self.agent_seen))

    def unstored_acked(self) -> int:
        rows = db_query(
            "SELECT client_msg_id FROM helpdesk_message WHERE ticket_id = "
            "(SELECT ticket_id FROM livechat_chat WHERE id = %s)",
            (self.chat_id,),
        )
        return len(set(self.acked) - {r[0] for r in rows})


async def chat_traffic(pair: ChatPair, *, seconds: float, interval: float) -> None:
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        await pair.send()
        await asyncio.sleep(interval)


# --- the run -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile rounded to 0.1 ms; None without values."""
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


class Report:
    def __init__(self):
        self.failures: list[str] = []
        self.figures: dict = {}

    def say(self, text: str) -> None:
        print(text, flush=True)

    def check(self, ok: bool, what: str) -> None:
        self.say(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)


def measure(cluster: Cluster, report: Report, hosts: list[str], args, kind: str) -> dict:
    """Sign-ups (or tickets) through the balancer at `per_host_concurrency` per app host."""
    cluster.balance(hosts)
    concurrency = args.per_host_concurrency * len(hosts)
    warm = Load(run=uuid.uuid4().hex[:6])
    asyncio.run(drive(warm, kinds=[kind], concurrency=concurrency, seconds=args.warmup))
    load = Load(run=uuid.uuid4().hex[:6])  # the warm-up's requests are not this run's
    before = counters()
    asyncio.run(drive(load, kinds=[kind], concurrency=concurrency, seconds=args.seconds))
    after = counters()
    done = len(load.accepted(kind))
    row = per_unit(before, after, done, hosts)
    latencies = [(o.done - o.started) * 1000 for o in load.outcomes if o.status == 201]
    row.update(
        hosts=len(hosts),
        concurrency=concurrency,
        p50_ms=pct(latencies, 0.5),
        p99_ms=pct(latencies, 0.99),
        per_app_cpu_s=round(1000 / row["app_cpu_ms"], 2) if row["app_cpu_ms"] else 0,
        answered_by={
            h: sum(
                1 for o in load.outcomes if o.status == 201 and o.upstreams[-1].startswith(addr(h))
            )
            for h in hosts
        },  # fmt: skip
        load_avg=round(os.getloadavg()[0], 2),
    )
    report.say(
        f"  {kind}s, {len(hosts)} app host(s), c={concurrency}: {row['per_s']}/s ({done}, "
        f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms); app CPU {row['app_cpu_ms']} ms each "
        f"= {row['per_app_cpu_s']} per app CPU-second; cores used {row['cores_used_by_host']}; "
        f"answered by {row['answered_by']}; load average {row['load_avg']}\n"
        f"    per {kind}: CPU ms by host {row['cpu_ms_by_host']}, PostgreSQL "
        f"{row['pg_write_transactions']} write transactions and {row['pg_wal_kib']} KiB WAL, "
        f"{row['redis_commands']} Redis commands, KiB on the wire by host {row['kib_by_host']}"
    )
    check = writes_check(load)
    report.check(
        not write_failures(check),
        f"{kind}s on {len(hosts)} host(s): no lost or duplicated write {check}",
    )
    return row


def fault_run(
    cluster: Cluster, report: Report, name: str, args, inject, *, kinds=("signup", "ticket")
):
    """Load through the balancer while `inject(t0)` (a coroutine) does the fault."""
    load = Load(run=uuid.uuid4().hex[:6])

    async def main():
        t0 = time.monotonic()
        driver = asyncio.create_task(
            drive(
                load,
                kinds=list(kinds),
                concurrency=args.fault_concurrency,
                seconds=args.fault_seconds,
            )
        )
        extra = await inject(t0, load)
        await driver
        return t0, extra

    t0, extra = asyncio.run(main())
    check = writes_check(load)
    retried = check["retried_requests"]
    report.say(
        f"  {name}: {len(load.outcomes)} requests ({check['signups_accepted']} sign-ups, "
        f"{check['tickets_accepted']} tickets accepted), {retried} needed a retry; {extra}"
    )
    problems = write_failures(check)
    report.check(not problems, f"{name}: 0 lost, 0 duplicated ({', '.join(problems) or 'none'})")
    report.figures.setdefault("faults", {})[name] = {**check, **extra}
    return load, t0


def error_window(load: Load, since: float) -> float:
    failed = load.failures_between(since, float("inf"))
    return round(max(failed) - since, 2) if failed else 0.0


async def until(predicate, within: float, step: float = 0.2) -> float | None:
    """Seconds until `predicate()` is true (None after `within` seconds)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < within:
        if await asyncio.to_thread(predicate):
            return round(time.monotonic() - t0, 2)
        await asyncio.sleep(step)
    return None


def served_by(load: Load, host: str, since: float) -> bool:
    return any(t >= since and s == 201 and u.startswith(addr(host)) for t, s, u in load.attempts)


def faults(cluster: Cluster, report: Report, args, chat_ids) -> None:
    f = args.fault_seconds
    report.say("\n== faults during load (sign-ups and tickets through the balancer, 2 app hosts)")

    async def kill_app(t0, load):
        await asyncio.sleep(f * 0.25)
        killed = time.monotonic()
        await asyncio.to_thread(cluster.kill_host, "app2")
        await asyncio.sleep(f * 0.2)
        restarted = time.monotonic()
        await asyncio.to_thread(cluster.start_app, "app2")
        back = await until(lambda: served_by(load, "app2", restarted), f)
        return {"client_errors_for_s": error_window(load, killed),
                "restart_to_serving_s": round(time.monotonic() - restarted, 2) if back is not None else None}  # fmt: skip

    fault_run(cluster, report, "kill -9 app2", args, kill_app)

    async def kill_worker(t0, load):
        await asyncio.sleep(f * 0.25)
        await asyncio.to_thread(cluster.kill_host, "worker")
        await asyncio.sleep(f * 0.3)
        backlog = task_counts().get("READY", 0)
        restarted = time.monotonic()
        await asyncio.to_thread(cluster.start_worker)
        return {"tasks_waiting_at_restart": backlog, "restarted_at": restarted}

    load, _t0 = fault_run(cluster, report, "kill -9 worker", args, kill_worker, kinds=("signup",))
    figures = report.figures["faults"]["kill -9 worker"]
    restarted = figures.pop("restarted_at")
    drained = asyncio.run(until(lambda: task_counts().get("READY", 0) == 0, args.drain_timeout))
    counts = task_counts()
    figures.update(
        worker_restart_to_backlog_drained_s=round(time.monotonic() - restarted, 2)
        if drained is not None else None,
        tasks_left_running=counts.get("RUNNING", 0),
        tasks_run_again=db_query(
            f"SELECT COUNT(*) FROM {task_table()} WHERE jsonb_array_length(worker_ids) > 1"  # noqa: S608
        )[0][0],
        codes_missing=codes_missing(load),
    )  # fmt: skip
    report.check(
        drained is not None, f"kill -9 worker: the backlog is worked off after the restart {counts}"
    )
    report.check(
        figures["codes_missing"] == 0,
        f"kill -9 worker: every accepted sign-up got its SMS code ({figures['codes_missing']} missing, "
        f"{figures['tasks_left_running']} task(s) left RUNNING by the killed worker)",
    )

    chat_id, p_cookie, a_cookie = chat_ids

    async def restart_redis(t0, load):
        pair = ChatPair(chat_id, p_cookie, a_cookie, ("app1", "app2"))
        await pair.start()
        traffic = asyncio.create_task(chat_traffic(pair, seconds=f * 0.8, interval=0.25))
        await asyncio.sleep(f * 0.25)
        stopped = time.monotonic()
        await asyncio.to_thread(cluster.kill, "db", "redis", signal.SIGTERM)
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.start_redis)
        restored = time.monotonic()
        await traffic
        # Recovered: a message sent after the restart went participant -> agent -> participant.
        recovered = min((pair.replies_seen[c] for c, t in pair.sent.items()
                         if t > restored and c in pair.replies_seen), default=None)  # fmt: skip
        await asyncio.sleep(3)  # the last replies
        await pair.stop()
        return {
            "chat_messages_acked": len(pair.acked),
            "acked_not_reaching_agent": pair.unseen_acked(),
            "acked_not_stored": await asyncio.to_thread(pair.unstored_acked),
            "socket_reconnects": dict(pair.reconnects),
            "redis_back_to_chat_round_trip_s": round(recovered - restored, 2)
            if recovered
            else None,
            "signup_errors_for_s": error_window(load, stopped),
        }

    fault_run(cluster, report, "Redis restart", args, restart_redis)
    figures = report.figures["faults"]["Redis restart"]
    report.check(
        figures["acked_not_reaching_agent"] == 0 and figures["acked_not_stored"] == 0
        and figures["redis_back_to_chat_round_trip_s"] is not None,
        f"Redis restart: every acknowledged chat message stored and seen by the agent, chat "
        f"recovered ({figures})",
    )  # fmt: skip

    async def restart_pgbouncer(t0, load):
        await asyncio.sleep(f * 0.25)
        stopped = time.monotonic()
        await asyncio.to_thread(cluster.kill, "db", "pgbouncer", signal.SIGKILL)
        await asyncio.sleep(1)
        await asyncio.to_thread(cluster.start_pgbouncer)
        restarted = time.monotonic()
        first = await until(lambda: any(t > restarted and s == 201 for t, s, _ in load.attempts), f)
        return {"down_s": round(restarted - stopped, 2),
                "restart_to_first_success_s": first,
                "client_errors_for_s": error_window(load, stopped)}  # fmt: skip

    fault_run(cluster, report, "PgBouncer restart", args, restart_pgbouncer)

    async def slow_db(t0, load):
        await asyncio.sleep(f * 0.2)
        began = time.monotonic()
        probe = asyncio.create_task(asyncio.to_thread(query_ms, f * 0.5))
        stopped = set()
        while time.monotonic() - began < f * 0.5:
            # every cycle anew: PgBouncer opens server connections (new backends) as it likes
            pids = await asyncio.to_thread(host_pids, "db", "postgres")
            stopped.update(pids)
            for sig, pause in ((signal.SIGSTOP, 0.15), (signal.SIGCONT, 0.05)):
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, sig)
                await asyncio.sleep(pause)
        ended = time.monotonic()
        slow_query_ms = await probe
        during = [o for o in load.outcomes if began <= o.started and o.done and o.done < ended]
        await asyncio.sleep(f * 0.25)
        after = [o for o in load.outcomes if o.started >= ended and o.done]
        return {
            "slow_for_s": round(ended - began, 1),
            "postgres_processes_stopped": len(stopped),
            "query_p50_ms_during": pct(slow_query_ms, 0.5),
            "query_p50_ms_after": pct(await asyncio.to_thread(query_ms, 1.0), 0.5),
            "during_p50_ms": pct([(o.done - o.started) * 1000 for o in during], 0.5),
            "after_p50_ms": pct([(o.done - o.started) * 1000 for o in after], 0.5),
            "requests_during": len(during),
            "client_errors_for_s": error_window(load, began),
        }

    fault_run(cluster, report, "slow database", args, slow_db)


def waiting_room(cluster: Cluster, report: Report, args) -> None:
    rate = args.admission_rate
    report.say(f"\n== waiting room: {rate}/s for the whole cluster (Redis counter), 2 app hosts")
    for host in ("app1", "app2"):
        cluster.stop_app(host)
        # No cap on sign-ups in flight: only the rate decides who is admitted.
        cluster.start_app(host, admission_rate=rate, max_in_flight=0)
    load = Load(run=uuid.uuid4().hex[:6])
    t0 = time.monotonic()
    asyncio.run(drive(load, kinds=["signup"], concurrency=args.overload, seconds=args.seconds))
    elapsed = time.monotonic() - t0
    admitted = [t for t, s, _ in load.attempts if s == 201]
    refused = sum(1 for _, s, _ in load.attempts if s == 429)
    per_host = {h: sum(1 for _, s, u in load.attempts if s == 201 and u.startswith(addr(h)))
                for h in ("app1", "app2")}  # fmt: skip
    achieved = len(admitted) / elapsed
    row = {"rate": rate, "admitted_per_s": round(achieved, 1), "refused_429": refused,
           "by_host": per_host, "concurrency": args.overload}  # fmt: skip
    report.figures["waiting_room"] = row
    report.say(f"  {row}")
    report.check(
        achieved <= rate * 1.15 and all(per_host.values()),
        f"admitted {achieved:.1f}/s against a cluster-wide rate of {rate}/s, by both hosts",
    )
    check = writes_check(load)
    report.check(check["signups_lost"] == 0 and check["signups_duplicated"] == 0,
                 f"waiting room: no lost or duplicated sign-up {check}")  # fmt: skip
    for host in ("app1", "app2"):
        cluster.stop_app(host)
        cluster.start_app(host)


def chat_across(report: Report, chat_ids, messages: int) -> None:
    report.say("\n== chat across hosts: participant on app1, agent on app2")

    async def main():
        pair = ChatPair(*chat_ids, ("app1", "app2"))
        await pair.start()
        for _ in range(messages):
            await pair.send()
            await asyncio.sleep(0.2)
        await until(lambda: len(pair.replies()) >= messages, 30)
        await pair.stop()
        return pair

    before = counters()
    pair = asyncio.run(main())
    # per message stored: the participant's and the agent's reply
    cost = per_unit(before, counters(), 2 * len(pair.replies()), ["app1", "app2"])
    one_way, round_trip = pair.latencies()
    row = {
        "per_message_stored": cost,
        "messages": messages,
        "reached_agent": len(one_way),
        "replies_back": len(round_trip),
        "to_agent_p50_ms": pct(one_way, 0.5),
        "to_agent_p99_ms": pct(one_way, 0.99),
        "round_trip_p50_ms": pct(round_trip, 0.5),
        "round_trip_p99_ms": pct(round_trip, 0.99),
    }
    report.figures["chat"] = row
    report.say(f"  {row}")
    report.check(len(one_way) == messages and len(round_trip) == messages,
                 "every chat message crossed to the agent on the other host and the reply came back")  # fmt: skip


def smoke_requests(cluster: Cluster, report: Report) -> None:
    report.say("\n== one sign-up and one ticket through the balancer")
    load = Load(run=uuid.uuid4().hex[:6])

    async def main():
        conn = Connection(addr("lb"), 80)
        for kind in ("signup", "ticket"):
            await submit(load, conn, kind, request_timeout=60, give_up=120)
        conn.close()

    asyncio.run(main())
    report.check([o.status for o in load.outcomes] == [201, 201],
                 f"sign-up and ticket answered {[o.status for o in load.outcomes]}")  # fmt: skip
    check = writes_check(load)
    report.check(not write_failures(check), f"both stored once {check}")


def inner(args) -> int:
    tmp = Path(args.tmp)
    report = Report()
    cluster = Cluster(tmp, boot_timeout=args.boot_timeout)
    began = time.monotonic()
    report.say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    try:
        cluster.start_db()
        cluster.migrate()
        chat_ids = create_chat(tmp)
        cluster.start_worker()
        for host in ("app1", "app2"):
            cluster.start_app(host)
        cluster.balance(["app1", "app2"])
        report.say(f"cluster up in {time.monotonic() - began:.0f} s")
        if args.smoke:
            smoke_requests(cluster, report)
        report.say("\n== sign-ups through the balancer (waiting room off)")
        one = measure(cluster, report, ["app1"], args, "signup")
        two = measure(cluster, report, ["app1", "app2"], args, "signup")
        scaling = two["per_s"] / max(one["per_s"], 0.01)
        per_core = two["per_app_cpu_s"] / max(one["per_app_cpu_s"], 0.01)
        report.figures.update(one_host=one, two_hosts=two, scaling=round(scaling, 2),
                              per_core_ratio=round(per_core, 2))  # fmt: skip
        if not args.smoke:
            report.say("\n== tickets through the balancer, 2 app hosts")
            report.figures["tickets"] = measure(cluster, report, ["app1", "app2"], args, "ticket")
        # Targets, not checks: they depend on the share of the cores the machine's other work
        # leaves the app hosts, which the load average at the end of the run shows.
        met = scaling >= 1.6 and 0.9 <= per_core <= 1.1
        report.figures["targets_met"] = met
        report.say(f"  scaling {scaling:.2f}x (target >= 1.6), per app CPU-second {per_core:.2f}x "
                   f"of one host's (target 0.9-1.1): targets {'met' if met else 'NOT met'}")  # fmt: skip
        chat_across(report, chat_ids, args.chat_messages)
        if not args.smoke:
            waiting_room(cluster, report, args)
        cluster.balance(["app1", "app2"])
        faults(cluster, report, args, chat_ids)
    except Exception as exc:  # noqa: BLE001 - reported as a failure, the logs kept in the report
        report.failures.append(f"{type(exc).__name__}: {exc}")
        report.say(f"ERROR {type(exc).__name__}: {exc}")
        for log in sorted((tmp / "logs").glob("*.log")):
            tail = log.read_text(errors="replace")[-1500:]
            if tail.strip():
                report.say(f"--- {log.name} (end)\n{tail}")
    finally:
        cluster.stop_all()
    report.figures["load_avg_end"] = round(os.getloadavg()[0], 2)
    report.figures["run_seconds"] = round(time.monotonic() - began)
    report.say("\n" + json.dumps(report.figures, indent=1, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(report.figures, indent=1, default=str))
    targets = report.figures.get("targets_met")
    if targets is not None:
        report.say(f"scaling targets {'met' if targets else 'NOT met'} (see above)")
    report.say(f"\n{'FAILED: ' + '; '.join(report.failures) if report.failures else 'all checks passed'}"
               f" ({time.monotonic() - began:.0f} s, load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    return 1 if report.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="everything once, briefly")
    parser.add_argument("--seconds", type=float, default=20, help="per sign-up measurement")
    parser.add_argument("--warmup", type=float, default=4)
    parser.add_argument("--per-host-concurrency", type=int, default=4)
    parser.add_argument("--fault-seconds", type=float, default=24)
    parser.add_argument("--fault-concurrency", type=int, default=8)
    parser.add_argument("--chat-messages", type=int, default=50)
    parser.add_argument(
        "--admission-rate",
        type=int,
        default=2,
        help="cluster-wide waiting-room rate: well under what the hosts can do, so that a "
        "per-host counter would show as twice the rate",
    )
    parser.add_argument("--overload", type=int, default=40, help="visitors in the waiting-room run")
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--boot-timeout", type=float, default=90)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.warmup, args.fault_seconds, args.chat_messages = 4, 1, 10, 3
        args.fault_concurrency, args.drain_timeout = 4, 90
    if args.inner:
        return inner(args)
    missing = missing_prerequisites()
    if missing:
        print(f"cannot run the cluster: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    lock = LOCK.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another bench/cluster.py run holds /run/prakerja-cluster.lock", file=sys.stderr)
        return 2

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    net_down()  # leftovers of a run that crashed
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX))
    tmp.chmod(0o755)  # the postgres user reaches its data directory through it
    try:
        net_up()
        inner_cmd = ["ip", "netns", "exec", f"{NS}client", PYTHON, str(Path(__file__).resolve()),
                     "--inner", "--tmp", str(tmp), *sys.argv[1:]]  # fmt: skip
        return subprocess.call(inner_cmd, cwd=ROOT)
    except KeyboardInterrupt:
        print("interrupted: removing the cluster", file=sys.stderr)
        return 130
    finally:
        net_down()


if __name__ == "__main__":
    sys.exit(main())
