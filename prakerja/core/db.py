"""Database helpers the ORM has no fast form of."""

from functools import cache

from django.db import connections, router
from django.db.models import Model, signals
from django.db.models.fields import AutoFieldMixin


@cache
def _insert_sql(model: type[Model], alias: str) -> tuple[str, tuple, bool]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    auto_pk = isinstance(meta.pk, AutoFieldMixin)
    fields = tuple(f for f in meta.concrete_fields if not (auto_pk and f is meta.pk))
    # Names from the model's own metadata, quoted by the backend; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    if auto_pk:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return sql, fields, auto_pk


def row_insert(obj: Model, *, using: str | None = None) -> Model:
    """Save a new instance with one INSERT whose SQL is built once per model and database
    (`RETURNING` the key when it is automatic). Equivalent to `obj.save()` for a new row
    (defaults and `auto_now_add` included) without the ORM's per-call SQL compilation, which on
    the ticket intake path cost more than the database's own work (docs/PERFORMANCE.md,
    issue 4). `pre_save` and `post_save` are sent as `save()` sends them, when they have
    receivers (django-tasks-db's task rows do)."""
    model = type(obj)
    using = using or router.db_for_write(model, instance=obj)
    connection = connections[using]
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(model, instance=obj, raw=False, using=using, update_fields=None)
    sql, fields, auto_pk = _insert_sql(model, using)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if auto_pk:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = using
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            model, instance=obj, created=True, raw=False, using=using, update_fields=None
        )
    return obj
