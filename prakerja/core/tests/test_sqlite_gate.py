"""The SQLite backend's writer gate (prakerja.core.sqlite): a second writing transaction waits
for the first to end, and any way of ending one lets the next in."""

import fcntl
import os
import threading
import time

import pytest
from django.db import OperationalError

from prakerja.core.sqlite.base import DatabaseWrapper


def _connect(path, *, timeout=5.0) -> DatabaseWrapper:
    wrapper = DatabaseWrapper(
        {
            "ENGINE": "prakerja.core.sqlite",
            "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias="gate-test",
    )
    wrapper.ensure_connection()
    return wrapper


def _gate_taken(path) -> bool:
    fd = os.open(f"{path}.writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _begin(wrapper):
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(wrapper, how: str):
    if how == "commit":
        wrapper.commit()
    elif how == "rollback":
        wrapper.rollback()
    if how == "close":
        wrapper.close()
    else:
        wrapper.set_autocommit(True)


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own connections to a file of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "gate.sqlite3"
    first = _connect(path)
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    first.close()
    return path


@pytest.mark.parametrize("how", ["commit", "rollback", "close"])
def test_a_second_writer_waits_for_the_first_to_end_its_transaction(db_file, how):
    first = _connect(db_file)
    assert not _gate_taken(db_file)
    _begin(first)
    assert _gate_taken(db_file)  # the queue is the gate, not SQLite's busy handler
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    events = []

    def second_writer():
        other = _connect(db_file)
        _begin(other)  # blocks on the gate
        events.append("second in")
        with other.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            events.append(cursor.fetchone()[0])
        _end(other, "commit")
        other.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert events == []  # still waiting
    events.append("first out")
    _end(first, how)
    thread.join(timeout=5)
    assert events == ["first out", "second in", 1 if how == "commit" else 0]
    assert not _gate_taken(db_file)
    first.close()


def test_a_writer_gives_up_after_the_databases_timeout(db_file):
    first = _connect(db_file)
    _begin(first)
    errors = []

    def impatient():
        other = _connect(db_file, timeout=0.2)
        started = time.monotonic()
        try:
            _begin(other)
        except OperationalError as exc:
            errors.append((str(exc), time.monotonic() - started))
        other.close()

    thread = threading.Thread(target=impatient)
    thread.start()
    thread.join(timeout=5)
    _end(first, "rollback")
    first.close()
    assert len(errors) == 1
    assert "locked" in errors[0][0]
    assert 0.2 <= errors[0][1] < 2
