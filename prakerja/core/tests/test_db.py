import datetime as dt

import pytest
from django.core.management import call_command
from django_tasks import task

from prakerja.core.db import row_insert
from prakerja.core.models import AuditLog


@task()
def double(n: int) -> int:
    return 2 * n


@pytest.mark.django_db
def test_row_insert_stores_the_row_save_would():
    at = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
    fast = row_insert(
        AuditLog(at=at, action="thing.create", object_type="x", object_id="1", after={"a": [1]})
    )
    slow = AuditLog(at=at, action="thing.create", object_type="x", object_id="2", after={"a": [1]})
    slow.save()
    assert fast.pk is not None
    assert fast.pk != slow.pk
    assert not fast._state.adding
    stored = AuditLog.objects.values().get(pk=fast.pk)
    expected = AuditLog.objects.values().get(pk=slow.pk)
    assert {**stored, "id": None, "object_id": None} == {**expected, "id": None, "object_id": None}
    assert stored["at"] == at
    assert stored["after"] == {"a": [1]}
    assert stored["actor_id"] is None


@pytest.mark.django_db(transaction=True)
def test_task_rows_written_by_row_insert_match_the_librarys_and_its_worker_runs_them(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
        "rows": {"BACKEND": "prakerja.core.tasks_backend.RowInsertDatabaseBackend"},
    }
    library = double.enqueue(20)
    ours = double.using(backend="rows").enqueue(21)
    rows = {str(r.pk): r for r in DBTaskResult.objects.all()}
    skip = {"id", "enqueued_at", "args_kwargs", "backend_name"}
    values = [
        {f.attname: getattr(rows[str(r.id)], f.attname) for f in DBTaskResult._meta.concrete_fields}
        for r in (library, ours)
    ]
    assert {k: v for k, v in values[0].items() if k not in skip} == {
        k: v for k, v in values[1].items() if k not in skip
    }
    assert values[1]["args_kwargs"] == {"args": [21], "kwargs": {}}
    assert values[1]["enqueued_at"] is not None  # auto_now_add, as save() sets it
    call_command("db_worker", "--batch", "--no-startup-delay", "--backend", "rows")
    assert double.using(backend="rows").get_result(str(ours.id)).return_value == 42
