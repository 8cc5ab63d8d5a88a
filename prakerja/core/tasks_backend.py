"""The production task backend: django-tasks-db's `DatabaseBackend`, with the task row written
by `core.db.row_insert` (one INSERT of precompiled SQL) instead of `objects.create`; and
`task_outbox_row`, the row that enqueues a task, for a caller that writes it with its own rows.

Enqueueing is on the request path of every ticket intake and sign-up, where the ORM's per-call
INSERT compilation was the larger part of the enqueue (docs/PERFORMANCE.md, issue 4). The row
is the library's own model, filled as the library fills it; the worker is unchanged.
"""

from django.db import router
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json

from .db import row_insert


def _task_row(backend: DatabaseBackend, task, args, kwargs):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )


class RowInsertDatabaseBackend(DatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs):
        return row_insert(_task_row(self, task, args, kwargs))


def task_outbox_row(task, args: tuple, *, using: str = "default"):
    """The unsaved row that enqueues `task(*args)` when its backend keeps tasks as rows of
    the database `using` (django-tasks-db): the caller inserts it with its own rows, in the
    same transaction (an outbox: the work and what it follows commit or roll back together,
    and no worker sees the task before its data). None for any other backend: the caller then
    enqueues on commit. The library's `task_enqueued` signal (a debug log line) is not sent."""
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend) or router.db_for_write(DBTaskResult) != using:
        return None
    backend.validate_task(task)
    return _task_row(backend, task, args, {})
