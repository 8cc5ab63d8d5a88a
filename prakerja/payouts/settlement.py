"""Settlement with the partner platforms: what the program owes each for the vouchers they
redeemed, as a statement per platform and month.

A voucher is owed to its platform once redeemed (a redeemed voucher can no longer be cancelled,
so a statement needs no adjustments; a voucher cancelled before redemption never reaches one).
While a month is open its statement is computed from the purchases; once the month is over,
`platform_statement_close` freezes it as a `PlatformStatement` whose lines are every voucher
redeemed before the month's end and on no earlier statement, so a redemption committed a moment
after an earlier month was closed lands on the next statement instead of being lost. A line is
unique per purchase, so a voucher is settled exactly once. `ledger_sync` then moves the
statement's amount from "owed to platforms" to "settled with platforms": the ledger's
platforms-payable balance is always the vouchers bought and not cancelled, less what statements
settled (the tests hold this against the purchases).
"""

import dataclasses
import datetime as dt
import re

from django.db import transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed
from prakerja.core.exports import Table
from prakerja.core.services import audit_record
from prakerja.training.models import Platform, Purchase

from .models import LedgerAccount, LedgerEntry, PlatformStatement, PlatformStatementLine

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_parse(text: str) -> dt.date:
    """ "YYYY-MM" as the month's first day; 422 `bad_month` otherwise."""
    match = MONTH_RE.match(text or "")
    if not match or int(match[1]) < 2000:
        raise ValidationFailed(
            _("Enter the month as YYYY-MM."), code="bad_month", errors={"month": [_("YYYY-MM")]}
        )
    return dt.date(int(match[1]), int(match[2]), 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, in the program's time zone."""
    tz = timezone.get_current_timezone()
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (
        dt.datetime.combine(month, dt.time(), tzinfo=tz),
        dt.datetime.combine(following, dt.time(), tzinfo=tz),
    )


def previous_month(now: dt.datetime) -> dt.date:
    return (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _unsettled_redeemed() -> QuerySet[Purchase]:
    return Purchase.objects.filter(redeemed_at__isnull=False, statement_line__isnull=True)


# --- Writes --------------------------------------------------------------------------------------


def platform_statement_close(
    *, platform: Platform, month: dt.date, actor=None, now: dt.datetime | None = None
) -> tuple[PlatformStatement, bool]:
    """Close `platform`'s statement for `month` (its first day) once: returns it and whether this
    call closed it. 409 `month_not_over` before the month ends, `later_month_closed` when a later
    month's statement already took the vouchers. One transaction, holding the platform's row lock
    so two closings of the same platform queue (the unique constraints would refuse the loser
    anyway). Audits `platform_statement.close`."""
    now = now or clock.now()
    _since, until = month_bounds(month)
    if until > now:
        raise Conflict(_("A month's statement closes after the month ends."), code="month_not_over")
    with transaction.atomic():
        Platform.objects.select_for_update().filter(pk=platform.pk).first()
        existing = PlatformStatement.objects.filter(platform=platform, month=month).first()
        if existing is not None:
            return existing, False
        if PlatformStatement.objects.filter(platform=platform, month__gt=month).exists():
            raise Conflict(
                _("A later month's statement is already closed."), code="later_month_closed"
            )
        lines = list(
            _unsettled_redeemed()
            .filter(course__platform=platform, redeemed_at__lt=until)
            .order_by("redeemed_at", "pk")
            .values_list("pk", "price")
        )
        statement = PlatformStatement.objects.create(
            platform=platform,
            month=month,
            redeemed_count=len(lines),
            amount=sum(price for _pk, price in lines),
            closed_at=now,
        )
        PlatformStatementLine.objects.bulk_create(
            (
                PlatformStatementLine(statement=statement, purchase_id=pk, amount=price)
                for pk, price in lines
            ),
            batch_size=5000,
        )
        audit_record(
            actor=actor,
            action="platform_statement.close",
            obj=statement,
            after={"redeemed_count": statement.redeemed_count, "amount": statement.amount},
        )
    return statement, True


def platform_statements_close(
    *, month: dt.date | None = None, actor=None, now: dt.datetime | None = None
) -> int:
    """Close every platform's statement for `month` (by default the previous one), each in its
    own transaction; platforms already closed, or with a later month closed, are skipped.
    Idempotent (the scheduler runs it daily). Returns how many it closed."""
    now = now or clock.now()
    month = month or previous_month(now)
    closed = 0
    for platform in Platform.objects.order_by("pk"):
        try:
            _statement, created = platform_statement_close(
                platform=platform, month=month, actor=actor, now=now
            )
        except Conflict as exc:
            if exc.code != "later_month_closed":
                raise
            continue
        closed += created
    return closed


# --- Reads ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Statement:
    platform: Platform
    month: dt.date
    closed_at: dt.datetime | None  # None while the month is open or not yet closed
    redeemed_count: int
    amount: int  # owed for the month's vouchers
    settled_to_date: int  # the ledger's settlements with the platform up to this month

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def _settled_by_platform(month: dt.date) -> dict[int, int]:
    statement_platform = PlatformStatement.objects.filter(pk=OuterRef("source_id")).values(
        "platform_id"
    )
    return dict(
        LedgerEntry.objects.filter(
            account=LedgerAccount.PLATFORMS_SETTLED,
            source="statement",
            source_id__in=PlatformStatement.objects.filter(month__lte=month).values("pk"),
        )
        .annotate(platform_id=Subquery(statement_platform))
        .values("platform_id")
        .annotate(total=Sum("amount"))
        .values_list("platform_id", "total")
    )


def statements_for_month(*, month: dt.date, platform: Platform | None = None) -> list[Statement]:
    """Every platform's statement for `month` (or only `platform`'s): the closed one's frozen
    figures, else the month's redeemed vouchers on no statement yet. Four queries."""
    platforms = Platform.objects.order_by("name", "pk")
    if platform is not None:
        platforms = platforms.filter(pk=platform.pk)
    since, until = month_bounds(month)
    closed = {s.platform_id: s for s in PlatformStatement.objects.filter(month=month)}
    open_figures = {
        row["course__platform"]: row
        for row in _unsettled_redeemed()
        .filter(redeemed_at__gte=since, redeemed_at__lt=until)
        .values("course__platform")
        .annotate(n=Count("pk"), total=Coalesce(Sum("price"), Value(0)))
    }
    settled = _settled_by_platform(month)
    statements = []
    for p in platforms:
        if p.pk in closed:
            s = closed[p.pk]
            count, amount, closed_at = s.redeemed_count, s.amount, s.closed_at
        else:
            row = open_figures.get(p.pk, {"n": 0, "total": 0})
            count, amount, closed_at = row["n"], row["total"], None
        statements.append(Statement(p, month, closed_at, count, amount, settled.get(p.pk, 0)))
    return statements


def statement_lines(*, statement: Statement) -> QuerySet[Purchase]:
    """The statement's vouchers, annotated with `line_amount`, oldest redemption first."""
    if statement.closed:
        purchases = Purchase.objects.filter(
            statement_line__statement__platform=statement.platform,
            statement_line__statement__month=statement.month,
        ).annotate(line_amount=F("statement_line__amount"))
    else:
        since, until = month_bounds(statement.month)
        purchases = (
            _unsettled_redeemed()
            .filter(
                course__platform=statement.platform,
                redeemed_at__gte=since,
                redeemed_at__lt=until,
            )
            .annotate(line_amount=F("price"))
        )
    return purchases.select_related("course").order_by("redeemed_at", "pk")


def statement_tables(*, statement: Statement) -> list[Table]:
    """The statement as spreadsheet tables: its figures, then its lines."""
    month = statement.month.strftime("%Y-%m")
    return [
        Table(
            _("Statement"),
            [_("Measure"), _("Value")],
            [
                [_("Platform"), statement.platform.name],
                [_("Month"), month],
                [_("Closed"), statement.closed_at.isoformat() if statement.closed else ""],
                [_("Vouchers redeemed"), statement.redeemed_count],
                [_("Amount owed (Rp)"), statement.amount],
                [_("Settled to date (Rp)"), statement.settled_to_date],
            ],
        ),
        Table(
            _("Vouchers"),
            [_("Voucher code"), _("Course"), _("Platform's course id"), _("Redeemed"), "Rp"],
            [
                [
                    p.voucher_code,
                    p.course.title,
                    p.course.external_id,
                    timezone.localtime(p.redeemed_at).isoformat(),
                    p.line_amount,
                ]
                for p in statement_lines(statement=statement).iterator(chunk_size=2000)
            ],
        ),
    ]
