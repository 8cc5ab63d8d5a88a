"""One leader across real `manage.py scheduler` processes on PostgreSQL (the advisory lock)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from prakerja.core.scheduler import ADVISORY_LOCK_KEY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database (pytest-django's name for it), for the child processes' settings."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"])
    host = s["HOST"] or "localhost"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(s['NAME'])}"


class Scheduler:
    """A `manage.py scheduler` child process; its JSON log lines are read from a file."""

    def __init__(self, log: Path):
        self.log = log
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TEST_DATABASE_URL": database_url(),
            "LOG_LEVEL": "DEBUG",
        }
        with log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                [sys.executable, "manage.py", "scheduler", "--tick", "0.2", "--retry", "0.2"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def events(self, message: str) -> list[dict]:
        lines = self.log.read_text().splitlines()
        return [e for e in map(_json, lines) if e and e.get("message") == message]

    def wait_for(self, message: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.events(message):
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"no {message}:\n{self.log.read_text()}"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def _json(line: str) -> dict | None:
    try:
        return json.loads(line)
    except ValueError:
        return None


def lock_holders() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (classid::bigint << 32 | objid::bigint) = %s",
            [ADVISORY_LOCK_KEY],
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_one_of_two_schedulers_runs_the_jobs_and_the_other_takes_over_when_it_dies(tmp_path):
    schedulers = [Scheduler(tmp_path / "a.log"), Scheduler(tmp_path / "b.log")]  # start together
    try:
        deadline = time.monotonic() + 30
        while not all(
            s.events("scheduler.leading") or s.events("scheduler.following") for s in schedulers
        ):
            assert time.monotonic() < deadline, [s.log.read_text() for s in schedulers]
            time.sleep(0.05)
        leader, follower = sorted(schedulers, key=lambda s: not s.events("scheduler.leading"))
        leader.wait_for("scheduler.job_ran")
        time.sleep(1.0)  # five more of the follower's tries for the lead

        assert follower.process.poll() is None
        assert follower.events("scheduler.following")
        assert follower.events("scheduler.leading") == []
        assert follower.events("scheduler.job_ran") == []
        assert len(lock_holders()) == 1
        ran = {e["job"] for e in leader.events("scheduler.job_ran")}
        assert {"helpdesk.route", "helpdesk.autoclose", "livechat.sweep"} <= ran

        leader.process.kill()  # no clean shutdown: the server ends its session
        leader.process.wait(10)
        started = time.monotonic()
        follower.wait_for("scheduler.leading", timeout=10)
        follower.wait_for("scheduler.job_ran", timeout=10)
        assert time.monotonic() - started < 5
        assert len(lock_holders()) == 1

        follower.process.send_signal(signal.SIGTERM)
        assert follower.process.wait(10) == 0
        assert lock_holders() == []
    finally:
        for s in schedulers:
            s.stop()
