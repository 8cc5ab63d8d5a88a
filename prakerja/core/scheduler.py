"""Periodic jobs: a registry the domain apps fill from their `AppConfig.ready()`, and the loop
`manage.py scheduler` runs.

Any number of schedulers may run (one per node, say); one leads and runs the jobs, the others
wait to take over. On PostgreSQL the leader holds a session-level advisory lock on a connection
of its own: when the leader dies its session ends and the server frees the lock, and a follower
takes it at its next try. On a SQLite file (one machine) the leader holds an `fcntl` lock on
`<database>.scheduler`, which the kernel frees when the process dies. An in-memory database has
one process by definition: it always leads.

The lock saves duplicate work, it is not what keeps data right: every job must stay correct
when two copies overlap (the routing and sweep services claim rows with SKIP LOCKED), because a
leader cut off from the database only notices at its next check.
"""

import contextlib
import fcntl
import logging
import os
import select
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from django.db import DEFAULT_DB_ALIAS, Error, close_old_connections, connections

logger = logging.getLogger(__name__)

# One advisory lock key for the project's scheduler: the bytes "PRKJSCHD" read as a bigint, so
# no other advisory lock in the database takes it by accident. Advisory locks are per database.
ADVISORY_LOCK_KEY = int.from_bytes(b"PRKJSCHD", "big")


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between the starts of two runs
    func: Callable[[], object]


_jobs: dict[str, Job] = {}


def register(name: str, *, every: float, func: Callable[[], object]) -> None:
    """Have the leading scheduler call `func()` every `every` seconds, first as soon as it
    leads. Call from `AppConfig.ready()`; registering a name again replaces the job."""
    if every <= 0:
        raise ValueError(f"scheduler job {name}: `every` must be positive, not {every}")
    _jobs[name] = Job(name=name, every=float(every), func=func)


def jobs_named(names: Iterable[str] = ()) -> list[Job]:
    """The named jobs, or every registered job (in registration order) when no name is given.
    ValueError names the unknown ones and the known ones."""
    names = list(names)
    if not names:
        return list(_jobs.values())
    unknown = [n for n in names if n not in _jobs]
    if unknown:
        raise ValueError(
            f"unknown job(s) {', '.join(unknown)}; registered: {', '.join(_jobs) or 'none'}"
        )
    return [_jobs[n] for n in names]


# --- Leadership -----------------------------------------------------------------------------------


class Leadership(Protocol):
    def hold(self) -> bool:
        """Take the lead if it is free, or confirm it is still ours. True while leading."""

    def release(self) -> None:
        """Give the lead up (a no-op when not leading)."""


class AlwaysLead:
    """The only process that can reach the database: an in-memory one."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLock:
    """An exclusive `flock` on a file; the kernel drops it when the process dies."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file: IO | None = None

    def hold(self) -> bool:
        if self._file is not None:
            return True
        file = self.path.open("a")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self._file = file
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the lock
            self._file = None


class AdvisoryLock:
    """PostgreSQL: `pg_try_advisory_lock` on a connection of its own (not the one jobs use, whose
    sessions come and go), kept open while leading. A follower keeps its connection too and tries
    again on it. Point the scheduler at PostgreSQL itself or a session-pooling PgBouncer: under
    transaction pooling a session lock would stay with a server connection others then use."""

    def __init__(self, alias: str = DEFAULT_DB_ALIAS, key: int = ADVISORY_LOCK_KEY):
        self.alias = alias
        self.key = key
        self._connection = None
        self._leading = False

    def hold(self) -> bool:
        try:
            if self._connection is None:
                self._connection = connections.create_connection(self.alias)
            with self._connection.cursor() as cursor:
                if self._leading:
                    cursor.execute("SELECT 1")  # the session lives, and with it the lock
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
                    self._leading = bool(cursor.fetchone()[0])
        except Error:
            logger.warning("scheduler.lock_connection_failed", exc_info=True)
            self.release()
            return False
        return self._leading

    def release(self) -> None:
        if self._connection is not None:
            if self._leading:
                # Free it now: the server ends a closed session (and frees its locks) a moment
                # after the socket closes.
                with contextlib.suppress(Error), self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            with contextlib.suppress(Error):
                self._connection.close()
        self._connection = None
        self._leading = False


def leadership_for(alias: str = DEFAULT_DB_ALIAS) -> Leadership:
    """The leadership fitting the database the jobs write to."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return AdvisoryLock(alias)
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and not connection.creation.is_in_memory_db(name):
        return FileLock(f"{name}.scheduler")
    return AlwaysLead()


# --- The loop -------------------------------------------------------------------------------------


class Stop(Protocol):
    def is_set(self) -> bool: ...

    def wait(self, timeout: float) -> object: ...


class SignalStop:
    """Set by SIGTERM or SIGINT; `wait` sleeps until the timeout or the signal. The handler only
    sets a flag and writes to a pipe the sleep selects on (a handler that took a lock could
    deadlock against the interrupted code holding it), so a job in progress finishes first.
    A context manager: the previous handlers come back on exit."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self._set = False
        self._read = self._write = -1
        self._previous: dict = {}

    def __enter__(self) -> "SignalStop":
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        os.close(self._read)
        os.close(self._write)

    def _handle(self, signum, frame) -> None:
        self._set = True
        with contextlib.suppress(OSError):
            os.write(self._write, b"\0")

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        if not self._set:
            select.select([self._read], [], [], max(0.0, timeout))
        return self._set


def job_run(job: Job) -> None:
    """Run one job. A failure is logged with its traceback and does not reach the loop."""
    close_old_connections()  # a connection the database dropped since the last run is replaced
    started = time.monotonic()
    try:
        result = job.func()
    except Exception:
        logger.exception("scheduler.job_failed", extra={"job": job.name})
        return
    finally:
        close_old_connections()
    logger.debug(
        "scheduler.job_ran",
        extra={
            "job": job.name,
            "result": result,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )


def run(
    *,
    jobs: list[Job],
    leadership: Leadership,
    stop: Stop,
    tick: float,
    retry: float,
    once: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Lead or wait to lead until `stop` is set. A follower tries for the lead every `retry`
    seconds. The leader runs the jobs that are due, one after the other, and sleeps until the
    next is due, at most `tick` seconds, so it confirms its lead at least that often. A new
    leader runs every job at once. With `once`, run every job one time if this process can lead,
    then return. Returns whether this process led at some point. The lead is released on return.
    """
    led = False
    leading: bool | None = None  # not known before the first try
    due: dict[str, float] = {}
    try:
        while not stop.is_set():
            if not leadership.hold():
                if leading is not False:
                    if leading:
                        logger.warning("scheduler.lead_lost")
                    logger.info("scheduler.following", extra={"retry_seconds": retry})
                    leading = False
                if once:
                    break
                stop.wait(retry)
                continue
            if not leading:
                logger.info("scheduler.leading", extra={"jobs": [j.name for j in jobs]})
                led = leading = True
                due = {}
            for job in jobs:
                if stop.is_set():
                    break
                started = clock()
                if due.get(job.name, started) <= started:
                    job_run(job)
                    due[job.name] = started + job.every
            if once:
                break
            next_due = min(due.values(), default=clock() + tick)
            stop.wait(min(tick, max(0.0, next_due - clock())))
    finally:
        leadership.release()
    return led
