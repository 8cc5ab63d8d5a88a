"""Database helpers the ORM has no fast form of."""

from contextlib import nullcontext
from functools import cache

from django.db import connections, router, transaction
from django.db.models import Model, signals
from django.db.models.fields import AutoFieldMixin


@cache
def _insert_plan(model: type[Model], alias: str) -> tuple[str, str, tuple, str | None]:
    """(INSERT INTO table (columns), the column list's placeholders, the fields in that order,
    the automatic key's column or None), built once per model and database."""
    qn = connections[alias].ops.quote_name
    meta = model._meta
    auto_pk = isinstance(meta.pk, AutoFieldMixin)
    fields = tuple(f for f in meta.concrete_fields if not (auto_pk and f is meta.pk))
    # Names from the model's own metadata, quoted by the backend; values are parameters.
    head = "INSERT INTO {} ({})".format(  # noqa: S608
        qn(meta.db_table), ", ".join(qn(f.column) for f in fields)
    )
    return head, ", ".join(["%s"] * len(fields)), fields, qn(meta.pk.column) if auto_pk else None


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


def _value(field, obj: Model, connection):
    return field.get_db_prep_save(field.pre_save(obj, True), connection)


def row_insert(obj: Model, *, using: str | None = None) -> Model:
    """Save a new instance with one INSERT whose SQL is built once per model and database
    (`RETURNING` the key when it is automatic). Equivalent to `obj.save()` for a new row
    (defaults and `auto_now_add` included) without the ORM's per-call SQL compilation, which on
    the ticket intake path cost more than the database's own work (docs/PERFORMANCE.md,
    issue 4). `pre_save` and `post_save` are sent as `save()` sends them, when they have
    receivers (django-tasks-db's task rows do). A foreign key whose related object was saved
    after being assigned takes that object's key, as with `save()`."""
    using = using or router.db_for_write(type(obj), instance=obj)
    connection = connections[using]
    _pre_save(obj, using)
    head, placeholders, fields, pk_column = _insert_plan(type(obj), using)
    for field in fields:
        if field.is_relation and getattr(obj, field.attname) is None and field.is_cached(obj):
            related = field.get_cached_value(obj)
            setattr(obj, field.attname, related.pk if related is not None else None)
    sql = f"{head} VALUES ({placeholders})"
    if pk_column:
        sql += f" RETURNING {pk_column}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [_value(f, obj, connection) for f in fields])
        if pk_column:
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
        head, _placeholders, _fields, pk_column = _insert_plan(model, alias)
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
    process: no round trips) it is `atomic()` around a `row_insert` per row. Inside an open
    transaction the rows are written in a savepoint, so a failure (a unique value taken)
    undoes only them and the caller may retry."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            for obj in objs:
                row_insert(obj, using=using)
        return
    shape, params = [], []
    for n, obj in enumerate(objs):
        _pre_save(obj, using)
        fields = _insert_plan(type(obj), using)[2]
        refs = _refers_to(obj, fields, objs[:n])
        shape.append((type(obj), refs))
        params += [
            _value(f, obj, connection) for f, r in zip(fields, refs, strict=True) if r is None
        ]
    savepoint = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    with savepoint, connection.cursor() as cursor:
        cursor.execute(_chain_sql(using, tuple(shape)), params)
        keys = iter(cursor.fetchone())
    for obj, (model, refs) in zip(objs, shape, strict=True):
        head, _placeholders, fields, pk_column = _insert_plan(model, using)
        if pk_column:
            obj.pk = next(keys)
        for field, ref in zip(fields, refs, strict=True):
            if ref is not None:
                setattr(obj, field.attname, objs[ref].pk)
        _saved(obj, using)
