"""The program's books: double entry, posted from the facts that move money.

Every movement is two `LedgerEntry` legs summing to zero, named by its cause (card 12 issued,
purchase 7 cancelled, payment 3 paid). `ledger_sync` posts the movements of facts that have none
yet, in chunks, each chunk's legs in one transaction; the unique constraint on a leg makes a
second or concurrent run post nothing twice. Posting from the facts (rather than from inside the
training app's transactions) keeps the apps below payouts unaware of the books; the scheduler
runs it every minute, and the reports say "as of" the last run.

Accounts (`LedgerAccount`): treasury -> budget (allocation) -> card balances (card issued) ->
owed to platforms (purchase; back on cancellation) -> settled with platforms (a closed monthly
statement, see settlement.py) | returned (revoked card, unspent balance at expiry); budget ->
incentives payable (scheduled) -> incentives paid.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed
from prakerja.core.services import audit_record
from prakerja.training.models import Card, Purchase, PurchaseStatus

from .models import (
    BudgetAllocation,
    IncentivePayment,
    LedgerAccount,
    LedgerEntry,
    PaymentStatus,
    PlatformStatement,
)

A = LedgerAccount
CHUNK = 5000


@dataclasses.dataclass(frozen=True)
class Movement:
    source: str
    event: str
    debit: str  # the account the money leaves (its leg is negative)
    credit: str  # the account it goes to
    # The facts to post, annotated with `amount`, `wave_ref` and `at`.
    facts: Callable[[dt.datetime], QuerySet]


def _cards(now):
    return Card.objects.annotate(wave_ref=F("application__wave_id"))


def _purchases(now):
    return Purchase.objects.annotate(wave_ref=F("card__application__wave_id"))


def _payments(now):
    return IncentivePayment.objects.annotate(
        wave_ref=F("card__application__wave_id"), paid=F("amount")
    )


MOVEMENTS = (
    Movement(
        "allocation",
        "allocate",
        A.TREASURY,
        A.BUDGET,
        lambda now: BudgetAllocation.objects.annotate(
            wave_ref=F("wave_id"), at=F("allocated_at"), paid=F("amount")
        ),
    ),
    Movement(
        "card",
        "issue",
        A.BUDGET,
        A.CARD_BALANCES,
        lambda now: _cards(now).annotate(paid=F("initial_balance"), at=F("issued_at")),
    ),
    Movement(
        "purchase",
        "buy",
        A.CARD_BALANCES,
        A.PLATFORMS_PAYABLE,
        lambda now: _purchases(now).annotate(paid=F("price"), at=F("purchased_at")),
    ),
    Movement(
        "purchase",
        "cancel",
        A.PLATFORMS_PAYABLE,
        A.CARD_BALANCES,
        lambda now: (
            _purchases(now)
            .filter(status=PurchaseStatus.CANCELLED, cancelled_at__isnull=False)
            .annotate(paid=F("price"), at=F("cancelled_at"))
        ),
    ),
    Movement(
        "card",
        "revoke",
        A.CARD_BALANCES,
        A.RETURNED,
        lambda now: (
            _cards(now)
            .filter(revoked_at__isnull=False)
            .annotate(paid=F("initial_balance"), at=F("revoked_at"))
        ),
    ),
    Movement(
        "card",
        "expire",
        A.CARD_BALANCES,
        A.RETURNED,
        lambda now: (
            _cards(now)
            .filter(revoked_at__isnull=True, valid_until__lte=now, balance__gt=0)
            .annotate(paid=F("balance"), at=F("valid_until"))
        ),
    ),
    Movement(
        "statement",
        "settle",
        A.PLATFORMS_PAYABLE,
        A.PLATFORMS_SETTLED,
        # A statement spans waves; its purchases' waves are on their "buy" entries.
        lambda now: PlatformStatement.objects.annotate(
            wave_ref=Value(None, output_field=IntegerField()), paid=F("amount"), at=F("closed_at")
        ),
    ),
    Movement(
        "payment",
        "schedule",
        A.BUDGET,
        A.INCENTIVES_PAYABLE,
        lambda now: _payments(now).annotate(at=F("scheduled_at")),
    ),
    Movement(
        "payment",
        "pay",
        A.INCENTIVES_PAYABLE,
        A.INCENTIVES_PAID,
        lambda now: _payments(now).filter(status=PaymentStatus.PAID).annotate(at=F("settled_at")),
    ),
)


def ledger_sync(*, now: dt.datetime | None = None) -> int:
    """Post every movement whose fact has no entries yet. Idempotent and safe to run
    concurrently (a leg is unique). Returns how many movements it posted."""
    now = now or clock.now()
    posted = 0
    for m in MOVEMENTS:
        posted_already = LedgerEntry.objects.filter(
            source=m.source, event=m.event, source_id=OuterRef("pk")
        )
        todo = (
            m.facts(now)
            .filter(paid__gt=0)
            .filter(~Exists(posted_already))
            .order_by("pk")
            .values_list("pk", "paid", "wave_ref", "at")
        )
        while rows := list(todo[:CHUNK]):
            with transaction.atomic():
                entries = []
                for pk, amount, wave_id, at in rows:
                    common = {"source": m.source, "source_id": pk, "event": m.event}
                    entries += [
                        LedgerEntry(
                            **common,
                            account=m.debit,
                            amount=-amount,
                            wave_id=wave_id,
                            occurred_at=at,
                        ),
                        LedgerEntry(
                            **common,
                            account=m.credit,
                            amount=amount,
                            wave_id=wave_id,
                            occurred_at=at,
                        ),
                    ]
                LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)
            posted += len(rows)
            if len(rows) < CHUNK:
                break
    return posted


ALLOCATION_MAX = 10**15  # a thousand trillion rupiah: more is a typo


def budget_allocate(
    *, amount: int, wave=None, note: str = "", reference: str = "", actor=None
) -> tuple[BudgetAllocation, bool]:
    """Record money the state budget gives the program (posted by the next `ledger_sync`);
    returns it and whether this call recorded it. With a `reference` (the budget document), a
    repeat of the same allocation returns the first (a double submit allocates once); 409
    `reference_used` when the reference is on a different one. 422 `bad_amount` unless
    0 < amount <= ALLOCATION_MAX. One transaction; audits `budget.allocate`."""
    if not isinstance(amount, int) or not 0 < amount <= ALLOCATION_MAX:
        raise ValidationFailed(
            _("Enter a whole number of rupiah above zero."),
            code="bad_amount",
            errors={"amount": [_("Enter a whole number of rupiah above zero.")]},
        )
    reference = reference.strip()

    def earlier_or_conflict(earlier: BudgetAllocation) -> tuple[BudgetAllocation, bool]:
        if (earlier.amount, earlier.wave_id) != (amount, getattr(wave, "pk", None)):
            raise Conflict(
                _("This reference is already on another allocation."),
                code="reference_used",
                errors={"reference": [_("Already used.")]},
            )
        return earlier, False

    with transaction.atomic():
        earlier = reference and BudgetAllocation.objects.filter(reference=reference).first()
        if earlier:
            return earlier_or_conflict(earlier)
        try:
            with transaction.atomic():
                allocation = BudgetAllocation.objects.create(
                    amount=amount,
                    wave=wave,
                    note=note,
                    reference=reference,
                    allocated_at=clock.now(),
                )
        except IntegrityError:
            # A concurrent allocation of the same reference committed first.
            return earlier_or_conflict(BudgetAllocation.objects.get(reference=reference))
        audit_record(
            actor=actor,
            action="budget.allocate",
            obj=allocation,
            after={"amount": amount, "wave": getattr(wave, "number", None), "ref": reference},
        )
    return allocation, True


# --- Reads ---------------------------------------------------------------------------------------


def ledger_unbalanced() -> list[tuple[str, int, str, int]]:
    """Movements whose legs do not sum to zero (there must be none), and the books' total as
    ("*", 0, "total", sum) when it is not zero."""
    bad = list(
        LedgerEntry.objects.values("source", "source_id", "event")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("source", "source_id", "event", "total")
    )
    total = LedgerEntry.objects.aggregate(total=Coalesce(Sum("amount"), Value(0)))["total"]
    return bad + ([("*", 0, "total", total)] if total else [])


def account_balances(*, until: dt.datetime | None = None) -> dict[str, int]:
    entries = LedgerEntry.objects.all()
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    balances = dict.fromkeys(LedgerAccount.values, 0)
    for account, total in entries.values_list("account").annotate(total=Sum("amount")):
        balances[account] = total
    return balances


FIGURES = {
    # figure: the entries in the period whose sum makes it
    "allocated": Q(account=A.BUDGET, event="allocate"),
    "committed": Q(account__in=[A.CARD_BALANCES, A.INCENTIVES_PAYABLE])
    & Q(event__in=["issue", "schedule"]),
    "training_spent": Q(account=A.PLATFORMS_PAYABLE, event__in=["buy", "cancel"]),
    "incentives_paid": Q(account=A.INCENTIVES_PAID),
    "returned": Q(account=A.RETURNED),
}


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def _sums():
    return {
        name: Coalesce(Sum("amount", filter=condition), Value(0))
        for name, condition in FIGURES.items()
    }


def budget_report(*, start: dt.date, end: dt.date) -> dict[str, int]:
    """The PMO's figures for the days `start`..`end` (program time zone), in rupiah: allocated,
    committed (training balances issued and incentives scheduled), training_spent (purchases net
    of cancellations), incentives_paid, returned; outstanding is what is scheduled and not yet
    paid at the end of the period. Two queries."""
    since, until = _bounds(start, end)
    figures = LedgerEntry.objects.filter(occurred_at__gte=since, occurred_at__lt=until).aggregate(
        **_sums()
    )
    figures["outstanding"] = LedgerEntry.objects.filter(
        account=A.INCENTIVES_PAYABLE, occurred_at__lt=until
    ).aggregate(total=Coalesce(Sum("amount"), Value(0)))["total"]
    return figures


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def budget_breakdown(*, start: dt.date, end: dt.date) -> dict[str, list[dict]]:
    """The period's six figures per month (every month of the period, in order; outstanding at
    each month's end) and per wave (`wave` is its number, None for the program as a whole;
    outstanding at the period's end), for the page, its charts and exports. Four queries."""
    since, until = _bounds(start, end)
    entries = LedgerEntry.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    payable = Q(account=A.INCENTIVES_PAYABLE)
    by_month = {
        timezone.localdate(row.pop("month")): row
        for row in entries.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(**_sums(), payable=Coalesce(Sum("amount", filter=payable), Value(0)))
    }
    outstanding = LedgerEntry.objects.filter(payable, occurred_at__lt=since).aggregate(
        total=Coalesce(Sum("amount"), Value(0))
    )["total"]
    empty = dict.fromkeys(FIGURES, 0)
    months = []
    for month in _months(start, end):
        row = by_month.get(month, {**empty, "payable": 0})
        outstanding += row.pop("payable")
        months.append({"month": month, **row, "outstanding": outstanding})
    by_wave = {
        row.pop("wave__number"): row
        for row in entries.values("wave__number").annotate(**_sums()).order_by()
    }
    outstanding_by_wave = dict(
        LedgerEntry.objects.filter(payable, occurred_at__lt=until)
        .values_list("wave__number")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    waves = [
        {
            "wave": number,
            **by_wave.get(number, empty),
            "outstanding": outstanding_by_wave.get(number, 0),
        }
        for number in sorted(
            set(by_wave) | {n for n, total in outstanding_by_wave.items() if total},
            key=lambda n: (n is None, n or 0),
        )
    ]
    return {"months": months, "waves": waves}


PERIOD_MAX_DAYS = 3660


def budget_period(*, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The report's days: by default the year to date. 422 when `from` is after `to` or the
    period is longer than ten years (one query scans it)."""
    today = timezone.localdate(clock.now())
    end = end or today
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise ValidationFailed(errors={"from": [_("The start must not be after the end.")]})
    if (end - start).days > PERIOD_MAX_DAYS:
        raise ValidationFailed(errors={"from": [_("Choose at most ten years.")]})
    return start, end
