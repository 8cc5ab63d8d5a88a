"""Tasks a dead worker left RUNNING go back to the queue; a task still in its time does not."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from prakerja.core.services import tasks_requeue_stranded

pytestmark = pytest.mark.django_db


def task_row(*, status, started_ago: dt.timedelta | None) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        started_at=now - started_ago if started_ago is not None else None,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="prakerja.accounts.tasks.verify_identity",
        backend_name="default",
        queue_name="default",
        run_after=now,
        worker_ids=["dead-worker"],
    )


def test_a_task_running_past_the_limit_is_ready_again_and_a_recent_one_is_left(settings):
    settings.TASKS_STRANDED_SECONDS = 60
    stranded = task_row(status=TaskResultStatus.RUNNING, started_ago=dt.timedelta(seconds=61))
    running = task_row(status=TaskResultStatus.RUNNING, started_ago=dt.timedelta(seconds=30))
    done = task_row(status=TaskResultStatus.SUCCESSFUL, started_ago=dt.timedelta(hours=1))

    assert tasks_requeue_stranded() == 1

    stranded.refresh_from_db()
    assert (stranded.status, stranded.started_at) == (TaskResultStatus.READY, None)
    assert DBTaskResult.objects.ready().filter(pk=stranded.pk).exists()
    running.refresh_from_db()
    done.refresh_from_db()
    assert (running.status, done.status) == (TaskResultStatus.RUNNING, TaskResultStatus.SUCCESSFUL)


def test_the_limit_can_be_given_per_call():
    stranded = task_row(status=TaskResultStatus.RUNNING, started_ago=dt.timedelta(seconds=10))
    assert tasks_requeue_stranded(older_than=dt.timedelta(seconds=5)) == 1
    stranded.refresh_from_db()
    assert stranded.status == TaskResultStatus.READY
