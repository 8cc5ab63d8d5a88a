"""Realistic hotline traffic as PBX events, for `manage.py simulate_calls` and bench/telephony.py.

A day is generated call by call: arrivals follow an hourly profile (a morning peak, a smaller
one after lunch, a trickle before opening and after closing); each caller has a patience, agents
are a small pool taken in turn; a caller is answered if an agent frees up before their patience
runs out, else they hang up (abandoned) or the queue times out (missed). Calls outside opening
hours hear the closed message and hang up. A few calls are transferred, and, as real PBX
connectors do, a few events are sent twice or out of order.
"""

import datetime as dt
import heapq
import random
from dataclasses import dataclass, field

from prakerja.core import clock

# Share of the day's calls arriving in each WIB hour (0-23).
HOURLY_PROFILE = [
    0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 2.0,
    5.0, 9.0, 10.0, 9.5, 7.0, 8.0, 8.5, 7.5,
    6.5, 5.5, 4.5, 3.5, 2.5, 1.5, 0.8, 0.4,
]  # fmt: skip
OPEN_HOUR, CLOSE_HOUR = 8, 20
HOTLINE = "08001503001"
PREFIXES = ["0812", "0813", "0821", "0822", "0852", "0853", "0811", "0857", "0878", "0896"]


@dataclass(order=True)
class Event:
    at: dt.datetime
    seq: int
    payload: dict = field(compare=False)


def _caller(rng: random.Random, repeaters: list[str]) -> str:
    # Some people call again after a missed call: reuse a number now and then.
    if repeaters and rng.random() < 0.15:
        return rng.choice(repeaters)
    number = rng.choice(PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
    style = rng.random()
    if style < 0.5:
        return number
    if style < 0.8:
        return "62" + number[1:]
    return "+62 " + number[1:4] + "-" + number[4:8] + "-" + number[8:]


def generate_day(
    *,
    calls: int,
    day: dt.date,
    agents: list[str],
    seed: int = 1,
    duplicate_rate: float = 0.02,
    out_of_order_rate: float = 0.03,
    transfer_rate: float = 0.05,
    id_prefix: str = "sim",
) -> list[Event]:
    """Events for `calls` calls on `day` (WIB), sorted by the time the PBX would send them."""
    rng = random.Random(seed)  # noqa: S311 - simulated traffic, not security
    weights = HOURLY_PROFILE
    start = clock.local_datetime(day.year, day.month, day.day)
    # Agents become free at these times (a min-heap of (free_at, extension)).
    pool = [(start + dt.timedelta(hours=OPEN_HOUR), ext) for ext in agents]
    heapq.heapify(pool)
    arrivals = sorted(
        start + dt.timedelta(hours=rng.choices(range(24), weights)[0], seconds=rng.uniform(0, 3600))
        for _ in range(calls)
    )
    events: list[Event] = []
    seq = 0
    repeaters: list[str] = []

    def emit(at: dt.datetime, payload: dict) -> None:
        nonlocal seq
        seq += 1
        events.append(Event(at=at, seq=seq, payload={**payload, "time": at.isoformat()}))

    for n, ring in enumerate(arrivals):
        call_id = f"{id_prefix}-{day:%Y%m%d}-{n:06d}"
        caller = _caller(rng, repeaters)
        base = {"call_id": call_id, "direction": "in", "from": caller, "to": HOTLINE}
        emit(ring, {**base, "event": "newCall"})
        hour = ring.astimezone(clock.JAKARTA).hour
        if not OPEN_HOUR <= hour < CLOSE_HOUR:
            emit(
                ring + dt.timedelta(seconds=rng.uniform(12, 25)),
                {**base, "event": "hangup", "cause": "normalClearing"},
            )
            repeaters.append(caller)
            continue
        patience = rng.expovariate(1 / 120)  # seconds a caller waits before hanging up
        queue_timeout = 300
        free_at, ext = heapq.heappop(pool)
        answer_at = max(ring + dt.timedelta(seconds=rng.uniform(3, 12)), free_at)
        wait = (answer_at - ring).total_seconds()
        if wait > min(patience, queue_timeout):
            heapq.heappush(pool, (free_at, ext))
            gives_up = min(patience, queue_timeout)
            cause = "cancel" if patience < queue_timeout else "noAnswer"
            emit(ring + dt.timedelta(seconds=gives_up), {**base, "event": "hangup", "cause": cause})
            repeaters.append(caller)
            continue
        talk = dt.timedelta(seconds=min(rng.lognormvariate(5.3, 0.6), 1800))  # median ~3.3 min
        end = answer_at + talk
        emit(answer_at, {**base, "event": "answer", "agent": ext})
        if len(agents) > 1 and rng.random() < transfer_rate:
            other = rng.choice([a for a in agents if a != ext])
            emit(answer_at + talk / 2, {**base, "event": "answer", "agent": other})
        emit(end, {**base, "event": "hangup", "cause": "normalClearing"})
        # After-call work: the agent is busy a little longer.
        heapq.heappush(pool, (end + dt.timedelta(seconds=rng.uniform(20, 60)), ext))

    events.sort()
    # Connector quirks: resends and swapped neighbours.
    out: list[Event] = []
    for event in events:
        out.append(event)
        if rng.random() < duplicate_rate:
            out.append(event)
    for i in range(len(out) - 1):
        if rng.random() < out_of_order_rate:
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def summarize(events: list[Event]) -> dict:
    calls = {e.payload["call_id"] for e in events}
    hangups = {}
    answered = set()
    for e in events:
        if e.payload["event"] == "hangup":
            hangups[e.payload["call_id"]] = e.payload["cause"]
        if e.payload["event"] == "answer":
            answered.add(e.payload["call_id"])
    return {
        "calls": len(calls),
        "events": len(events),
        "answered": len(answered),
        "unanswered": len(calls - answered),
    }
