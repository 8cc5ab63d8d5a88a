"""Database helpers the ORM has no fast form of."""

import datetime as dt
from contextlib import nullcontext
from functools import cache
from typing import NamedTuple

from django.db import connections, router, transaction
from django.db.models import Model, signals
from django.db.models.fields import AutoFieldMixin

# Values that Django's conversion chain (`get_db_prep_save`) hands to the driver unchanged, by
# the field's internal type (a foreign key: its target's): the chain costs 1-15 µs per column,
# ~0.2 ms for a new ticket's rows. None is NULL for every field Django ships (the project
# defines no field of its own). An aware datetime goes to the backend's adapter, where the
# chain ends up.
_AS_IS = {
    "CharField": str,
    "TextField": str,
    "BooleanField": bool,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "DateTimeField": dt.datetime,
}


class _Plan(NamedTuple):
    head: str  # INSERT INTO table (columns)
    sql: str  # the one-row INSERT, with RETURNING the key when it is automatic
    fields: tuple  # the fields in column order
    pk_column: str | None  # the automatic key's column, quoted
    as_is: tuple  # per field: the value type passed on without conversion, or None


@cache
def _insert_plan(model: type[Model], alias: str) -> _Plan:
    """How a row of `model` is inserted on database `alias`, built once."""
    qn = connections[alias].ops.quote_name
    meta = model._meta
    auto_pk = isinstance(meta.pk, AutoFieldMixin)
    fields = tuple(f for f in meta.concrete_fields if not (auto_pk and f is meta.pk))
    # Names from the model's own metadata, quoted by the backend; values are parameters.
    head = "INSERT INTO {} ({})".format(  # noqa: S608
        qn(meta.db_table), ", ".join(qn(f.column) for f in fields)
    )
    pk_column = qn(meta.pk.column) if auto_pk else None
    sql = f"{head} VALUES ({', '.join(['%s'] * len(fields))})"
    if pk_column:
        sql += f" RETURNING {pk_column}"
    as_is = tuple(
        _AS_IS.get((f.target_field if f.is_relation else f).get_internal_type()) for f in fields
    )
    return _Plan(head, sql, fields, pk_column, as_is)


def _pre_save(obj: Model, using: str) -> None:
    if signals.pre_save.has_listeners(type(obj)):
        signals.pre_save.send(type(obj), instance=obj, raw=False, using=using, update_fields=None)


def _saved(obj: Model, using: str) -> None:
    obj._state.adding = False
    obj._state.db = using
    if signals.post_save.has_listeners(type(obj)):
        signals.post_save.send(
            type(obj), instance=obj, created=True, raw=False, using=using, update_fields=None
        )


def _value(field, obj: Model, connection, as_is: type | None):
    """`field.get_db_prep_save(value)` of the instance's value, with the same result and the
    common cases short-cut (`_Plan.as_is`)."""
    value = field.pre_save(obj, True)
    if value is None:
        return None
    if type(value) is as_is:
        if as_is is not dt.datetime:
            return value
        if value.tzinfo is not None:
            return connection.ops.adapt_datetimefield_value(value)
    return field.get_db_prep_save(value, connection)


def row_insert(obj: Model, *, using: str | None = None) -> Model:
    """Save a new instance with one INSERT whose SQL is built once per model and database
    (`RETURNING` the key when it is automatic). Equivalent to `obj.save()` for a new row
    (defaults and `auto_now_add` included) without the ORM's per-call SQL compilation, which on
    the ticket intake path cost more than the database's own work (docs/PERFORMANCE.md,
    issue 4). `pre_save` and `post_save` are sent as `save()` sends them, when they have
    receivers (django-tasks-db's task rows do)."""
    using = using or router.db_for_write(type(obj), instance=obj)
    connection = connections[using]
    _pre_save(obj, using)
    plan = _insert_plan(type(obj), using)
    with connection.cursor() as cursor:
        values = [
            _value(f, obj, connection, t) for f, t in zip(plan.fields, plan.as_is, strict=True)
        ]
        cursor.execute(plan.sql, values)
        if plan.pk_column:
            obj.pk = cursor.fetchone()[0]
    _saved(obj, using)
    return obj


def _refers_to(obj: Model, fields: tuple, earlier: tuple[Model, ...]) -> tuple:
    """For each field, the index in `earlier` of the unsaved row it refers to, else None."""
    refs = []
    for field in fields:
        ref = None
        if field.is_relation and field.is_cached(obj):
            related = field.get_cached_value(obj)
            for i, row in enumerate(earlier):
                if row is related and row.pk is None:
                    ref = i
        refs.append(ref)
    return tuple(refs)


@cache
def _chain_sql(alias: str, shape: tuple) -> str:
    """One statement inserting rows of `shape` ((model, refs) per row): each row a
    data-modifying CTE, a reference to an earlier row read from that row's RETURNING, then
    the automatic keys of every row in one result row. Table and column names come from the
    models' metadata, quoted by the backend; values are parameters."""
    ctes, keys = [], []
    for n, (model, refs) in enumerate(shape):
        head, _sql, _fields, pk_column, _as_is = _insert_plan(model, alias)
        values = ", ".join(f"r{ref}.k" if ref is not None else "%s" for ref in refs)
        sources = ", ".join(f"r{i}" for i in sorted({ref for ref in refs if ref is not None}))
        body = f"{head} VALUES ({values})"
        if sources:
            body = f"{head} SELECT {values} FROM {sources}"  # noqa: S608 - see the docstring
        if pk_column:
            body += f" RETURNING {pk_column} AS k"
            keys.append(f"r{n}")
        ctes.append(f"r{n} AS ({body})")
    if not keys:
        return f"WITH {', '.join(ctes)} SELECT 1"
    return "WITH {} SELECT {} FROM {}".format(  # noqa: S608 - see the docstring
        ", ".join(ctes), ", ".join(f"{k}.k" for k in keys), ", ".join(keys)
    )


def rows_insert(*objs: Model, using: str = "default") -> None:
    """Insert new rows in one transaction, as `row_insert` inserts one; a row referring to an
    earlier unsaved row of the call (its related object set to that row) gets that row's key.

    On PostgreSQL that is one statement, a chain of data-modifying CTEs
    (`WITH r0 AS (INSERT … RETURNING id AS k), r1 AS (INSERT … SELECT r0.k, … FROM r0) …`):
    one round trip and no BEGIN or COMMIT of its own, where `atomic()` around an INSERT per
    row costs BEGIN, one round trip per row and COMMIT (a new ticket's three rows went from
    five round trips to one; docs/PERFORMANCE.md, issue 4). Elsewhere (SQLite runs in the
    process: no round trips) one INSERT per row in `atomic()`, every value converted before the
    transaction opens: SQLite has one writer, and the write lock is held for the INSERTs and
    the commit only. Inside an open transaction the rows are written in a savepoint, so a
    failure (a unique value taken) undoes only them and the caller may retry."""
    connection = connections[using]
    plans, refs, values = [], [], []
    for n, obj in enumerate(objs):
        _pre_save(obj, using)
        plan = _insert_plan(type(obj), using)
        row_refs = _refers_to(obj, plan.fields, objs[:n])
        plans.append(plan)
        refs.append(row_refs)
        values.append(
            [
                _value(f, obj, connection, t) if r is None else None
                for f, t, r in zip(plan.fields, plan.as_is, row_refs, strict=True)
            ]
        )
    if connection.vendor == "postgresql":
        params = [
            v
            for row, rs in zip(values, refs, strict=True)
            for v, r in zip(row, rs, strict=True)
            if r is None
        ]
        shape = tuple((type(obj), rs) for obj, rs in zip(objs, refs, strict=True))
        savepoint = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
        with savepoint, connection.cursor() as cursor:
            cursor.execute(_chain_sql(using, shape), params)
            keys = iter(cursor.fetchone())
        for obj, plan in zip(objs, plans, strict=True):
            if plan.pk_column:
                obj.pk = next(keys)
    else:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            for obj, plan, row, rs in zip(objs, plans, values, refs, strict=True):
                cursor.execute(
                    plan.sql,
                    [objs[r].pk if r is not None else v for v, r in zip(row, rs, strict=True)],
                )
                if plan.pk_column:
                    obj.pk = cursor.fetchone()[0]
    for obj, plan, rs in zip(objs, plans, refs, strict=True):
        for field, r in zip(plan.fields, rs, strict=True):
            if r is not None:
                setattr(obj, field.attname, objs[r].pk)
        _saved(obj, using)
