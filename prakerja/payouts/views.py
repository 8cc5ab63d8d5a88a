import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from prakerja.core.errors import DomainError, RateLimited, ValidationFailed
from prakerja.core.exports import export_row
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
        },
    )


BUDGET_LABELS = (
    ("allocated", _lazy("Allocated")),
    ("committed", _lazy("Committed")),
    ("training_spent", _lazy("Spent on training")),
    ("incentives_paid", _lazy("Incentives paid")),
    ("outstanding", _lazy("Outstanding")),
    ("returned", _lazy("Returned")),
)
