"""What each rollup sums, written once and used two ways.

- In Python (`contributions`): the amounts one fact adds to each rollup row. A change to a ticket
  is applied as "new contributions minus old ones", so rollups follow every change exactly.
- In SQL (`upsert_from_sql`): the same sums as one `INSERT ... SELECT ... GROUP BY ... ON CONFLICT
  DO UPDATE` over a source of fact rows (the fact table for rebuilds, a staging table for
  imports). PostgreSQL and SQLite (3.24+) both accept this statement.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import F

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
    merged: Deltas = defaultdict(dict)
    for part in (contributions(old, -1), contributions(new, 1)):
        for target, values in part.items():
            row = merged[target]
            for name, amount in values.items():
                row[name] = row.get(name, 0) + amount
    return {target: values for target, values in merged.items() if any(values.values())}


def apply(deltas: Deltas) -> None:
    """Add the deltas to the rollup rows (creating missing rows). Concurrency-safe: the row is
    created if absent (ignoring a concurrent create) and then incremented in the database."""
    for (model, key), values in sorted(
        deltas.items(), key=lambda item: (item[0][0].__name__, str(item[0][1]))
    ):
        lookup = dict(key)
        model.objects.bulk_create([model(**lookup)], ignore_conflicts=True)
        model.objects.filter(**lookup).update(
            **{name: F(name) + amount for name, amount in values.items() if amount}
        )


def upsert_from_sql(source: str, where: str = "1 = 1", params: Iterable = ()) -> None:
    """Add the sums over `source` (a table or subquery of fact columns) to every rollup."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for spec in SPECS:
            table = qn(spec.model._meta.db_table)
            key_names = [qn(name) for name in spec.keys]
            key_exprs = [expr for expr, _ in spec.keys.values()]
            value_names = [qn(name) for name in spec.values]
            value_exprs = [
                f"SUM({expr})" if expr != "1" else "COUNT(*)" for expr, _ in spec.values.values()
            ]
            updates = ", ".join(
                f"{name} = {table}.{name} + excluded.{name}" for name in value_names
            )
            # Identifiers and expressions come from SPECS (constants); values are parameters.
            sql = (
                f"INSERT INTO {table} ({', '.join(key_names + value_names)}) "  # noqa: S608
                f"SELECT {', '.join(key_exprs + value_exprs)} FROM {source} "
                f"WHERE ({where}) AND ({spec.where[0]}) "
                f"GROUP BY {', '.join(e for e in key_exprs if not e.startswith(chr(39)))} "
                f"ON CONFLICT ({', '.join(key_names)}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, list(params))


def delete_range(start, end) -> None:
    for model in {spec.model for spec in SPECS}:
        model.objects.filter(local_date__gte=start, local_date__lte=end).delete()
