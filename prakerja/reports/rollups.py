"""What each rollup sums, written once and used two ways.

- In Python (`contributions`): the amounts one fact adds to each rollup key. A change to a ticket
  is recorded as "new contributions minus old ones" (`diff`), appended as rows (`apply`), so
  rollups follow every change exactly without updating (locking) any shared row.
- In SQL (`insert_from_sql`): the same sums as one `INSERT ... SELECT ... GROUP BY` over a source
  of fact rows (the fact table for rebuilds, a staging table for imports).

Rollup tables are append-only with many rows per key; readers SUM. `compact` folds each key's rows
of a date range into one row, in one statement per table (PostgreSQL: DELETE ... RETURNING feeding
the INSERT, so rows appended concurrently are kept as they are and nothing is lost).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, models

from . import models as m
from .definitions import SATISFIED_MIN_RATING


def _flag(name: str) -> tuple[str, Callable[[dict], int]]:
    return f"CASE WHEN {name} THEN 1 ELSE 0 END", lambda f: 1 if f[name] else 0


def _not_null(name: str) -> tuple[str, Callable[[dict], int]]:
    return (
        f"CASE WHEN {name} IS NOT NULL THEN 1 ELSE 0 END",
        lambda f: 0 if f[name] is None else 1,
    )


def _value(name: str) -> tuple[str, Callable[[dict], int]]:
    return f"COALESCE({name}, 0)", lambda f: f[name] or 0


ONE = ("1", lambda f: 1)
SATISFIED = (
    f"CASE WHEN rating >= {SATISFIED_MIN_RATING} THEN 1 ELSE 0 END",
    lambda f: 1 if (f["rating"] or 0) >= SATISFIED_MIN_RATING else 0,
)


@dataclass(frozen=True)
class RollupSpec:
    model: type
    # rollup field -> fact column (SQL expression and Python key function)
    keys: dict[str, tuple[str, Callable[[dict], object]]]
    values: dict[str, tuple[str, Callable[[dict], int]]]
    # only facts matching this take part (SQL condition, Python predicate)
    where: tuple[str, Callable[[dict], bool]] = ("1 = 1", lambda f: True)


def _col(name: str) -> tuple[str, Callable[[dict], object]]:
    return name, lambda f: f[name]


def _const(value: str) -> tuple[str, Callable[[dict], object]]:
    return f"'{value}'", lambda f: value


SPECS: list[RollupSpec] = [
    RollupSpec(
        model=m.DailyRollup,
        keys={
            "local_date": _col("local_date"),
            "channel": _col("channel"),
            "category": _col("category"),
        },
        values={
            "tickets": ONE,
            "open_tickets": _flag("is_open"),
            "surveys_sent": _flag("survey_sent"),
            "responses": _not_null("rating"),
            "satisfied": SATISFIED,
            "rating_sum": _value("rating"),
            "first_responses": _not_null("first_response_seconds"),
            "first_response_seconds": _value("first_response_seconds"),
            "first_response_sla_met": _flag("first_response_sla_met"),
            "resolved": _not_null("resolution_seconds"),
            "resolution_seconds": _value("resolution_seconds"),
            "resolution_sla_met": _flag("resolution_sla_met"),
        },
    ),
    RollupSpec(
        model=m.ChannelDailyRollup,
        keys={"local_date": _col("local_date"), "channel": _col("channel")},
        values={
            "tickets": ONE,
            "surveys_sent": _flag("survey_sent"),
            "responses": _not_null("rating"),
            "satisfied": SATISFIED,
        },
    ),
    RollupSpec(
        model=m.AgentDailyRollup,
        keys={"local_date": _col("local_date"), "agent": _col("agent"), "channel": _col("channel")},
        values={
            "tickets": ONE,
            "open_tickets": _flag("is_open"),
            "responses": _not_null("rating"),
            "satisfied": SATISFIED,
            "first_responses": _not_null("first_response_seconds"),
            "first_response_seconds": _value("first_response_seconds"),
            "resolved": _not_null("resolution_seconds"),
            "resolution_seconds": _value("resolution_seconds"),
        },
    ),
    RollupSpec(
        model=m.HourlyRollup,
        keys={
            "local_date": _col("local_date"),
            "hour": _col("local_hour"),
            "channel": _col("channel"),
        },
        values={"tickets": ONE},
    ),
    RollupSpec(
        model=m.DurationRollup,
        keys={
            "local_date": _col("local_date"),
            "channel": _col("channel"),
            "metric": _const(m.DurationMetric.FIRST_RESPONSE),
            "bucket": _col("first_response_bucket"),
        },
        values={"count": ONE},
        where=(
            "first_response_bucket IS NOT NULL",
            lambda f: f["first_response_bucket"] is not None,
        ),
    ),
    RollupSpec(
        model=m.DurationRollup,
        keys={
            "local_date": _col("local_date"),
            "channel": _col("channel"),
            "metric": _const(m.DurationMetric.RESOLUTION),
            "bucket": _col("resolution_bucket"),
        },
        values={"count": ONE},
        where=("resolution_bucket IS NOT NULL", lambda f: f["resolution_bucket"] is not None),
    ),
]

Deltas = dict[tuple[type, tuple], dict[str, int]]


def contributions(fact: dict | None, sign: int = 1) -> Deltas:
    """What one fact (a dict of TicketFact fields) adds to each rollup row (negated if sign=-1)."""
    out: Deltas = {}
    if fact is None:
        return out
    for spec in SPECS:
        if not spec.where[1](fact):
            continue
        key = tuple((name, fn(fact)) for name, (_, fn) in spec.keys.items())
        out[(spec.model, key)] = {name: sign * fn(fact) for name, (_, fn) in spec.values.items()}
    return out


def diff(old: dict | None, new: dict | None) -> Deltas:
    return combine([contributions(old, -1), contributions(new, 1)])


def combine(parts: Iterable[Deltas]) -> Deltas:
    """The deltas summed per rollup row; rows that sum to nothing are left out."""
    merged: Deltas = defaultdict(dict)
    for part in parts:
        for target, values in part.items():
            row = merged[target]
            for name, amount in values.items():
                row[name] = row.get(name, 0) + amount
    return {target: values for target, values in merged.items() if any(values.values())}


def apply(deltas: Deltas) -> None:
    """Append the deltas as rollup rows: one INSERT per rollup table, no row locks taken."""
    by_model: dict[type, list] = defaultdict(list)
    for (model, key), values in deltas.items():
        by_model[model].append(model(**dict(key), **values))
    for model, rows in by_model.items():
        model.objects.bulk_create(rows)


def _table_sql(spec: RollupSpec) -> tuple[str, list[str], list[str], list[str]]:
    qn = connection.ops.quote_name
    key_exprs = [expr for expr, _ in spec.keys.values()]
    value_exprs = [
        "COUNT(*)" if expr == "1" else f"SUM({expr})" for expr, _ in spec.values.values()
    ]
    return (
        qn(spec.model._meta.db_table),
        key_exprs,
        value_exprs,
        [qn(name) for name in [*spec.keys, *spec.values]],
    )


def insert_from_sql(
    source: str,
    where: str = "1 = 1",
    params: Iterable = (),
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Append the sums over `source` (a table or subquery of fact columns) to every rollup."""
    params = list(params)
    with connection.cursor() as cursor:
        for done, spec in enumerate(SPECS, start=1):
            table, key_exprs, value_exprs, columns = _table_sql(spec)
            group_by = ", ".join(e for e in key_exprs if not e.startswith("'"))
            # Identifiers and expressions come from SPECS (constants); values are parameters.
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(key_exprs + value_exprs)} FROM {source} "
                f"WHERE ({where}) AND ({spec.where[0]}) GROUP BY {group_by}"
            )
            cursor.execute(sql, params)
            if progress:
                progress(done, len(SPECS))


ROLLUP_MODELS = (
    m.DailyRollup,
    m.ChannelDailyRollup,
    m.AgentDailyRollup,
    m.HourlyRollup,
    m.DurationRollup,
    m.DeflectionRollup,
)


def _model_fields(model) -> tuple[list[str], list[str]]:
    """(key fields, summed fields) of a rollup model."""
    keys, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        (values if isinstance(field, models.BigIntegerField) else keys).append(field.column)
    return keys, values


def compact(start, end) -> None:
    """Fold each key's rows of [start, end] into one row per key (sums unchanged)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in ROLLUP_MODELS:
            table = qn(model._meta.db_table)
            keys, values = (list(map(qn, names)) for names in _model_fields(model))
            sums = ", ".join(f"SUM({v})" for v in values)
            columns = ", ".join(keys + values)
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {table} WHERE local_date >= %s "  # noqa: S608
                    f"AND local_date <= %s RETURNING {columns}) "
                    f"INSERT INTO {table} ({columns}) SELECT {', '.join(keys)}, {sums} "
                    f"FROM moved GROUP BY {', '.join(keys)}",
                    [start, end],
                )
            else:  # SQLite: one writer at a time, so two statements in a transaction suffice
                cursor.execute(
                    f"CREATE TEMP TABLE compact_rows AS SELECT {', '.join(keys)}, "  # noqa: S608
                    f"{', '.join(f'SUM({v}) AS {v}' for v in values)} FROM {table} "
                    f"WHERE local_date >= %s AND local_date <= %s GROUP BY {', '.join(keys)}",
                    [start, end],
                )
                cursor.execute(
                    f"DELETE FROM {table} WHERE local_date >= %s AND local_date <= %s",  # noqa: S608
                    [start, end],
                )
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} FROM compact_rows"  # noqa: S608
                )
                cursor.execute("DROP TABLE temp.compact_rows")


def delete_range(start, end) -> None:
    for model in {spec.model for spec in SPECS}:
        model.objects.filter(local_date__gte=start, local_date__lte=end).delete()
