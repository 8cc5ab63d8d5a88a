import csv
import datetime as dt
import io
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from prakerja.core import charts
from prakerja.core.errors import DomainError, RateLimited, ValidationFailed
from prakerja.core.exports import export_row
from prakerja.core.formatting import rupiah_short
from prakerja.core.ratelimit import rate_limit
from prakerja.core.roles import Role, role_required
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from . import ledger, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def link(request):
    """Link or change the payout account; while the switch is off, only its message."""
    state = switch_state(SwitchName.ACCOUNT_LINKING)
    error, errors, status = "", {}, 200
    if request.method == "POST" and state.active:
        rate_limit(key=f"linking:user:{request.user.pk}", limit=10, period=3600)
        try:
            if "code" in request.POST:
                services.link_confirm(participant=request.user, code=request.POST["code"])
                messages.success(request, _("Your account is linked."))
                return redirect("programs:dashboard")
            services.link_request(
                participant=request.user,
                provider_code=request.POST.get("provider", ""),
                account_number=request.POST.get("account_number", ""),
            )
            messages.success(request, _("Enter the code we sent by SMS to confirm."))
            return redirect("payouts:link")
        except RateLimited:
            raise
        except DomainError as exc:
            error, errors, status = exc.message, exc.errors, exc.status
    elif request.method == "POST":
        status = 403
    return render(
        request,
        "payouts/link.html",
        {
            "state": state,
            "providers": selectors.active_providers(),
            "pending": selectors.pending_link_for(user=request.user),
            "history": selectors.link_history_for(user=request.user),
            "error": error,
            "errors": errors,
        },
        status=status,
    )


BUDGET_COLUMNS = ("allocated", "committed", "training_spent", "incentives_paid", "returned")


def _budget_period(request) -> tuple[dt.date, dt.date, dict]:
    """The page's period from ?from=&to=; a bad one falls back to the year to date, with the
    problem to show."""
    errors: dict = {}
    try:
        start = dt.date.fromisoformat(request.GET["from"]) if request.GET.get("from") else None
        end = dt.date.fromisoformat(request.GET["to"]) if request.GET.get("to") else None
        start, end = ledger.budget_period(start=start, end=end)
    except ValueError:
        errors = {"from": [_("Enter dates as YYYY-MM-DD.")]}
        start, end = ledger.budget_period(start=None, end=None)
    except ValidationFailed as exc:
        errors = exc.errors
        start, end = ledger.budget_period(start=None, end=None)
    return start, end, errors


@role_required(Role.PMO_ADMIN)
@require_GET
def pmo_budget(request):
    """The PMO's budget page: the period's figures, then per wave and month (CSV alongside)."""
    start, end, errors = _budget_period(request)
    figures = ledger.budget_report(start=start, end=end)
    rows = ledger.budget_rows(start=start, end=end)
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["wave", "month", *BUDGET_COLUMNS])
        for row in rows:
            writer.writerow(
                export_row(
                    [
                        row["wave__number"] or "",
                        row["month"].date().isoformat()[:7],
                        *(row[c] for c in BUDGET_COLUMNS),
                    ]
                )
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="budget-{start.isoformat()}-{end.isoformat()}.csv"'
        )
        return response
    biggest = max([figures[c] for c in BUDGET_COLUMNS] + [figures["outstanding"], 1])
    return render(
        request,
        "payouts/pmo_budget.html",
        {
            "start": start,
            "end": end,
            "errors": errors,
            "figures": [
                (label, figures[key], round(100 * max(figures[key], 0) / biggest))
                for key, label in BUDGET_LABELS
            ],
            "rows": rows,
            "charts": _budget_charts(**_rows_by_month_and_wave(rows)),
        },
    )


def _rows_by_month_and_wave(rows: list[dict]) -> dict[str, list[dict]]:
    """The per wave and month rows summed per month and per wave, in order:
    `{"months": [{"month": date, <figure>: rupiah}], "waves": [{"wave": number or None, ...}]}`."""
    months: dict = defaultdict(lambda: dict.fromkeys(BUDGET_COLUMNS, 0))
    waves: dict = defaultdict(lambda: dict.fromkeys(BUDGET_COLUMNS, 0))
    for row in rows:
        for key in BUDGET_COLUMNS:
            months[timezone.localdate(row["month"])][key] += row[key]
            waves[row["wave__number"]][key] += row[key]
    return {
        "months": [{"month": m, **v} for m, v in sorted(months.items())],
        "waves": [
            {"wave": n, **v}
            for n, v in sorted(waves.items(), key=lambda i: (i[0] is None, i[0] or 0))
        ],
    }


def _budget_charts(*, months: list[dict], waves: list[dict]) -> dict:
    """Per month, training spent and incentives paid (lines); per wave, committed and spent
    (bars), spent being training and incentives paid together."""
    if not months and not waves:
        return {}
    return {
        "months": charts.line_chart(
            charts.month_axis([row["month"] for row in months]),
            [
                charts.Series(_("Spent on training"), [row["training_spent"] for row in months]),
                charts.Series(_("Incentives paid"), [row["incentives_paid"] for row in months]),
            ],
            title=_("Spent on training and incentives paid, per month"),
            fmt=rupiah_short,
        ),
        "waves": charts.bar_chart(
            [
                _("Wave %(number)s") % {"number": row["wave"]}
                if row["wave"] is not None
                else _("Whole program")
                for row in waves
            ],
            [
                charts.Series(_("Committed"), [row["committed"] for row in waves]),
                charts.Series(
                    _("Spent"), [row["training_spent"] + row["incentives_paid"] for row in waves]
                ),
            ],
            title=_("Committed and spent, per wave"),
            fmt=rupiah_short,
        ),
    }


BUDGET_LABELS = (
    ("allocated", _lazy("Allocated")),
    ("committed", _lazy("Committed")),
    ("training_spent", _lazy("Spent on training")),
    ("incentives_paid", _lazy("Incentives paid")),
    ("outstanding", _lazy("Outstanding")),
    ("returned", _lazy("Returned")),
)
