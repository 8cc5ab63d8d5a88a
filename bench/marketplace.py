"""Benchmark: the training marketplace with 20,000 courses and 5,000,000 purchases.

    .venv/bin/python bench/marketplace.py                                    # the full size
    .venv/bin/python bench/marketplace.py --purchases 500000 --seconds 5     # quick look

On PostgreSQL (production's database), it creates a fresh database and migrates it, loads the
catalog and the purchase history with set-based SQL (INSERT ... SELECT generate_series; foreign-key
triggers off while loading, the rows are consistent by construction), then starts gunicorn (2 sync
workers, production settings with Redis, loopback only, port 8250 by default; `bench/tickets.py`'s
server and its one-INSERT baseline view) and measures, in the same run:

1. latency, sequential requests: catalog search (`GET /api/v1/courses`: a common word, two words,
   a word in no course, each filter, a deep page), course pages (`GET /api/v1/courses/{id}`, a
   random course each time, with its reviews), certificate verification (`GET
   /api/v1/certificates/{number}` and the page `/sertifikat/{number}/`, a random certificate each
   time); the participant's HTML catalog and course pages too when the branch has them; against
   `GET /healthz`. Targets: catalog and course p95 < 100 ms, verification p95 < 20 ms;
2. purchases per second: `--buyers` concurrent buyers (each a participant with a fresh card,
   `POST /api/v1/me/purchases` with a bearer token, moving to the next participant when the
   balance runs out) against the one-INSERT view at the same concurrency, in `--rounds` rounds
   (order rotating); the ratio is the median of per-round ratios. Target >= 0.5x;
3. races: `--race-cards` cards each sent 10 simultaneous purchases worth more than the balance, and
   `--race-vouchers` vouchers each sent three redemptions (its platform) and a cancellation (its
   holder) at once;
4. integrity over every card: balances below zero, balances that differ from the initial balance
   less the purchases not cancelled, and vouchers that more than one request spent (redeemed twice,
   or redeemed and refunded). Target: 0 of each.

Everything it made (server, database) is removed at the end (`--keep-db` keeps the database).
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tickets import Server, login, manage, request, server_env  # noqa: E402

PLATFORMS = 10
INSTITUTIONS = 1_000
PER_CARD = 4  # purchases per card in the loaded history (4 x at most Rp 250,000 = the balance)
TOPICS = [
    ("Digital Marketing", "Pemasaran"),
    ("Desain Grafis", "Desain"),
    ("Akuntansi", "Keuangan"),
    ("Barista", "Kuliner"),
    ("Menjahit", "Kriya"),
    ("Bahasa Inggris", "Bahasa"),
    ("Excel", "Perkantoran"),
    ("Pemrograman Python", "Teknologi Informasi"),
    ("Fotografi", "Desain"),
    ("Tata Boga", "Kuliner"),
    ("Public Speaking", "Pengembangan Diri"),
    ("Manajemen Keuangan", "Keuangan"),
    ("Kewirausahaan", "Bisnis"),
    ("Penjualan Online", "Pemasaran"),
    ("Administrasi Perkantoran", "Perkantoran"),
    ("Servis Sepeda Motor", "Otomotif"),
    ("Tata Rias", "Kecantikan"),
    ("Budidaya Ikan", "Pertanian"),
    ("Content Creator", "Teknologi Informasi"),
    ("Layanan Pelanggan", "Bisnis"),
]
LEVELS = ["Dasar", "Menengah", "Lanjutan", "untuk UMKM", "untuk Pemula", "Praktis", "Profesional"]


# --- Data -----------------------------------------------------------------------------------------

SETUP = r"""
import datetime as dt
from django.contrib.auth import get_user_model
from prakerja.core import clock
from prakerja.programs.models import Wave
from prakerja.training.services import platform_create

now = clock.now()
history = Wave.objects.create(number=1, title="Gelombang 1", quota=2_000_000,
    opens_at=now - dt.timedelta(days=230), closes_at=now - dt.timedelta(days=215),
    selection_ran_at=now - dt.timedelta(days=212), announce_at=now - dt.timedelta(days=210))
current = Wave.objects.create(number=2, title="Gelombang 2", quota=100_000,
    opens_at=now - dt.timedelta(days=20), closes_at=now - dt.timedelta(days=5),
    selection_ran_at=now - dt.timedelta(days=2), announce_at=now - dt.timedelta(days=1))
for n in range(__PLATFORMS__):
    platform, token = platform_create(slug=f"mitra-{n}", name=f"Mitra Platform {n}")
    print("PLATFORM", platform.slug, token)
from django.contrib.auth.models import Group
peserta = get_user_model().objects.create_user(username="bench-peserta", password="prakerja-demo", full_name="Peserta Bench")
peserta.groups.add(Group.objects.get(name="participant"))
print("WAVES", history.pk, current.pk)
"""


def load_sql(*, courses: int, purchases: int, history_wave: int) -> list[str]:
    """The statements that load `courses` courses and `purchases` purchases (with the users,
    applications and cards they need, certificates for the completed ones, reviews for half of
    those, the courses' rating figures and the cards' balances). Generated integers only."""
    cards = -(-purchases // PER_CARD)
    topics = ",".join(f"'{t}'" for t, _c in TOPICS)
    categories = ",".join(f"'{c}'" for _t, c in TOPICS)
    levels = ",".join(f"'{lv}'" for lv in LEVELS)
    nt, nl = len(TOPICS), len(LEVELS)
    # Purchase i: card i / PER_CARD, its j-th course (distinct for j < PER_CARD), a status spread
    # of 10% paid, 20% redeemed, 5% cancelled, 65% completed.
    course_of = f"(((i / {PER_CARD}) * 7 + (i % {PER_CARD}) * 5003) % {courses})"
    status = (
        "CASE WHEN i % 20 < 2 THEN 'paid' WHEN i % 20 < 6 THEN 'redeemed' "
        "WHEN i % 20 = 6 THEN 'cancelled' ELSE 'completed' END"
    )
    return [
        "SET session_replication_role = replica",
        f"""INSERT INTO training_institution (name)
        SELECT 'Lembaga Pelatihan ' || i FROM generate_series(1, {INSTITUTIONS}) AS i""",  # noqa: S608
        f"""INSERT INTO training_course (platform_id, external_id, title, institution_id, price,
            mode, category, description, hours, schedule, status, reviewed_at, rating_count,
            rating_sum, created_at, updated_at, search_text)
        SELECT platform_id, 'K-' || i, title, institution_id, 100000 + (i % 16) * 10000,
            (ARRAY['online','online','online','blended','offline'])[1 + i % 5], category,
            'Deskripsi pelatihan ' || i, 4 + i % 40, '',
            CASE WHEN i % 33 = 0 THEN 'pending' ELSE 'approved' END, now(), 0, 0, now(), now(),
            title || ' ' || (SELECT name FROM training_institution WHERE id = institution_id)
                || ' ' || category
        FROM (SELECT i, (SELECT min(id) FROM training_platform) + i % {PLATFORMS} AS platform_id,
                (ARRAY[{topics}])[1 + i % {nt}] || ' ' || (ARRAY[{levels}])[1 + (i / {nt}) % {nl}]
                    || ' ' || (1 + i / {nt * nl}) AS title,
                (SELECT min(id) FROM training_institution) + i % {INSTITUTIONS} AS institution_id,
                (ARRAY[{categories}])[1 + i % {nt}] AS category
              FROM generate_series(0, {courses - 1}) AS i) AS c""",  # noqa: S608
        f"""INSERT INTO accounts_user (password, is_superuser, username, is_staff, is_active,
            date_joined, full_name, email, phone, email_verified_at, phone_verified_at)
        SELECT '!', false, 'bp' || i, false, true, now() - interval '240 days',
            'Peserta Nomor ' || i, 'bp' || i || '@example.test', '+62813' || lpad(i::text, 8, '0'),
            now() - interval '239 days', now() - interval '239 days'
        FROM generate_series(0, {cards - 1}) AS i""",  # noqa: S608
        f"""INSERT INTO programs_application (wave_id, participant_id, status, joined_at,
            decided_at, reason)
        SELECT {history_wave}, u.id, 'selected', w.opens_at + interval '1 hour', w.selection_ran_at, ''
        FROM accounts_user u, programs_wave w
        WHERE w.id = {history_wave} AND u.username LIKE 'bp%' ORDER BY u.id""",  # noqa: S608
        f"""INSERT INTO training_card (participant_id, application_id, number, initial_balance,
            balance, issued_at, first_purchase_deadline, valid_until, first_purchase_at)
        SELECT a.participant_id, a.id, '5' || lpad(a.id::text, 15, '0'), w.training_balance,
            w.training_balance, w.announce_at, w.announce_at + interval '30 days',
            w.announce_at + interval '365 days', w.announce_at + interval '1 day'
        FROM programs_application a JOIN programs_wave w ON w.id = a.wave_id
        WHERE a.wave_id = {history_wave} ORDER BY a.id""",  # noqa: S608
        f"""INSERT INTO training_purchase (card_id, course_id, price, voucher_code, status,
            purchased_at, redeemed_at, completed_at, cancelled_at, score)
        SELECT s.card_id, co.id, co.price, 'V' || lpad(s.i::text, 15, '0'), s.status,
            s.at, CASE WHEN s.status IN ('redeemed', 'completed') THEN s.at + interval '1 hour' END,
            CASE WHEN s.status = 'completed' THEN s.at + interval '7 days' END,
            CASE WHEN s.status = 'cancelled' THEN s.at + interval '10 minutes' END,
            CASE WHEN s.status = 'completed' THEN 60 + s.i % 41 END
        FROM (SELECT i, (SELECT min(id) FROM training_card) + i / {PER_CARD} AS card_id,
                {course_of} AS course_index, {status} AS status,
                now() - interval '200 days' + ((i::bigint * 7919) % (190 * 86400)) * interval '1 second' AS at
              FROM generate_series(0, {purchases - 1}) AS i) AS s
        JOIN training_course co ON co.id = (SELECT min(id) FROM training_course) + s.course_index""",  # noqa: S608
        """INSERT INTO training_certificate (purchase_id, number, issued_at)
        SELECT id, 'PRK-2026-' || lpad(id::text, 10, '0'), completed_at
        FROM training_purchase WHERE status = 'completed'""",
        """INSERT INTO training_review (purchase_id, rating, text, created_at)
        SELECT id, 1 + id % 5, 'Materinya jelas, ulasan nomor ' || id, completed_at + interval '1 day'
        FROM training_purchase WHERE status = 'completed' AND id % 2 = 0""",
        """UPDATE training_course c SET rating_count = r.n, rating_sum = r.total
        FROM (SELECT p.course_id, count(*) AS n, sum(r.rating) AS total
              FROM training_review r JOIN training_purchase p ON p.id = r.purchase_id
              GROUP BY p.course_id) AS r
        WHERE r.course_id = c.id""",
        """UPDATE training_card c SET balance = c.initial_balance - p.spent
        FROM (SELECT card_id, sum(price) AS spent FROM training_purchase
              WHERE status <> 'cancelled' GROUP BY card_id) AS p
        WHERE p.card_id = c.id""",
        "SET session_replication_role = DEFAULT",
        "ANALYZE",
    ]


LOAD = r"""
import json, time
from django.db import connection
statements = json.loads(__STATEMENTS__)
t0 = time.time()
with connection.cursor() as cursor:
    for sql in statements:
        cursor.execute(sql)
print("LOADED", round(time.time() - t0, 1))
"""


BUYERS = r"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from prakerja.core.models import ApiToken
from prakerja.core.services import hash_token
from prakerja.programs.models import Application, Wave
from prakerja.training.models import Card

User = get_user_model()
wave = Wave.objects.get(pk=__WAVE__)
with transaction.atomic():
    users = User.objects.bulk_create(
        User(username=f"buyer{i}", password="!", full_name=f"Pembeli {i}", email=f"buyer{i}@example.test",
             phone=f"+62815{i:08d}") for i in range(__N__))
    Group.objects.get(name="participant").user_set.add(*users)
    applications = Application.objects.bulk_create(
        Application(wave=wave, participant=u, status="selected", joined_at=wave.opens_at,
                    decided_at=wave.selection_ran_at) for u in users)
    Card.objects.bulk_create(
        Card(participant=u, application=a, number=f"6{a.pk:015d}", initial_balance=wave.training_balance,
             balance=wave.training_balance, issued_at=wave.announce_at,
             first_purchase_deadline=wave.announce_at + dt.timedelta(days=wave.first_purchase_days),
             valid_until=wave.announce_at + dt.timedelta(days=wave.card_valid_days))
        for u, a in zip(users, applications))
    raws = [f"bench-buyer-{u.pk}-token-0123456789abcdef" for u in users]
    ApiToken.objects.bulk_create(
        ApiToken(user=u, name="bench", prefix=raw[:10], key_hash=hash_token(raw)) for u, raw in zip(users, raws))
with open("__OUT__", "w") as out:
    out.write("\n".join(f"{u.username} {raw}" for u, raw in zip(users, raws)))
# Statistics as autovacuum would leave them (this machine's PostgreSQL runs without it): with
# those of before the buyers, the bearer-token look-up scans every user.
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print("BUYERS", len(users))
"""

FACTS = r"""
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT min(id), max(id) FROM training_course WHERE status = 'approved'")
    print("COURSES", *c.fetchone())
    c.execute("SELECT id, price, (SELECT slug FROM training_platform p WHERE p.id = platform_id) FROM training_course WHERE status = 'approved' ORDER BY id")
    with open("__OUT__", "w") as out:
        out.write("\n".join(f"{i} {price} {slug}" for i, price, slug in c.fetchall()))
    c.execute("SELECT count(*) FROM training_certificate")
    print("CERTIFICATES", c.fetchone()[0])
    c.execute("SELECT number FROM training_certificate ORDER BY random() LIMIT 5000")
    with open("__NUMBERS__", "w") as out:
        out.write("\n".join(number for (number,) in c.fetchall()))
"""

INTEGRITY = r"""
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM training_card WHERE balance < 0")
    negative = c.fetchone()[0]
    c.execute('''SELECT count(*) FROM training_card c
        LEFT JOIN (SELECT card_id, sum(price) AS spent FROM training_purchase
                   WHERE status <> 'cancelled' GROUP BY card_id) p ON p.card_id = c.id
        WHERE c.revoked_at IS NULL AND c.balance <> c.initial_balance - coalesce(p.spent, 0)''')
    mismatched = c.fetchone()[0]
    c.execute("SELECT count(*) FROM training_purchase")
    purchases = c.fetchone()[0]
    c.execute("SELECT count(*) FROM training_card")
    cards = c.fetchone()[0]
print("INTEGRITY", negative, mismatched, purchases, cards)
"""


def shell(env, code: str, **values) -> str:
    for key, value in values.items():
        code = code.replace(f"__{key}__", str(value))
    return manage(env, "shell", stdin=code)


def field(out: str, key: str) -> list[str]:
    return out.split(f"{key} ", 1)[1].split("\n", 1)[0].split()


# --- Latency --------------------------------------------------------------------------------------


def sample(port, paths, headers=None, *, ok=(200,)):
    """Sequential GETs of `paths` (one request each), after one warm-up request."""
    request(port, "GET", paths[0], headers=headers or {})
    lat = []
    for path in paths:
        t0 = time.perf_counter()
        status, _h, body = request(port, "GET", path, headers=headers or {})
        lat.append(time.perf_counter() - t0)
        if status not in ok:
            raise SystemExit(f"GET {path} -> {status}: {body[:300]!r}")
    lat.sort()
    return {
        "p50_ms": round(1000 * statistics.median(lat), 1),
        "p95_ms": round(1000 * lat[max(0, int(len(lat) * 0.95) - 1)], 1),
        "n": len(lat),
    }


def latencies(port, repeat, courses, certificates, cookie):
    rng = random.Random(7)
    pick = [rng.choice(courses)[0] for _ in range(repeat)]
    numbers = [rng.choice(certificates) for _ in range(repeat)]
    pages = {
        "baseline GET /healthz": ["/healthz"] * repeat,
        "catalog: first page": ["/api/v1/courses"] * repeat,
        "catalog: q=barista": ["/api/v1/courses?q=barista"] * repeat,
        "catalog: q=excel lanjutan": ["/api/v1/courses?q=excel+lanjutan"] * repeat,
        "catalog: q=tidakada (no match)": ["/api/v1/courses?q=tidakada"] * repeat,
        "catalog: category + price_max": ["/api/v1/courses?category=Kuliner&price_max=150000"]
        * repeat,
        "catalog: mode + platform": ["/api/v1/courses?mode=blended&platform=mitra-3"] * repeat,
        "catalog: page 500": ["/api/v1/courses?page=500"] * repeat,
        "course page (API, random course)": [f"/api/v1/courses/{c}" for c in pick],
        "certificate check (API, random)": [f"/api/v1/certificates/{n}" for n in numbers],
        "certificate check (page, random)": [f"/sertifikat/{n}/" for n in numbers],
    }
    results = {name: sample(port, paths) for name, paths in pages.items()}
    # The participant's HTML pages, where this branch has them (the catalog is the same search).
    auth = {"Cookie": cookie}
    status, _h, _b = request(port, "GET", "/pelatihan/?q=barista", headers=auth)
    if status == 200:
        results["catalog page (HTML): q=barista"] = sample(
            port, ["/pelatihan/?q=barista"] * repeat, auth
        )
        results["course page (HTML, random course)"] = sample(
            port, [f"/pelatihan/{c}/" for c in pick], auth
        )
    return results


# --- Purchases ------------------------------------------------------------------------------------


def _buyers_loop(port, kind, seconds, threads, buyers, courses, queue):
    """One process: `threads` buyers, each going through its share of `buyers` (a participant's
    token each); a buyer whose balance is spent moves to its next participant."""
    stop = time.time() + seconds
    done, refused, errors, lat = [0], [0], [0], []
    lock = threading.Lock()

    def one(t):
        mine = buyers[t::threads]
        rng = random.Random(t * 7919 + os.getpid())
        who = 0
        while time.time() < stop and who < len(mine):
            if kind == "baseline":
                body = urllib.parse.urlencode({"subject": "purchase", "email": f"b{t}"})
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                path, expect = "/bench/insert/", 201
            else:
                body = json.dumps({"course": rng.choice(courses)[0]})
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {mine[who][1]}",
                }
                path, expect = "/api/v1/me/purchases", 201
            t0 = time.perf_counter()
            try:
                status, _h, data = request(port, "POST", path, body, headers)
            except OSError:
                status, data = 0, b""
            elapsed = time.perf_counter() - t0
            with lock:
                if status == expect:
                    done[0] += 1
                    lat.append(elapsed)
                elif status == 409:
                    refused[0] += 1
                else:
                    errors[0] += 1
            if status == 409 and b"insufficient_balance" in data:
                who += 1

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put((done[0], refused[0], errors[0], lat))


def purchase_load(port, kind, seconds, clients, buyers, courses):
    """`clients` concurrent buyers split over 2 processes (the client side needs CPU too)."""
    procs, queue = [], mp.Queue()
    halves = [buyers[0::2], buyers[1::2]]
    per = [clients // 2 + clients % 2, clients // 2]
    for n, threads in enumerate(per):
        if threads:
            args = (port, kind, seconds, threads, halves[n], courses, queue)
            p = mp.Process(target=_buyers_loop, args=args)
            p.start()
            procs.append(p)
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r[3])
    return {
        "per_s": sum(r[0] for r in results) / seconds,
        "refused": sum(r[1] for r in results),
        "errors": sum(r[2] for r in results),
        "p50_ms": round(1000 * statistics.median(lat), 1) if lat else None,
        "p95_ms": round(1000 * lat[int(len(lat) * 0.95) - 1], 1) if lat else None,
    }


def purchase_rounds(args, buyers, courses):
    """Warm-up, then `--rounds` rounds of baseline and purchases back to back (order rotating);
    each round's buyers are fresh participants. The ratio is the median of per-round ratios."""
    per_round = len(buyers) // (args.rounds + 1)
    slices = [buyers[n * per_round : (n + 1) * per_round] for n in range(args.rounds + 1)]
    purchase_load(args.port, "baseline", args.warmup, args.buyers, slices[0], courses)
    purchase_load(args.port, "purchase", args.warmup, args.buyers, slices[0], courses)
    rounds = []
    for n in range(args.rounds):
        order = ("baseline", "purchase") if n % 2 == 0 else ("purchase", "baseline")
        rounds.append(
            {
                kind: purchase_load(
                    args.port, kind, args.seconds, args.buyers, slices[n + 1], courses
                )
                for kind in order
            }
        )
        print("round", n + 1, rounds[-1], flush=True)
    ratios = [r["purchase"]["per_s"] / r["baseline"]["per_s"] for r in rounds]
    middle = sorted(rounds, key=lambda r: r["purchase"]["per_s"])[len(rounds) // 2]
    return {
        "baseline_per_s": round(statistics.median(r["baseline"]["per_s"] for r in rounds), 1),
        "purchases_per_s": round(statistics.median(r["purchase"]["per_s"] for r in rounds), 1),
        "ratio": round(statistics.median(ratios), 3),
        "rounds_ratio": [round(x, 3) for x in ratios],
        "purchase_p50_ms": middle["purchase"]["p50_ms"],
        "purchase_p95_ms": middle["purchase"]["p95_ms"],
        "errors": sum(r[k]["errors"] for r in rounds for k in r),
    }


# --- Races ----------------------------------------------------------------------------------------


def race_purchases(port, buyers, courses, cards):
    """Each of `cards` fresh participants sends 10 purchases at once, worth more than the balance:
    the database lets through only what the balance covers."""
    expensive = [c for c in courses if c[1] >= 150_000]
    rng = random.Random(11)
    outcomes = {"201": 0, "409": 0, "other": 0}
    with ThreadPoolExecutor(max_workers=10) as pool:
        for _name, token in buyers[:cards]:
            picks = rng.sample(expensive, 10)
            statuses = list(
                pool.map(
                    lambda c, token=token: request(
                        port,
                        "POST",
                        "/api/v1/me/purchases",
                        json.dumps({"course": c[0]}),
                        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                    )[0],
                    picks,
                )
            )
            for status in statuses:
                outcomes[str(status) if status in (201, 409) else "other"] += 1
    return outcomes


def race_vouchers(port, buyers, courses, platform_tokens):
    """A fresh purchase per participant of `buyers`, each then sent three redemptions by its platform and a
    cancellation by its holder at the same moment: exactly one may succeed."""
    platform_of = {c[0]: c[2] for c in courses}
    rng = random.Random(13)
    bought = []
    for _name, token in buyers:
        course = rng.choice(courses)
        status, _h, body = request(
            port,
            "POST",
            "/api/v1/me/purchases",
            json.dumps({"course": course[0]}),
            {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        if status == 201:
            bought.append((json.loads(body)["voucher_code"], token, platform_of[course[0]]))
    outcomes = {"spent once": 0, "spent twice or more": 0, "not spent": 0}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for code, holder, slug in bought:
            platform = {"Authorization": f"Bearer {platform_tokens[slug]}"}
            calls = [
                ("POST", f"/api/v1/partner/vouchers/{code}/redeem", platform),
                ("POST", f"/api/v1/partner/vouchers/{code}/redeem", platform),
                (
                    "POST",
                    f"/api/v1/me/purchases/{code}/cancel",
                    {"Authorization": f"Bearer {holder}"},
                ),
                ("POST", f"/api/v1/partner/vouchers/{code}/redeem", platform),
            ]
            statuses = list(pool.map(lambda c: request(port, c[0], c[1], b"", c[2])[0], calls))
            wins = sum(s == 200 for s in statuses)
            outcomes[{0: "not spent", 1: "spent once"}.get(wins, "spent twice or more")] += 1
    return {"vouchers": len(bought), **outcomes}


# --- Main -----------------------------------------------------------------------------------------


def run(args, workdir):
    dbname = f"bench_marketplace_{os.getpid()}"
    base = args.pg_url.rstrip("/")
    subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)  # noqa: S603,S607
    env = server_env(f"{base}/{dbname}", args.redis_url, workdir)
    report = {
        "courses": args.courses,
        "loaded_purchases": args.purchases,
        "loadavg_start": os.getloadavg(),
    }
    try:
        manage(env, "migrate", "--noinput")
        out = shell(env, SETUP, PLATFORMS=PLATFORMS)
        platform_tokens = dict(
            line.split()[1:3] for line in out.splitlines() if line.startswith("PLATFORM ")
        )
        history_wave, current_wave = (int(x) for x in field(out, "WAVES"))
        statements = load_sql(
            courses=args.courses, purchases=args.purchases, history_wave=history_wave
        )
        t0 = time.time()
        shell(env, LOAD, STATEMENTS=repr(json.dumps(statements)))
        report["load_s"] = round(time.time() - t0, 1)
        print(f"loaded {args.courses} courses, {args.purchases} purchases in {report['load_s']} s")
        buyers_file, courses_file = workdir / "buyers.txt", workdir / "courses.txt"
        shell(env, BUYERS, WAVE=current_wave, N=args.buyer_accounts, OUT=buyers_file)
        numbers_file = workdir / "certificates.txt"
        out = shell(env, FACTS, OUT=courses_file, NUMBERS=numbers_file)
        buyers = [tuple(line.split()) for line in buyers_file.read_text().splitlines()]
        courses = [
            (int(i), int(price), slug)
            for i, price, slug in (line.split() for line in courses_file.read_text().splitlines())
        ]
        certificates = numbers_file.read_text().split()
        report["certificates"] = int(field(out, "CERTIFICATES")[0])
        with Server(env, args.port):
            cookie = login(args.port, "bench-peserta")
            report["latency"] = latencies(args.port, args.repeat, courses, certificates, cookie)
            for name, figures in report["latency"].items():
                print(f"{name:40} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms")
            races = args.race_cards + args.race_vouchers
            report["purchase_rate"] = purchase_rounds(args, buyers[races:], courses)
            print("purchases", report["purchase_rate"], flush=True)
            report["race_purchases"] = race_purchases(
                args.port, buyers[: args.race_cards], courses, args.race_cards
            )
            report["race_vouchers"] = race_vouchers(
                args.port, buyers[args.race_cards : races], courses, platform_tokens
            )
            print("races", report["race_purchases"], report["race_vouchers"], flush=True)
        negative, mismatched, purchases, cards = (
            int(x) for x in field(shell(env, INTEGRITY), "INTEGRITY")
        )
        report["integrity"] = {
            "negative balances": negative,
            "balances not equal to initial less purchases": mismatched,
            "vouchers spent twice": report["race_vouchers"]["spent twice or more"],
            "purchases": purchases,
            "cards": cards,
        }
        report["loadavg_end"] = os.getloadavg()
        print("integrity", report["integrity"], flush=True)
        return report
    finally:
        if args.keep_db:
            print(f"kept {base}/{dbname} (drop it when done)")
        else:
            subprocess.run(  # noqa: S603,S607
                [
                    "psql",
                    base + "/postgres",
                    "-qc",
                    f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)",
                ],
                check=False,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--courses", type=int, default=20_000)
    parser.add_argument("--purchases", type=int, default=5_000_000)
    parser.add_argument("--buyers", type=int, default=50, help="concurrent buyers")
    parser.add_argument(
        "--buyer-accounts", type=int, default=6_000, help="fresh participants for the buyers"
    )
    parser.add_argument("--seconds", type=int, default=6, help="per purchase measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=4, help="seconds of warm-up per kind")
    parser.add_argument("--repeat", type=int, default=200, help="requests per page")
    parser.add_argument("--race-cards", type=int, default=100)
    parser.add_argument("--race-vouchers", type=int, default=200)
    parser.add_argument("--port", type=int, default=8250)
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--keep-db", action="store_true", help="keep the database (to EXPLAIN)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-marketplace-"))
    try:
        report = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    worst_catalog = max(
        v["p95_ms"] for k, v in report["latency"].items() if k.startswith(("catalog", "course"))
    )
    worst_check = max(
        v["p95_ms"] for k, v in report["latency"].items() if k.startswith("certificate")
    )
    p, i = report["purchase_rate"], report["integrity"]
    print(
        f"{report['courses']} courses, {report['loaded_purchases']} purchases loaded: catalog/course p95 <= {worst_catalog} ms (target < 100); certificate check "
        f"p95 <= {worst_check} ms (target < 20); {p['purchases_per_s']} purchases/s vs "
        f"{p['baseline_per_s']} one-INSERT/s = {p['ratio']}x (target >= 0.5); "
        f"{i['negative balances']} negative balances, {i['vouchers spent twice']} vouchers spent "
        f"twice, {i['balances not equal to initial less purchases']} balances off (target 0)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
