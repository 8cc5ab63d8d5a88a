"""`rows_update` writes each object's own values, as `bulk_update` does, on SQLite and on
PostgreSQL (the PostgreSQL pass of `make test` runs this module too)."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from prakerja.core.bulk import rows_update
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role

from .factories import user_with_role

pytestmark = pytest.mark.django_db


def _task(**kwargs) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="prakerja.example",
        backend_name="default",
        run_after=timezone.now(),
        **kwargs,
    )


def test_each_row_gets_its_own_values_and_other_rows_are_left_alone():
    first, second, untouched = _task(), _task(), _task(worker_ids=["w0"])
    at = timezone.now().replace(microsecond=123456)
    first.status, first.finished_at = "SUCCESSFUL", at
    first.worker_ids, first.return_value = ["w1", "w2"], {"assignee": 7, "names": ["Ani"]}
    second.status, second.finished_at = "FAILED", at + dt.timedelta(seconds=1)
    second.worker_ids, second.return_value = [], None
    second.traceback = "it's 'quoted' — and not ASCII"

    rows_update(
        [first, second], ["status", "finished_at", "worker_ids", "return_value", "traceback"]
    )

    fields = ("status", "finished_at", "worker_ids", "return_value", "traceback")
    for obj in (first, second):
        stored = DBTaskResult.objects.get(pk=obj.pk)
        assert {f: getattr(stored, f) for f in fields} == {f: getattr(obj, f) for f in fields}
    stored = DBTaskResult.objects.get(pk=untouched.pk)
    assert (stored.status, stored.worker_ids, stored.finished_at) == ("READY", ["w0"], None)


def test_foreign_keys_and_nulls():
    actor = user_with_role(Role.AGENT)
    rows = [
        AuditLog.objects.create(at=timezone.now(), action="a", object_type="t", object_id=str(i))
        for i in range(3)
    ]
    rows[0].actor, rows[1].actor_id, rows[2].actor = actor, actor.pk, None
    rows[2].after = {"n": 1}
    rows_update(rows, ["actor", "after"])
    assert list(AuditLog.objects.order_by("pk").values_list("actor_id", "after")) == [
        (actor.pk, None),
        (actor.pk, None),
        (None, {"n": 1}),
    ]


def test_nothing_to_write_and_a_missing_row():
    kept = _task()
    rows_update([], ["status"])
    rows_update([DBTaskResult(id=uuid.uuid4(), status="SUCCESSFUL")], ["status"])
    assert list(DBTaskResult.objects.values_list("pk", "status")) == [(kept.pk, "READY")]
