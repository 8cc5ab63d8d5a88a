"""The production task backend: django-tasks-db's `DatabaseBackend`, with the task row written
by `core.db.row_insert` (one INSERT of precompiled SQL) instead of `objects.create`.

Enqueueing is on the request path of every ticket intake and sign-up, where the ORM's per-call
INSERT compilation was the larger part of the enqueue (docs/PERFORMANCE.md, issue 4). The row
is the library's own model, filled as the library fills it; the worker is unchanged.
"""

from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json

from .db import row_insert


class RowInsertDatabaseBackend(DatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        return row_insert(
            DBTaskResult(
                id=self._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after,
                backend_name=self.alias,
            )
        )
