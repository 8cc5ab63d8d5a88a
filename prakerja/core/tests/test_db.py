import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks import task

from prakerja.core.db import row_insert, rows_insert
from prakerja.core.models import AuditLog
from prakerja.core.tasks_backend import task_outbox_row


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


def _user_and_entry(username: str):
    user = get_user_model()(username=username, email=f"{username}@example.test")
    entry = AuditLog(at=dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC), actor=user, action="x.y")
    return user, entry


@pytest.mark.django_db
def test_rows_insert_gives_a_row_the_key_of_the_earlier_row_it_refers_to():
    user, entry = _user_and_entry("rina")
    other = AuditLog(at=entry.at, action="x.z", object_id="free-standing")
    rows_insert(user, entry, other)
    assert None not in (user.pk, entry.pk, other.pk)
    assert (user._state.adding, entry._state.adding) == (False, False)
    stored = AuditLog.objects.get(pk=entry.pk)
    assert stored.actor_id == user.pk == entry.actor_id
    assert stored.at == entry.at
    assert AuditLog.objects.get(pk=other.pk).object_id == "free-standing"
    assert get_user_model().objects.get(pk=user.pk).username == "rina"


@pytest.mark.django_db
def test_rows_insert_stores_every_kind_of_value_as_save_would():
    from prakerja.helpdesk.models import Category, Message, Ticket

    at = dt.datetime(2026, 3, 10, 3, 0, 30, 123456, tzinfo=dt.UTC)
    category = Category.objects.create(slug="c", name_id="C", name_en="C")

    def rows(reference):
        ticket = Ticket(
            reference=reference, channel="web", category=category, subject="s", description="d",
            priority="normal", status="new", requester_name="N", requester_email="n@x.test",
            created_at=at, updated_at=at, last_message_at=at, first_response_due_at=at,
        )  # fmt: skip
        message = Message(
            ticket=ticket, author_name="N", from_requester=True, body="b", created_at=at
        )
        return ticket, message

    fast = rows("FAST-0001")
    rows_insert(*fast)
    slow = rows("SLOW-0001")
    for obj in slow:
        obj.save()
    for model, a, b in ((Ticket, fast[0], slow[0]), (Message, fast[1], slow[1])):
        # As the database holds them (a datetime stored as other text would still read back
        # equal through the ORM, and sort wrongly).
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {table} WHERE id IN (%s, %s)", [a.pk, b.pk])  # noqa: S608
            names = [c[0] for c in cursor.description]
            found = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        differ = {"id", "reference", "ticket_id"}
        assert {k: v for k, v in found[a.pk].items() if k not in differ} == {
            k: v for k, v in found[b.pk].items() if k not in differ
        }
    assert Message.objects.get(pk=fast[1].pk).ticket_id == fast[0].pk
    assert Ticket.objects.get(pk=fast[0].pk).created_at == at


@pytest.mark.django_db(transaction=True)
def test_rows_insert_writes_all_rows_or_none():
    get_user_model().objects.create(username="taken")
    user, entry = _user_and_entry("fresh")
    taken, _entry = _user_and_entry("taken")
    with pytest.raises(IntegrityError):
        rows_insert(user, entry, taken)
    assert not get_user_model().objects.filter(username="fresh").exists()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_inside_a_transaction_a_failed_rows_insert_undoes_only_its_rows():
    with transaction.atomic():
        kept = AuditLog.objects.create(at=dt.datetime(2026, 3, 10, tzinfo=dt.UTC), action="kept")
        get_user_model().objects.create(username="taken")
        with pytest.raises(IntegrityError):
            rows_insert(*_user_and_entry("taken"))
        rows_insert(*_user_and_entry("retried"))  # the transaction is still usable
    assert AuditLog.objects.filter(pk=kept.pk).exists()
    assert AuditLog.objects.filter(actor__username="retried").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_rows_insert_is_one_statement_with_no_transaction_around_it():
    user, entry = _user_and_entry("solo")
    with CaptureQueriesContext(connection) as queries:
        rows_insert(user, entry)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["WITH"]
    assert AuditLog.objects.get(pk=entry.pk).actor_id == user.pk


@pytest.mark.django_db(transaction=True)
def test_a_task_outbox_row_is_run_by_the_worker_like_an_enqueued_task(settings):
    settings.TASKS = {
        "default": {"BACKEND": "prakerja.core.tasks_backend.RowInsertDatabaseBackend"}
    }
    row = task_outbox_row(double, (4,))
    rows_insert(row)
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert double.get_result(str(row.pk)).return_value == 8


def test_no_task_outbox_row_for_a_backend_that_keeps_no_rows(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert task_outbox_row(double, (4,)) is None
