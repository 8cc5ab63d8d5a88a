"""The scheduler loop, its leaderships and the command, in one process. The PostgreSQL advisory
lock between real processes: test_scheduler_processes.py."""

import os
import signal
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from prakerja.core import scheduler

# Each job run starts and ends with close_old_connections(), which touches the connection.
loop_db = pytest.mark.django_db(transaction=True)


class FakeTime:
    """A monotonic clock and a stop the loop sleeps on: sleeping moves the clock, and the stop
    is set once the clock reaches `until`."""

    def __init__(self, until: float):
        self.now = 0.0
        self.until = until
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def is_set(self) -> bool:
        return self.now >= self.until

    def wait(self, timeout: float) -> bool:
        self.sleeps.append(timeout)
        self.now += timeout
        return self.is_set()


class Leads:
    """Leads from the given try on (1-based), and as long as `leading` says."""

    def __init__(self, from_try: int = 1):
        self.tries = 0
        self.from_try = from_try
        self.leading = True
        self.released = 0

    def hold(self) -> bool:
        self.tries += 1
        return self.leading and self.tries >= self.from_try

    def release(self) -> None:
        self.released += 1


def job(name: str, every: float, runs: list, fail: bool = False) -> scheduler.Job:
    def func():
        runs.append(name)
        if fail:
            raise RuntimeError("boom")
        return len(runs)

    return scheduler.Job(name=name, every=every, func=func)


@loop_db
def test_due_jobs_run_on_their_interval_and_a_failing_job_does_not_stop_the_loop(caplog):
    runs: list = []
    fake = FakeTime(until=30.5)
    leadership = Leads()
    led = scheduler.run(
        jobs=[job("slow", 10, runs), job("failing", 5, runs, fail=True)],
        leadership=leadership,
        stop=fake,
        tick=1.0,
        retry=5.0,
        clock=fake,
    )
    assert led
    assert runs.count("slow") == 4  # t = 0, 10, 20, 30
    assert runs.count("failing") == 7  # t = 0, 5, ..., 30
    failures = [r for r in caplog.records if r.getMessage() == "scheduler.job_failed"]
    assert len(failures) == 7
    assert failures[0].job == "failing"
    assert failures[0].exc_info is not None
    assert max(fake.sleeps) <= 1.0  # the leader checks its lead at least every tick
    assert leadership.released == 1


@loop_db
def test_a_follower_runs_nothing_and_retries_until_it_leads():
    runs: list = []
    fake = FakeTime(until=12.5)
    leadership = Leads(from_try=3)
    led = scheduler.run(
        jobs=[job("a", 100, runs)],
        leadership=leadership,
        stop=fake,
        tick=1.0,
        retry=5.0,
        clock=fake,
    )
    assert led
    assert fake.sleeps[:2] == [5.0, 5.0]  # two tries as a follower, retry seconds apart
    assert runs == ["a"]  # as soon as it leads, then not due again


@loop_db
def test_a_leader_that_loses_the_lead_stops_running_jobs_and_runs_all_again_when_back():
    runs: list = []
    fake = FakeTime(until=100)
    leadership = Leads()

    def step_down():
        runs.append("x")
        if len(runs) == 2:
            leadership.leading = False
        if len(runs) == 3:
            fake.until = fake.now  # stop after this run

    jobs = [scheduler.Job(name="x", every=1, func=step_down)]
    original_wait = fake.wait

    def wait(timeout):
        if not leadership.leading and timeout == 5.0:
            leadership.leading = True  # the lock came back after one retry
        return original_wait(timeout)

    fake.wait = wait
    scheduler.run(jobs=jobs, leadership=leadership, stop=fake, tick=1.0, retry=5.0, clock=fake)
    assert runs == ["x", "x", "x"]
    assert 5.0 in fake.sleeps  # waited as a follower in between


@loop_db
def test_once_runs_every_job_one_time_or_nothing_as_a_follower():
    runs: list = []
    jobs = [job("a", 60, runs), job("b", 60, runs)]
    fake = FakeTime(until=1000)
    assert scheduler.run(
        jobs=jobs, leadership=Leads(), stop=fake, tick=1, retry=5, once=True, clock=fake
    )
    assert runs == ["a", "b"]
    assert fake.sleeps == []

    runs.clear()
    follower = Leads(from_try=2)
    assert not scheduler.run(
        jobs=jobs, leadership=follower, stop=fake, tick=1, retry=5, once=True, clock=fake
    )
    assert runs == []
    assert follower.tries == 1


def test_register_and_jobs_named(monkeypatch):
    monkeypatch.setattr(scheduler, "_jobs", {})
    scheduler.register("one", every=2, func=lambda: None)
    scheduler.register("two", every=3, func=lambda: None)
    assert [j.name for j in scheduler.jobs_named()] == ["one", "two"]
    assert [j.name for j in scheduler.jobs_named(["two"])] == ["two"]
    with pytest.raises(ValueError, match="unknown job\\(s\\) three; registered: one, two"):
        scheduler.jobs_named(["three"])
    with pytest.raises(ValueError, match="positive"):
        scheduler.register("zero", every=0, func=lambda: None)


def test_the_apps_register_their_jobs_with_intervals_from_settings(settings):
    jobs = {j.name: j.every for j in scheduler.jobs_named()}
    assert jobs == {
        "core.tasks_requeue": settings.TASKS_REQUEUE_EVERY_SECONDS,
        "programs.results_notify": settings.PROGRAMS_RESULTS_NOTIFY_EVERY_SECONDS,
        "helpdesk.route": settings.HELPDESK_ROUTE_EVERY_SECONDS,
        "helpdesk.autoclose": settings.HELPDESK_AUTOCLOSE_EVERY_SECONDS,
        "helpdesk.demo_roster": 3600,
        "helpdesk.sla_watch": settings.HELPDESK_SLA_WATCH_EVERY_SECONDS,
        "livechat.sweep": settings.LIVECHAT_SWEEP_EVERY_SECONDS,
        "reports.contact_rollup": settings.REPORTS_CONTACT_ROLLUP_EVERY_SECONDS,
        "training.revoke_cards": settings.TRAINING_REVOKE_EVERY_SECONDS,
        "payouts.ledger_sync": settings.PAYOUTS_LEDGER_SYNC_EVERY_SECONDS,
        "payouts.disburse": settings.PAYOUTS_DISBURSE_EVERY_SECONDS,
        "core.idempotency_purge": settings.IDEMPOTENCY_PURGE_EVERY_SECONDS,
        "payouts.platform_statements_close": settings.PAYOUTS_STATEMENTS_CLOSE_EVERY_SECONDS,
    }
    assert (jobs["helpdesk.route"], jobs["livechat.sweep"], jobs["helpdesk.autoclose"]) == (
        15,
        30,
        300,
    )


def test_file_lock_has_one_holder_and_frees_on_release(tmp_path):
    first = scheduler.FileLock(tmp_path / "db.sqlite3.scheduler")
    second = scheduler.FileLock(tmp_path / "db.sqlite3.scheduler")
    assert first.hold()
    assert first.hold()  # still ours
    assert not second.hold()
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()


def test_leadership_fits_the_database(settings, tmp_path):
    leadership = scheduler.leadership_for()
    if connection.vendor == "postgresql":
        assert isinstance(leadership, scheduler.AdvisoryLock)
    else:  # the test database is in memory: one process
        assert isinstance(leadership, scheduler.AlwaysLead)


def test_signal_stop_wakes_the_sleep_and_restores_the_handlers():
    before = signal.getsignal(signal.SIGTERM)
    with scheduler.SignalStop() as stop:
        assert not stop.is_set()
        assert stop.wait(0.01) is False
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.is_set()
        assert stop.wait(60) is True  # returns at once
    assert signal.getsignal(signal.SIGTERM) is before


def test_command_rejects_an_unknown_job():
    with pytest.raises(CommandError, match="unknown job\\(s\\) nope"):
        call_command("scheduler", "--once", "--job", "nope")


@pytest.mark.django_db(transaction=True)
def test_command_once_runs_the_named_jobs(monkeypatch):
    runs: list = []
    monkeypatch.setattr(scheduler, "_jobs", {})
    scheduler.register("a", every=60, func=lambda: runs.append("a"))
    scheduler.register("b", every=60, func=lambda: runs.append("b"))
    call_command("scheduler", "--once", "--job", "b")
    assert runs == ["b"]
    call_command("scheduler", "--once")
    assert runs == ["b", "a", "b"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_advisory_lock_one_holder_freed_on_release_or_when_its_session_is_cut():
    first, second = scheduler.AdvisoryLock(), scheduler.AdvisoryLock()
    holders = (
        "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
    )
    try:
        assert first.hold()
        assert first.hold()  # still ours: a liveness check on its own session
        assert not second.hold()
        with connection.cursor() as cursor:
            cursor.execute(holders)
            assert len(cursor.fetchall()) == 1  # in the test database, not another one
        first.release()
        assert second.hold()

        # The leader's session is cut (server restart, network): it notices at its next check.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_terminate_backend(pid) FROM ({holders}) AS h")  # noqa: S608
        deadline = time.monotonic() + 10
        while not first.hold():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert not second.hold()
    finally:
        first.release()
        second.release()


def test_the_scheduler_refuses_a_transaction_mode_pool(settings):
    settings.DATABASE_PGBOUNCER = True
    with pytest.raises(CommandError, match="session advisory lock"):
        call_command("scheduler", "--once")
