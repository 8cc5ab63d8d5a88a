"""Benchmark: import a year of reports and time the summary API against a raw GROUP BY.

    .venv/bin/python bench/reports.py                    # 6,000,000 tickets, PostgreSQL
    .venv/bin/python bench/reports.py --rows 500000

For each database it: creates a fresh database and migrates it; runs `manage.py import_tickets`
on a generated CSV (a realistic year: seasonal waves, weekday and hour-of-day patterns, channel
mix, business-hours response and resolution times, ~40% survey responses) and reports rows/s;
starts gunicorn on 127.0.0.1 (port 8500 by default) and times GET /api/v1/reports/summary for one
month and for the whole year (sequential requests, p50/p95); and, in the same run, times a direct
GROUP BY over the raw fact rows computing the same figures (the baseline). The server and the
databases it made are removed at the end.
"""

import argparse
import datetime as dt
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WIB = dt.timezone(dt.timedelta(hours=7))
CHANNELS = [("web", 0.42), ("chat", 0.33), ("phone", 0.25)]
CATEGORIES = [
    ("registration", 0.22),
    ("account", 0.18),
    ("account-linking", 0.14),
    ("training", 0.16),
    ("certificate", 0.08),
    ("incentive", 0.17),
    ("other", 0.05),
]
# Share of the day's chats/calls per hour 08-19 (they only come in opening hours); web all day.
HOURS_OPEN = [6, 9, 10, 10, 8, 7, 9, 10, 9, 8, 8, 6]
HOURS_WEB = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 6, 7, 7, 6, 6, 5, 5, 5, 5, 4, 3, 2]
RATINGS = {"chat": [5, 4, 6, 30, 55], "phone": [4, 4, 7, 30, 55], "web": [10, 8, 12, 30, 40]}


def _cumulative(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def _pick(cum, r):
    for i, c in enumerate(cum):
        if r <= c:
            return i
    return len(cum) - 1


def day_weights(year: int) -> list[float]:
    """Three registration waves a year, quieter weekends and the Lebaran week."""
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    weights = []
    for i in range(days):
        day = dt.date(year, 1, 1) + dt.timedelta(days=i)
        wave = sum(math.exp(-(((i - peak) / 12) ** 2)) for peak in (40, 160, 270))
        w = (1 + 2.5 * wave) * (0.6 if day.weekday() >= 5 else 1.0)
        if day.month == 4 and 1 <= day.day <= 7:
            w *= 0.4
        weights.append(w)
    return weights


def business_delay(start_ts: float, seconds: float) -> float:
    """start + `seconds` of opening time (08:00-20:00 WIB daily)."""
    local = start_ts + 7 * 3600
    day = int(local // 86400)
    opens, closes = day * 86400 + 8 * 3600, day * 86400 + 20 * 3600
    cursor = min(max(local, opens), closes)
    while True:
        available = closes - cursor
        if seconds <= available:
            return cursor + seconds - 7 * 3600
        seconds -= available
        day += 1
        opens, closes = day * 86400 + 8 * 3600, day * 86400 + 20 * 3600
        cursor = opens


def generate(path: Path, rows: int, year: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    rand, expo = rnd.random, rnd.expovariate
    weights = day_weights(year)
    total_w = sum(weights)
    counts = [int(rows * w / total_w) for w in weights]
    counts[0] += rows - sum(counts)
    ch_cum = _cumulative([w for _, w in CHANNELS])
    cat_cum = _cumulative([w for _, w in CATEGORIES])
    open_cum, web_cum = _cumulative(HOURS_OPEN), _cumulative(HOURS_WEB)
    rating_cum = {c: _cumulative(w) for c, w in RATINGS.items()}
    agents = {
        c: [f"agent{c[0]}{i:03d}" for i in range(n)]
        for c, n in (("web", 90), ("chat", 120), ("phone", 90))
    }
    # Mean business seconds (first response, resolution) per channel.
    timing = {"chat": (90, 1500), "phone": (20, 600), "web": (4 * 3600, 20 * 3600)}
    prefix_cache: dict[int, str] = {}

    def iso(ts: float) -> str:
        local = int(ts) + 7 * 3600
        day, rest = divmod(local, 86400)
        prefix = prefix_cache.get(day)
        if prefix is None:
            prefix = prefix_cache[day] = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
        h, rest = divmod(rest, 3600)
        m, s = divmod(rest, 60)
        return f"{prefix}T{h:02d}:{m:02d}:{s:02d}+07:00"

    start_ts = dt.datetime(year, 1, 1, tzinfo=WIB).timestamp()
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(
            "reference,channel,category,created_at,first_response_at,resolved_at,csat_rating,agent\n"
        )
        buffer = []
        for day_index, count in enumerate(counts):
            day_ts = start_ts + day_index * 86400
            for _ in range(count):
                n += 1
                channel = CHANNELS[_pick(ch_cum, rand())][0]
                category = CATEGORIES[_pick(cat_cum, rand())][0]
                if channel == "web":
                    created = day_ts + _pick(web_cum, rand()) * 3600 + int(rand() * 3600)
                else:
                    created = day_ts + (8 + _pick(open_cum, rand())) * 3600 + int(rand() * 3600)
                fr_mean, res_mean = timing[channel]
                first = business_delay(created, expo(1 / fr_mean))
                resolved = ""
                rating = ""
                if rand() < 0.97:
                    res_ts = business_delay(first, expo(1 / res_mean))
                    resolved = iso(res_ts)
                    if rand() < 0.4:
                        rating = str(_pick(rating_cum[channel], rand()) + 1)
                pool = agents[channel]
                agent = pool[int(rand() * len(pool))]
                buffer.append(
                    f"H{year % 100:02d}{n:08d},{channel},{category},{iso(created)},{iso(first)},"
                    f"{resolved},{rating},{agent}\n"
                )
                if len(buffer) >= 20000:
                    out.writelines(buffer)
                    buffer.clear()
        out.writelines(buffer)


def run(cmd, env, check=True, capture=True):
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=capture, text=True, check=False)
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return result


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


SETUP_USER = """
from prakerja.core.roles import Role
from prakerja.core.demo import demo_user
from prakerja.core.services import api_token_create
user = demo_user(username="bench-pmo", full_name="Bench PMO", role=Role.PMO_ADMIN)
print(api_token_create(user=user, name="bench")[1])
"""


def raw_group_by(env, start: dt.date, end: dt.date) -> float:
    """Seconds for the summary's figures computed straight from the raw fact rows."""
    code = f"""
import time, datetime as dt
from django.db import connection
month = "to_char(local_date, 'YYYY-MM')" if connection.vendor == "postgresql" else "strftime('%Y-%m', local_date)"
sql = ("SELECT " + month + ", channel, COUNT(*), SUM(CASE WHEN survey_sent THEN 1 ELSE 0 END), "
       "SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) "
       "FROM reports_ticketfact WHERE local_date >= %s AND local_date <= %s GROUP BY 1, 2")
times = []
for _ in range(3):
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute(sql, [dt.date.fromisoformat("{start}"), dt.date.fromisoformat("{end}")])
        c.fetchall()
    times.append(time.perf_counter() - t)
print(min(times))
"""
    out = run([PY, "manage.py", "shell", "-c", code], env)
    return float(out.stdout.strip().splitlines()[-1])


def time_api(port: int, token: str, start: dt.date, end: dt.date, requests: int) -> dict:
    import httpx

    url = f"http://127.0.0.1:{port}/api/v1/reports/summary"
    params = {"start": start.isoformat(), "end": end.isoformat()}
    headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
    times, body = [], None
    with httpx.Client(timeout=30) as client:
        for i in range(requests + 3):
            t = time.perf_counter()
            response = client.get(url, params=params, headers=headers)
            elapsed = time.perf_counter() - t
            response.raise_for_status()
            body = response.json()
            if i >= 3:  # warm-up
                times.append(elapsed)
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "total": body["total"],
    }


def bench_database(name: str, url: str, csv_path: Path, args, rows: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": "https://bench.prakerja.invalid",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    print(f"[{name}] migrate", flush=True)
    run([PY, "manage.py", "migrate", "--noinput"], env)
    print(f"[{name}] import {rows:,} rows", flush=True)
    t = time.perf_counter()
    run([PY, "manage.py", "import_tickets", str(csv_path)], env, capture=False)
    import_s = time.perf_counter() - t
    token = run([PY, "manage.py", "shell", "-c", SETUP_USER], env).stdout.strip().splitlines()[-1]
    year = args.year
    month = (dt.date(year, 6, 1), dt.date(year, 6, 30))
    whole = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        import httpx

        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{args.port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        api_month = time_api(args.port, token, *month, args.requests)
        api_year = time_api(args.port, token, *whole, args.requests)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    raw_month = raw_group_by(env, *month)
    raw_year = raw_group_by(env, *whole)
    assert api_year["total"] == rows, (api_year["total"], rows)
    return {
        "database": name,
        "rows": rows,
        "import_s": import_s,
        "import_rows_s": rows / import_s,
        "api_month": api_month,
        "api_year": api_year,
        "raw_month_ms": raw_month * 1000,
        "raw_year_ms": raw_year * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--databases", default="postgres")
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/prakerja_bench_reports"
    )
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--requests", type=int, default=40, help="Timed requests per range.")
    parser.add_argument("--csv", help="Reuse this generated CSV instead of generating one.")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench-reports"))
    args = parser.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = Path(args.csv) if args.csv else workdir / f"tickets-{args.rows}.csv"
    if not csv_path.exists():
        print(f"generating {args.rows:,} tickets -> {csv_path}", flush=True)
        t = time.perf_counter()
        generate(csv_path, args.rows, args.year)
        print(f"  {time.perf_counter() - t:.0f} s", flush=True)
    with open(csv_path, "rb") as handle:
        rows = sum(1 for _ in handle) - 1

    results = []
    for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if name == "sqlite":
            db_dir = Path(tempfile.mkdtemp(prefix="bench-reports-", dir=workdir))
            try:
                results.append(
                    bench_database(
                        name, f"sqlite:///{db_dir / 'bench.sqlite3'}", csv_path, args, rows
                    )
                )
            finally:
                shutil.rmtree(db_dir, ignore_errors=True)
        elif name == "postgres":
            import psycopg

            admin_url, _, db_name = args.pg_url.rpartition("/")
            with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
                conn.execute(f'CREATE DATABASE "{db_name}"')
            try:
                results.append(bench_database(name, args.pg_url, csv_path, args, rows))
            finally:
                with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        else:
            raise SystemExit(f"unknown database {name}")

    print()
    print(
        "| Database | Rows | Import rows/s | Summary month p50/p95 ms | Summary year p50/p95 ms | Raw GROUP BY month / year ms | Year: raw / API p95 |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['rows']:,} | {r['import_rows_s']:,.0f} ({r['import_s']:.0f} s) "
            f"| {r['api_month']['p50_ms']:.1f} / {r['api_month']['p95_ms']:.1f} "
            f"| {r['api_year']['p50_ms']:.1f} / {r['api_year']['p95_ms']:.1f} "
            f"| {r['raw_month_ms']:.0f} / {r['raw_year_ms']:.0f} "
            f"| {r['raw_year_ms'] / r['api_year']['p95_ms']:.0f}x |"
        )


if __name__ == "__main__":
    main()
