"""Historical import of past reports from CSV into the report facts and rollups.

Columns: reference, channel, category, created_at, first_response_at, resolved_at, csat_rating,
agent. Times are ISO 8601; a time without an offset is read as WIB. Imported reports are history:
they become `TicketFact` rows (no helpdesk ticket) and count in every report.

All in one transaction, so nothing is loaded unless every row is good:
1. Read and validate every row (Python, streaming), staging the normalized rows in a temporary
   table as we go (PostgreSQL: COPY, so the server stores rows while Python parses the next;
   SQLite: batched executemany). Any bad row: read on to report them all with line numbers, then
   roll back.
2. Refuse duplicate references inside the file (with their lines), drop rows whose reference is
   already loaded (so a re-run adds nothing), insert the rest into the facts and add their sums
   to the rollups with one GROUP BY per rollup.
"""

import csv
import datetime as dt
import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from prakerja.helpdesk import hours
from prakerja.helpdesk.hours import DAY, WIB_OFFSET, BusinessClock
from prakerja.helpdesk.models import Category, Channel, SlaTarget

from . import rollups
from .definitions import SATISFIED_MIN_RATING, duration_bucket  # noqa: F401
from .models import TicketFact

COLUMNS = [
    "reference",
    "channel",
    "category",
    "created_at",
    "first_response_at",
    "resolved_at",
    "csat_rating",
    "agent",
]
STAGING_COLUMNS = [
    ("line", "bigint"),
    ("reference", "varchar(32)"),
    ("channel", "varchar(16)"),
    ("category", "varchar(50)"),
    ("agent", "varchar(150)"),
    ("created_at", "timestamp with time zone"),
    ("local_date", "date"),
    ("local_hour", "smallint"),
    ("is_open", "boolean"),
    ("first_response_at", "timestamp with time zone"),
    ("first_response_seconds", "integer"),
    ("first_response_bucket", "smallint"),
    ("first_response_sla_met", "boolean"),
    ("resolved_at", "timestamp with time zone"),
    ("resolution_seconds", "integer"),
    ("resolution_bucket", "smallint"),
    ("resolution_sla_met", "boolean"),
    ("survey_sent", "boolean"),
    ("rating", "smallint"),
]
FACT_COLUMNS = [name for name, _ in STAGING_COLUMNS if name != "line"]
STAGING = "reports_import_staging"
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")
MAX_LISTED_ERRORS = 100
_EPOCH = dt.date(1970, 1, 1)
UTC = dt.UTC


class ImportFailed(Exception):
    def __init__(self, errors: list[tuple[int, str]], error_count: int):
        self.errors, self.error_count = errors, error_count
        super().__init__(f"{error_count} bad rows")


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    skipped_existing: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _known_channels() -> set[str]:
    return set(Channel.values)


def _known_categories() -> set[str]:
    return set(Category.objects.values_list("slug", flat=True))


def _sla_targets() -> tuple[int | None, int | None]:
    """Business-seconds targets for the `normal` priority (history has no priority)."""
    target = SlaTarget.objects.filter(priority="normal").first()
    if target is None:
        return None, None
    return target.first_response_minutes * 60, target.resolution_minutes * 60


class _RowConverter:
    """Validates one CSV row and turns it into a staging line (PostgreSQL COPY text format)."""

    def __init__(self, *, clock: BusinessClock, channels, categories, sla, postgres: bool):
        self.clock, self.channels, self.categories = clock, channels, categories
        self.fr_target, self.res_target = sla
        self.postgres = postgres
        self.true, self.false = ("t", "f") if postgres else ("1", "0")
        self.suffix = "+00" if postgres else ""
        self.null = r"\N" if postgres else None
        self._dates: dict[int, str] = {}
        self._day_starts: dict[str, int | None] = {}
        self._clocks: dict[str, int | None] = {}
        self._offsets: dict[str, int | None] = {}

    def _day_start(self, text: str) -> int | None:
        """Epoch seconds of 00:00 UTC on an ISO date (cached), None if it is not a date."""
        try:
            return self._day_starts[text]
        except KeyError:
            try:
                value = (dt.date.fromisoformat(text) - _EPOCH).days * DAY
            except ValueError:
                value = None
            self._day_starts[text] = value
            return value

    def _utc_text(self, ts: int) -> str:
        day, rest = divmod(ts, DAY)
        prefix = self._dates.get(day)
        if prefix is None:
            prefix = self._dates[day] = (_EPOCH + dt.timedelta(days=day)).isoformat()
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        return f"{prefix} {hour:02d}:{minute:02d}:{second:02d}{self.suffix}"

    @staticmethod
    def _parse_clock(text: str) -> int | None:
        if (
            len(text) != 8
            or text[2] != ":"
            or text[5] != ":"
            or not text.replace(":", "").isdigit()
        ):
            return None
        hour, minute, second = int(text[:2]), int(text[3:5]), int(text[6:])
        if hour < 24 and minute < 60 and second < 60:
            return hour * 3600 + minute * 60 + second
        return None

    @staticmethod
    def _parse_offset(text: str) -> int | None:
        if text == "":
            return WIB_OFFSET  # no offset: WIB
        if text in ("Z", "+00:00"):
            return 0
        if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
            return None
        if not (text[1:3] + text[4:]).isdigit():
            return None
        offset = int(text[1:3]) * 3600 + int(text[4:]) * 60
        return offset if text[0] == "+" else -offset

    def _fast_epoch(self, raw: str) -> int | None:
        """`YYYY-MM-DD[T ]HH:MM:SS[+HH:MM]` (what exports write), from cached pieces: a year has
        365 dates, a day 86,400 clock readings and the file a handful of offsets."""
        if len(raw) < 19 or raw[10] not in "T ":
            return None
        day = self._day_start(raw[:10])
        clock_text, offset_text = raw[11:19], raw[19:]
        seconds = self._clocks.get(clock_text, -1)
        if seconds == -1:
            seconds = self._clocks[clock_text] = self._parse_clock(clock_text)
        offset = self._offsets.get(offset_text, -1)
        if offset == -1:
            offset = self._offsets[offset_text] = self._parse_offset(offset_text)
        if day is None or seconds is None or offset is None:
            return None
        return day + seconds - offset

    def _time(self, raw: str, name: str, errors: list[str]) -> tuple[int, str] | None:
        if not raw or raw[0] == " " or raw[-1] == " ":
            raw = raw.strip()
            if not raw:
                return None
        ts = self._fast_epoch(raw)
        if ts is not None and self.postgres and len(raw) == 25:
            return ts, raw  # PostgreSQL reads ISO 8601 with an offset as it is
        if ts is None:
            try:
                value = dt.datetime.fromisoformat(raw)
            except ValueError:
                errors.append(
                    _("%(field)s is not an ISO 8601 time: %(value)r")
                    % {"field": name, "value": raw[:40]}
                )
                return None
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
            ts = int(value.timestamp())  # whole seconds, like the fast path
        return ts, self._utc_text(ts)

    def _date(self, ts: float) -> tuple[str, int]:
        local = int(ts) + WIB_OFFSET
        day = local // DAY
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = (_EPOCH + dt.timedelta(days=day)).isoformat()
        return text, (local % DAY) // 3600

    def convert(self, row: list[str], line: int) -> tuple[list | None, list[str]]:
        errors: list[str] = []
        if len(row) != len(COLUMNS):
            return None, [
                _("expected %(n)d columns, found %(m)d") % {"n": len(COLUMNS), "m": len(row)}
            ]
        reference, channel, category, created, first, resolved, rating, agent = row
        reference, channel, category, agent = (
            reference.strip(),
            channel.strip(),
            category.strip(),
            agent.strip(),
        )
        if not REFERENCE_RE.match(reference):
            errors.append(
                _("reference is empty or not valid: %(value)r") % {"value": reference[:40]}
            )
        if channel not in self.channels:
            errors.append(_("unknown channel %(value)r") % {"value": channel[:20]})
        if category not in self.categories:
            errors.append(_("unknown category %(value)r") % {"value": category[:50]})
        if agent and (len(agent) > 150 or "\\" in agent or not agent.isprintable()):
            errors.append(_("agent is too long or contains tabs/backslashes"))
        created_v = self._time(created, "created_at", errors)
        if created_v is None and not created.strip():
            errors.append(_("created_at is required"))
        first_v = self._time(first, "first_response_at", errors)
        resolved_v = self._time(resolved, "resolved_at", errors)
        rating_v = None
        if rating.strip():
            try:
                rating_v = int(rating)
            except ValueError:
                rating_v = 0
            if not 1 <= rating_v <= 5:
                errors.append(_("csat_rating must be 1 to 5 or empty"))
            elif resolved_v is None:
                errors.append(_("csat_rating needs resolved_at (surveys follow resolution)"))
        if created_v is not None:
            for value, name in ((first_v, "first_response_at"), (resolved_v, "resolved_at")):
                if value is not None and value[0] < created_v[0]:
                    errors.append(_("%(field)s is before created_at") % {"field": name})
        if errors:
            return None, errors
        created_ts = created_v[0]
        local_date, local_hour = self._date(created_ts)
        t, f, null = self.true, self.false, self.null
        fr = [null] * 4
        if first_v is not None:
            seconds = self.clock.units_between(created_ts, first_v[0])
            met = null if self.fr_target is None else (t if seconds <= self.fr_target else f)
            fr = [first_v[1], str(seconds), str(duration_bucket(seconds)), met]
        res = [null] * 4
        if resolved_v is not None:
            seconds = self.clock.units_between(created_ts, resolved_v[0])
            met = null if self.res_target is None else (t if seconds <= self.res_target else f)
            res = [resolved_v[1], str(seconds), str(duration_bucket(seconds)), met]
        fields = [
            str(line),
            reference,
            channel,
            category,
            agent,
            created_v[1],
            local_date,
            str(local_hour),
            f if resolved_v is not None else t,
            *fr,
            *res,
            t if resolved_v is not None else f,
            null if rating_v is None else str(rating_v),
        ]
        return fields, []


class _CopySink:
    """Streams staging rows to PostgreSQL COPY while Python validates the next ones (the server
    parses and stores them on the other core)."""

    def __init__(self, copy):
        self.copy, self.lines = copy, []

    def add(self, fields: list) -> None:
        self.lines.append("\t".join(fields))
        if len(self.lines) >= 2000:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("\n".join(self.lines) + "\n")
            self.lines = []


class _InsertSink:
    """SQLite: batched executemany into the staging table."""

    def __init__(self, cursor):
        self.cursor, self.rows = cursor, []
        placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
        self.sql = f"INSERT INTO {STAGING} VALUES ({placeholders})"  # noqa: S608 - constants

    def add(self, fields: list) -> None:
        self.rows.append(fields)
        if len(self.rows) >= 20000:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.rows = []


def _validate_into(
    path: str, sink, *, converter: _RowConverter, progress: Callable[[int, int, int], None] | None
) -> int:
    """Validate every row, staging good ones while no bad row has been seen. Raises
    ImportFailed (listing bad rows) after reading the whole file if any row is bad."""
    size = os.path.getsize(path) or 1
    errors: list[tuple[int, str]] = []
    error_count = rows = 0
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise ImportFailed([(1, _("the file is empty"))], 1) from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFailed([(1, str(exc))], 1) from None
        if header != COLUMNS:
            raise ImportFailed(
                [(1, _("the header must be: %(columns)s") % {"columns": ",".join(COLUMNS)})], 1
            )
        add = sink.add
        convert = converter.convert
        if progress:
            progress(0, size, 0)  # starts the clock of the rows/s figure
        try:
            for row in reader:
                rows += 1
                line = reader.line_num
                staged, row_errors = convert(row, line)
                if row_errors:
                    error_count += 1
                    if len(errors) < MAX_LISTED_ERRORS:
                        errors.append((line, "; ".join(row_errors)))
                elif not error_count:
                    add(staged)
                if progress and rows % 50000 == 0:
                    progress(raw.tell(), size, rows)
        except (UnicodeDecodeError, csv.Error) as exc:
            error_count += 1
            errors.append((reader.line_num, str(exc)))
    if progress:
        progress(size, size, rows)
    if error_count:
        raise ImportFailed(errors, error_count)
    sink.flush()
    return rows


def _create_staging(cursor, postgres: bool) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {'pg_temp' if postgres else 'temp'}.{STAGING}")
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({columns})")


def _duplicate_lines(cursor) -> list[tuple[int, str]]:
    cursor.execute(
        f"SELECT reference, MIN(line), MAX(line), COUNT(*) FROM {STAGING} "  # noqa: S608
        "GROUP BY reference HAVING COUNT(*) > 1 ORDER BY MIN(line) LIMIT %s",
        [MAX_LISTED_ERRORS],
    )
    return [
        (
            int(last),
            _("reference %(ref)s appears %(n)d times (first on line %(first)d)")
            % {"ref": ref, "n": count, "first": first},
        )
        for ref, first, last, count in cursor.fetchall()
    ]


def import_tickets(
    path: str,
    *,
    stage_progress: Callable[[str, int, int, int | None], None] | None = None,
) -> ImportResult:
    """Validate and load a CSV of past reports; all or nothing. Raises ImportFailed with the
    bad rows (line numbers as in the file, header = line 1)."""
    postgres = connection.vendor == "postgresql"
    converter = _RowConverter(
        clock=BusinessClock(hours.load_schedule()),
        channels=_known_channels(),
        categories=_known_categories(),
        sla=_sla_targets(),
        postgres=postgres,
    )

    def report(stage):
        if stage_progress is None:
            return None
        return lambda done, total, count=None: stage_progress(stage, done, total, count)

    result = ImportResult()
    clock_started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock_started
        now = time.perf_counter()
        result.seconds[name] = now - clock_started
        clock_started = now

    with transaction.atomic(), connection.cursor() as cursor:
        _create_staging(cursor, postgres)
        if postgres:
            names = ", ".join(name for name, _ in STAGING_COLUMNS)
            with cursor.cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
                result.rows = _validate_into(
                    path, _CopySink(copy), converter=converter, progress=report("read")
                )
        else:
            result.rows = _validate_into(
                path, _InsertSink(cursor), converter=converter, progress=report("read")
            )
        lap("read")
        cursor.execute(
            f"DELETE FROM {STAGING} WHERE EXISTS (SELECT 1 FROM {TicketFact._meta.db_table} f "  # noqa: S608
            f"WHERE f.reference = {STAGING}.reference)"
        )
        result.skipped_existing = max(cursor.rowcount, 0)
        names = ", ".join(FACT_COLUMNS)
        try:
            with transaction.atomic():
                cursor.execute(
                    f"INSERT INTO {TicketFact._meta.db_table} ({names}) "  # noqa: S608
                    f"SELECT {names} FROM {STAGING}"
                )
                result.inserted = max(cursor.rowcount, 0)
        except IntegrityError:
            duplicates = _duplicate_lines(cursor)
            raise ImportFailed(duplicates, len(duplicates)) from None
        lap("insert")
        if stage_progress:
            stage_progress("rollups", 0, 1, None)
        rollups.insert_from_sql(STAGING)
        cursor.execute(f"SELECT MIN(local_date), MAX(local_date) FROM {STAGING}")  # noqa: S608
        first, last = cursor.fetchone()
        if first is not None:
            # Fold the new rows into any rows these dates already had (re-runs, live tickets).
            rollups.compact(first, last)
        lap("rollups")
        if stage_progress:
            stage_progress("rollups", 1, 1, None)
        cursor.execute(f"DROP TABLE {'pg_temp' if postgres else 'temp'}.{STAGING}")
    return result
