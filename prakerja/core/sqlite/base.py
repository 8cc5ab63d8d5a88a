"""SQLite with writing transactions queued on a file lock instead of SQLite's busy handler.

Django's SQLite transactions start with `BEGIN IMMEDIATE` (settings), so one writer at a time
holds the database. A second writer's BEGIN meets a busy database, and SQLite's busy handler
sleeps 1, 2, 5, 10 ... ms before it tries again, however soon the first one commits: with two
app processes taking tickets, the waiting one slept longer than the holder's whole transaction
(docs/PERFORMANCE.md, issue 4). Here a transaction first takes an exclusive `flock` on a file
next to the database, polled every 0.1 ms up to the database's `timeout`; the lock is let go at
commit, rollback or close. SQLite's own locking is unchanged underneath, and statements outside
transactions (single-statement writes, reads) do not take the gate.
"""

import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0001


class DatabaseWrapper(base.DatabaseWrapper):
    _gate_path: str | None = None  # of the database this connection opened; None in memory
    _gate_fd: int | None = None
    _gate_held = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        name = conn_params["database"]
        self._gate_path = None if self.creation.is_in_memory_db(name) else f"{name}.writers"
        return connection

    def _gate_acquire(self) -> None:
        if self._gate_path is None:
            return
        if self._gate_fd is None:
            self._gate_fd = os.open(self._gate_path, os.O_RDWR | os.O_CREAT)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        while True:
            try:
                fcntl.flock(self._gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked (writer gate)") from None
                time.sleep(POLL_SECONDS)
            else:
                self._gate_held = True
                return

    def _gate_release(self) -> None:
        if self._gate_held:
            self._gate_held = False
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._gate_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._gate_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._gate_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._gate_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._gate_release()
            if self._gate_fd is not None:
                os.close(self._gate_fd)
                self._gate_fd = None
