"""Account linking (penautan rekening), the incentive schedule, evaluation surveys, the
e-wallets' signed transfer callbacks, the PMO's budget and the platforms' statements under
/api/v1."""

from datetime import date, datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt, StrictStr

from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import DomainError, Forbidden
from prakerja.core.ratelimit import rate_limit
from prakerja.core.roles import Role, has_role
from prakerja.training.selectors import platform_for_user

from . import incentives, ledger, partners, selectors, services, settlement

router = Router(tags=["payouts"])


class ProviderOut(Schema):
    code: str
    name: str
    kind: str
    number_hint: str


@router.get("/linking/providers", response=list[ProviderOut], summary="Banks and e-wallets")
def providers(request):
    return [
        ProviderOut(code=p.code, name=p.name, kind=p.kind, number_hint=p.number_hint)
        for p in selectors.active_providers()
    ]


class LinkOut(Schema):
    provider: str
    provider_name: str
    number_masked: str
    holder_name: str
    status: str
    requested_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None


def _link(link) -> LinkOut:
    return LinkOut(
        provider=link.provider.code,
        provider_name=link.provider.name,
        number_masked=link.masked_number,
        holder_name=link.holder_name,
        status=link.status,
        requested_at=link.requested_at,
        confirmed_at=link.confirmed_at,
        ended_at=link.ended_at,
    )


class LinkingOut(Schema):
    active: LinkOut | None
    pending: LinkOut | None
    history: list[LinkOut]


@router.get(
    "/linking",
    response={200: LinkingOut, **errors(401)},
    auth=SESSION_OR_TOKEN,
    summary="My linked account and history",
)
def linking(request):
    history = selectors.link_history_for(user=request.auth)
    active = next((x for x in history if x.status == "active"), None)
    pending = next((x for x in history if x.status == "pending"), None)
    return LinkingOut(
        active=_link(active) if active else None,
        pending=_link(pending) if pending else None,
        history=[_link(x) for x in history],
    )


class LinkIn(Schema):
    provider: str
    account_number: str


@router.post(
    "/linking",
    response={202: LinkOut, **errors(400, 401, 403, 409, 422, 429)},
    auth=SESSION_OR_TOKEN,
    summary="Request linking an account; an SMS code follows",
    description="403 `account_linking_closed` while the switch is off, `identity_not_verified`; "
    "422 for the provider's number rule (e-wallets: your own mobile number), `account_not_found`, "
    "`holder_mismatch` (must be your own name and NIK); 429 when codes are throttled.",
)
def link_request(request, payload: LinkIn):
    rate_limit(key=f"linking:user:{request.auth.pk}", limit=10, period=3600)
    link = services.link_request(
        participant=request.auth,
        provider_code=payload.provider,
        account_number=payload.account_number,
    )
    return Status(202, _link(link))


class LinkCodeIn(Schema):
    code: str


@router.post(
    "/linking/confirm",
    response={200: LinkOut, **errors(400, 401, 403, 409, 422, 429)},
    auth=SESSION_OR_TOKEN,
    summary="Confirm the pending link with the SMS code",
)
def link_confirm(request, payload: LinkCodeIn):
    return Status(200, _link(services.link_confirm(participant=request.auth, code=payload.code)))


# --- Incentives ----------------------------------------------------------------------------------


class IncentiveOut(Schema):
    kind: str = Field(description="incentive (monthly, after the first reviewed training) | survey")
    number: int
    amount: int = Field(description="rupiah")
    due_on: date
    status: str = Field(description="scheduled | queued | sent | paid | failed")
    failure_reason: str = Field(description="the bank's or e-wallet's reason when failed")


class IncentivesOut(Schema):
    items: list[IncentiveOut]


@router.get(
    "/me/incentives",
    response={200: IncentivesOut, **errors(401)},
    auth=SESSION_OR_TOKEN,
    summary="My incentive schedule and each payment's status",
)
def my_incentives(request):
    return IncentivesOut(
        items=[
            IncentiveOut(
                kind=p.kind,
                number=p.number,
                amount=p.amount,
                due_on=p.due_on,
                status=p.status,
                failure_reason=p.failure_reason,
            )
            for p in selectors.incentive_payments_for(user=request.auth)
        ]
    )


class EvaluationIn(Schema):
    answers: dict[str, StrictStr | StrictInt]


class EvaluationOut(Schema):
    number: int
    answered_at: datetime


@router.post(
    "/me/evaluations/{number}",
    response={201: EvaluationOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Answer an evaluation survey (schedules its incentive)",
    description="409 `evaluation_not_open` before the first training is completed and reviewed, "
    "`already_answered`; 404 `evaluation_not_found` for a survey the wave does not have.",
)
def evaluation_answer(request, number: int, payload: EvaluationIn):
    answer = incentives.evaluation_answer(
        participant=request.auth, number=number, answers=payload.answers
    )
    return Status(201, EvaluationOut(number=answer.number, answered_at=answer.answered_at))


class CallbackIn(Schema):
    reference: str = Field(max_length=40, description="the idempotency key of the transfer")
    status: Literal["paid", "failed"]
    code: str = Field("", max_length=10)
    message: str = Field("", max_length=200)


class CallbackOut(Schema):
    settled: int


@router.post(
    "/payouts/ewallet/callback",
    response={200: CallbackOut, **errors(400, 401, 422)},
    summary="E-wallet transfer result (signed)",
    description="The e-wallet's answer to a transfer, signed with HMAC-SHA256 over the raw body "
    "in `X-Signature` (hex). 401 `bad_signature`. Idempotent: a repeated callback changes "
    "nothing.",
)
def ewallet_callback(request, payload: CallbackIn):
    if not partners.callback_signature_valid(request.body, request.headers.get("X-Signature", "")):
        raise DomainError(_("The signature does not match."), code="bad_signature", status=401)
    results = incentives.results_for_keys(
        [(payload.reference, payload.status, payload.code, payload.message)]
    )
    return CallbackOut(settled=incentives.transfers_settle(results=results))


# --- The program's budget (PMO) ------------------------------------------------------------------


class BudgetMonthOut(Schema):
    month: date = Field(description="the month's first day")
    allocated: int
    committed: int
    training_spent: int
    incentives_paid: int
    outstanding: int = Field(description="at the month's end")
    returned: int


class BudgetWaveOut(Schema):
    wave: int | None = Field(description="the wave's number; null: the program as a whole")
    allocated: int
    committed: int
    training_spent: int
    incentives_paid: int
    outstanding: int = Field(description="at the period's end")
    returned: int


class BudgetOut(Schema):
    allocated: int = Field(description="rupiah given to the program in the period")
    committed: int = Field(description="training balances issued and incentives scheduled")
    training_spent: int = Field(description="trainings bought, net of cancellations")
    incentives_paid: int
    outstanding: int = Field(description="incentives scheduled and not yet paid at the end")
    returned: int = Field(description="from revoked cards and unspent balances")
    months: list[BudgetMonthOut] | None = Field(None, description="with `breakdown=true`")
    waves: list[BudgetWaveOut] | None = Field(None, description="with `breakdown=true`")


class PeriodIn(Schema):
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    breakdown: bool = False


@router.get(
    "/reports/budget",
    response={200: BudgetOut, **errors(401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    exclude_none=True,
    summary="The program's money in a period (PMO admin)",
    description="`from` and `to` are days (YYYY-MM-DD, inclusive, program time zone); by "
    "default the year to date. 422 when `from` is after `to`. With `breakdown=true` the same "
    "figures per month and per wave too. Figures come from the ledger as of its last posting "
    "(every minute).",
)
def budget_report(request, period: Query[PeriodIn]):
    if not has_role(request.auth, Role.PMO_ADMIN):
        raise Forbidden()
    start, end = ledger.budget_period(start=period.start, end=period.end)
    figures = ledger.budget_report(start=start, end=end)
    if period.breakdown:
        figures.update(ledger.budget_breakdown(start=start, end=end))
    return BudgetOut(**figures)


# --- Settlement with platforms (a partner platform's own statements) ----------------------------


class StatementLineOut(Schema):
    voucher_code: str
    course_external_id: str = Field(description="the platform's own course id")
    redeemed_at: datetime
    amount: int


class StatementOut(Schema):
    platform: str = Field(description="the platform's code")
    month: str = Field(description="YYYY-MM")
    status: Literal["open", "closed"] = Field(
        description="closed once the month is over and the statement frozen"
    )
    closed_at: datetime | None
    redeemed_count: int
    amount: int = Field(description="rupiah owed for the month's vouchers")
    settled_to_date: int = Field(description="rupiah settled by the statements up to this month")
    lines: list[StatementLineOut] = Field(description="`limit` lines from `offset`")


class LinesIn(Schema):
    offset: int = Field(0, ge=0)
    limit: int = Field(1000, ge=1, le=1000)


@router.get(
    "/partner/statements/{month}",
    response={200: StatementOut, **errors(401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="My platform's statement for a month",
    description="`month` is YYYY-MM (422 `bad_month`). A month's statement is open (computed "
    "from the vouchers redeemed so far) until it is closed after the month; then its figures "
    "never change. Lines are paged with `offset` and `limit` (at most 1000); `redeemed_count` "
    "is their total. 403 `not_a_platform`.",
)
def partner_statement(request, month: str, lines: Query[LinesIn]):
    platform = platform_for_user(user=request.auth)
    if platform is None:
        raise Forbidden(
            _("Only a partner platform's integration user can call this."), code="not_a_platform"
        )
    statement = settlement.statements_for_month(
        month=settlement.month_parse(month), platform=platform
    )[0]
    page = settlement.statement_lines(statement=statement)[
        lines.offset : lines.offset + lines.limit
    ]
    return StatementOut(
        platform=platform.slug,
        month=statement.month.strftime("%Y-%m"),
        status="closed" if statement.closed else "open",
        closed_at=statement.closed_at,
        redeemed_count=statement.redeemed_count,
        amount=statement.amount,
        settled_to_date=statement.settled_to_date,
        lines=[
            StatementLineOut(
                voucher_code=p.voucher_code,
                course_external_id=p.course.external_id,
                redeemed_at=p.redeemed_at,
                amount=p.line_amount,
            )
            for p in page
        ],
    )
