import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prakerja.core import charts, clock
from prakerja.core.errors import DomainError, RateLimited, ValidationFailed
from prakerja.core.exports import Table, export_response
from prakerja.core.formatting import rupiah_short
from prakerja.core.ratelimit import rate_limit
from prakerja.core.roles import Role, role_required
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state
from prakerja.training.models import Platform
from prakerja.training.selectors import platform_for_user

from . import ledger, selectors, services, settlement


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


BUDGET_COLUMNS = (
    "allocated",
    "committed",
    "training_spent",
    "incentives_paid",
    "outstanding",
    "returned",
)
BUDGET_LABELS = (
    ("allocated", gettext_lazy("Allocated")),
    ("committed", gettext_lazy("Committed")),
    ("training_spent", gettext_lazy("Spent on training")),
    ("incentives_paid", gettext_lazy("Incentives paid")),
    ("outstanding", gettext_lazy("Outstanding")),
    ("returned", gettext_lazy("Returned")),
)
EXPORT_FORMATS = ("csv", "xlsx")


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


def _budget_tables(figures: dict, breakdown: dict) -> list[Table]:
    return [
        Table(_("Figures"), ["figure", "rupiah"], [[key, figures[key]] for key in BUDGET_COLUMNS]),
        Table(
            _("Per month"),
            ["month", *BUDGET_COLUMNS],
            [
                [row["month"].strftime("%Y-%m"), *(row[c] for c in BUDGET_COLUMNS)]
                for row in breakdown["months"]
            ],
        ),
        Table(
            _("Per wave"),
            ["wave", *BUDGET_COLUMNS],
            [[row["wave"] or "", *(row[c] for c in BUDGET_COLUMNS)] for row in breakdown["waves"]],
        ),
    ]


def _budget_page(request, *, allocation_form: dict | None = None, status: int = 200):
    start, end, errors = _budget_period(request)
    figures = ledger.budget_report(start=start, end=end)
    breakdown = ledger.budget_breakdown(start=start, end=end)
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(
            fmt=fmt,
            tables=_budget_tables(figures, breakdown),
            filename=f"budget-{start.isoformat()}-{end.isoformat()}",
            period=f"{start.isoformat()} – {end.isoformat()}",
        )
    biggest = max([figures[c] for c in BUDGET_COLUMNS] + [1])
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
            # Rows for the tables and charts: `month` (first day) or `wave` (number, None for
            # the program as a whole), then every key of BUDGET_COLUMNS in rupiah.
            "months": breakdown["months"],
            "waves": breakdown["waves"],
            "columns": BUDGET_LABELS,
            "charts": _budget_charts(months=breakdown["months"], waves=breakdown["waves"]),
            "wave_choices": selectors.waves_for_allocation(),
            "allocation": allocation_form or {},
        },
        status=status,
    )


@role_required(Role.PMO_ADMIN)
@require_GET
def pmo_budget(request):
    """The PMO's budget page: the period's figures, per month and per wave (CSV/XLSX), and the
    form to record an allocation."""
    return _budget_page(request)


@role_required(Role.PMO_ADMIN)
@require_POST
def pmo_budget_allocate(request):
    """Record a budget allocation. The reference (the budget document) is required, so a double
    submit allocates once; a bad amount or wave is 422, a reference on another allocation 409."""
    data = {k: request.POST.get(k, "").strip() for k in ("amount", "wave", "reference", "note")}
    try:
        wave = selectors.wave_for_allocation(number=data["wave"]) if data["wave"] else None
        if not data["reference"]:
            raise ValidationFailed(
                _("Enter the budget document's reference."),
                code="reference_required",
                errors={"reference": [_("Required.")]},
            )
        amount = int(data["amount"]) if data["amount"].isdigit() else 0
        _allocation, created = ledger.budget_allocate(
            amount=amount,
            wave=wave,
            note=data["note"][:200],
            reference=data["reference"][:64],
            actor=request.user,
        )
    except DomainError as exc:
        return _budget_page(
            request,
            allocation_form={**data, "error": exc.message, "errors": exc.errors, "code": exc.code},
            status=exc.status,
        )
    if created:
        messages.success(
            request, _("The allocation is recorded; the figures include it within a minute.")
        )
    else:
        messages.info(request, _("This allocation was already recorded."))
    return redirect("payouts:pmo_budget")


# --- Settlement with platforms -------------------------------------------------------------------


def _statement_download(statement, fmt: str):
    return export_response(
        fmt=fmt,
        tables=settlement.statement_tables(statement=statement),
        filename=f"statement-{statement.platform.slug}-{statement.month:%Y-%m}",
    )


@role_required(Role.PMO_ADMIN)
@require_GET
def pmo_statements(request):
    """Every platform's statement for a month (?month=YYYY-MM, by default the previous one),
    and each one's download (?platform=<code>&format=csv|xlsx)."""
    error = ""
    try:
        month = settlement.month_parse(request.GET["month"]) if request.GET.get("month") else None
    except ValidationFailed as exc:
        month, error = None, exc.message
    month = month or settlement.previous_month(clock.now())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        platform = get_object_or_404(Platform, slug=request.GET.get("platform", ""))
        return _statement_download(
            settlement.statements_for_month(month=month, platform=platform)[0], fmt
        )
    return render(
        request,
        "payouts/pmo_statements.html",
        {
            "month": month,
            "error": error,
            "statements": settlement.statements_for_month(month=month),
            "month_over": settlement.month_bounds(month)[1] <= clock.now(),
        },
    )


PARTNER_LINES_PAGE = 100


@require_GET
def partner_statement(request, month: str):
    """A partner platform's own statement for a month, its vouchers and downloads. Only a
    platform's integration user, for its own platform (403 otherwise); 404 for a bad month."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    platform = platform_for_user(user=request.user)
    if platform is None:
        raise PermissionDenied
    try:
        statement = settlement.statements_for_month(
            month=settlement.month_parse(month), platform=platform
        )[0]
    except ValidationFailed as exc:
        raise Http404(exc.message) from exc
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return _statement_download(statement, fmt)
    page = Paginator(settlement.statement_lines(statement=statement), PARTNER_LINES_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "payouts/partner_statement.html", {"statement": statement, "page": page})


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
