"""Account linking (penautan rekening) under /api/v1."""

from datetime import datetime

from ninja import Router, Schema, Status

from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.ratelimit import rate_limit

from . import selectors, services

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
