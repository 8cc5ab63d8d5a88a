"""Helpers for tests that run real servers: free ports in this app's range, an always-open
schedule, agents online on an all-day shift."""

import datetime as dt
import socket

from prakerja.core import clock
from prakerja.helpdesk import hours
from prakerja.helpdesk.models import AgentPresence, RosterEntry, Shift, WeeklyHours

from .factories import agent as make_agent

PORTS = range(8300, 8400)  # livechat's port range on the shared machine


def free_port(exclude=()) -> int:
    for port in PORTS:
        if port in exclude:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


def open_all_day() -> Shift:
    """Chat open and an all-day shift, whatever time the suite runs."""
    WeeklyHours.objects.update(opens_at=dt.time(0, 0), closes_at=dt.time(23, 59, 59))
    hours.invalidate_schedule()
    return Shift.objects.create(
        code="all-day", name="All day", starts_at=dt.time(0, 0), ends_at=dt.time(23, 59, 59)
    )


def online_agent(shift: Shift, **kwargs):
    user = make_agent(**kwargs)
    RosterEntry.objects.create(agent=user, shift=shift, date=clock.local_now().date())
    AgentPresence.objects.update_or_create(
        agent=user, defaults={"status": "online", "last_seen_at": clock.now()}
    )
    return user
