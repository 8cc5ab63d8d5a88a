"""Replay a realistic day of hotline traffic against the telephony events API (or in-process)."""

import datetime as dt
import json
import queue
import threading
import time
import zlib

import httpx
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

from prakerja.core import clock
from prakerja.core.errors import DomainError
from prakerja.telephony.models import AgentExtension
from prakerja.telephony.services import call_event_record
from prakerja.telephony.simulation import generate_day, summarize


class Command(BaseCommand):
    help = (
        "Replay realistic call traffic (arrivals by hour, answers, abandons, transfers, resends, "
        "out-of-order events) against POST /api/v1/telephony/events, for demos and load."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
        parser.add_argument("--token", default="", help="integration bearer token (pk_...)")
        parser.add_argument("--calls", type=int, default=200, help="calls in the simulated day")
        parser.add_argument("--date", default="", help="the day (YYYY-MM-DD, WIB); default today")
        parser.add_argument(
            "--agents",
            default="",
            help="comma-separated extensions/usernames; default: the configured extensions",
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=0,
            help="replay N times faster than real time (e.g. 600: a 12-hour day in 72 s); "
            "0 sends as fast as possible (load)",
        )
        parser.add_argument("--concurrency", type=int, default=4, help="parallel senders")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="sim", help="call id prefix (reruns: change it)")
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="call the service directly instead of HTTP (no server needed; demos)",
        )
        parser.add_argument("--pbx-user", default="pbx", help="with --in-process: acting user")
        parser.add_argument("--dry-run", action="store_true", help="print the events as JSON lines")

    def handle(self, *args, **opts):
        day = dt.date.fromisoformat(opts["date"]) if opts["date"] else clock.local_now().date()
        agents = [a.strip() for a in opts["agents"].split(",") if a.strip()] or _default_agents()
        if not agents:
            raise CommandError("No agents: pass --agents 201,202 or give agents extensions.")
        events = generate_day(
            calls=opts["calls"], day=day, agents=agents, seed=opts["seed"], id_prefix=opts["prefix"]
        )
        if opts["dry_run"]:
            for event in events:
                self.stdout.write(json.dumps(event.payload))
            return
        concurrency = max(1, opts["concurrency"])
        if opts["in_process"]:
            send = _in_process_sender(opts["pbx_user"])
            concurrency = 1  # this process's database connection, in order
        else:
            if not opts["token"]:
                raise CommandError("--token is required (manage.py create_api_token).")
            send = _http_sender(opts["url"], opts["token"])
        stats = replay(events, send=send, speed=opts["speed"], concurrency=concurrency)
        plan = summarize(events)
        self.stdout.write(
            f"{plan['calls']} calls ({plan['answered']} answered, {plan['unanswered']} not), "
            f"{stats['sent']} events in {stats['seconds']:.1f} s = {stats['per_second']:.0f}/s; "
            f"accepted {stats['accepted']}, duplicates {stats['duplicates']}, "
            f"errors {stats['errors']}; latency p50 {stats['p50_ms']:.0f} ms, "
            f"p95 {stats['p95_ms']:.0f} ms"
        )
        if stats["errors"]:
            self.stderr.write(f"first errors: {stats['first_errors']}")


def _default_agents() -> list[str]:

    return list(AgentExtension.objects.order_by("extension").values_list("extension", flat=True))


def _http_sender(url: str, token: str):

    local = threading.local()

    def send(payload: dict) -> tuple[int, dict]:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
        response = client.post("/api/v1/telephony/events", json=payload)
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:200]}
        return response.status_code, body

    return send


def _in_process_sender(username: str):

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@pbx.invalid"}
    )
    user.user_permissions.add(Permission.objects.get(codename="add_callevent"))
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache

    def send(payload: dict) -> tuple[int, dict]:
        try:
            result = call_event_record(
                event=payload["event"],
                call_id=payload["call_id"],
                occurred_at=dt.datetime.fromisoformat(payload["time"]),
                direction=payload.get("direction", ""),
                from_number=payload.get("from", ""),
                to_number=payload.get("to", ""),
                agent=payload.get("agent", ""),
                cause=payload.get("cause", ""),
                actor=user,
            )
        except DomainError as exc:
            return exc.status, {"code": exc.code, "errors": exc.errors}
        return 200, {"duplicate": result.duplicate}

    return send


def replay(events, *, send, speed: float = 0, concurrency: int = 1) -> dict:
    """Send the events; each call's events go through one sender thread, in order. Returns
    counts, events/s and latency percentiles."""
    lanes = [queue.Queue() for _ in range(concurrency)]
    results: list[tuple[int, bool, float, dict]] = []
    lock = threading.Lock()
    first_at = events[0].at if events else None
    started = time.perf_counter()

    def worker(lane: queue.Queue) -> None:
        while True:
            item = lane.get()
            if item is None:
                return
            due, payload = item
            if due is not None:
                delay = due - (time.perf_counter() - started)
                if delay > 0:
                    time.sleep(delay)
            t0 = time.perf_counter()
            try:
                status, body = send(payload)
            except Exception as exc:  # counted and reported; the replay goes on
                status, body = 0, {"error": repr(exc)}
            elapsed = time.perf_counter() - t0
            with lock:
                results.append((status, bool(body.get("duplicate")), elapsed, body))

    for event in events:
        due = (event.at - first_at).total_seconds() / speed if speed else None
        lane = lanes[zlib.crc32(event.payload["call_id"].encode()) % concurrency]
        lane.put((due, event.payload))
    for lane in lanes:
        lane.put(None)
    if concurrency == 1:
        worker(lanes[0])  # in this thread (in-process senders share its database connection)
    else:
        threads = [threading.Thread(target=worker, args=(lane,), daemon=True) for lane in lanes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    seconds = time.perf_counter() - started
    latencies = sorted(r[2] for r in results) or [0.0]
    errors = [r for r in results if r[0] != 200]
    return {
        "sent": len(results),
        "accepted": sum(1 for r in results if r[0] == 200 and not r[1]),
        "duplicates": sum(1 for r in results if r[0] == 200 and r[1]),
        "errors": len(errors),
        "first_errors": [(r[0], r[3]) for r in errors[:3]],
        "seconds": seconds,
        "per_second": len(results) / seconds if seconds else 0.0,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p95_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
    }
