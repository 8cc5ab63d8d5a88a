"""Sign-up, confirmations and the identity step under /api/v1."""

import datetime as dt

from django.contrib.auth import login
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.utils import check_csrf

from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import NotFound
from prakerja.core.idempotency import idempotent
from prakerja.core.logging import mask_nik
from prakerja.core.ratelimit import client_ip, rate_limit

from . import selectors, services
from .models import Identity
from .views import signup_rate_limits

router = Router(tags=["accounts"])


class SignupIn(Schema):
    full_name: str
    email: str
    password: str
    phone: str


class AccountOut(Schema):
    id: int
    full_name: str
    email: str
    phone: str
    email_verified: bool
    phone_verified: bool


def _account(user) -> AccountOut:
    return AccountOut(
        id=user.pk,
        full_name=user.full_name,
        email=user.email,
        phone=user.phone,
        email_verified=user.email_verified_at is not None,
        phone_verified=user.phone_verified_at is not None,
    )


@router.post(
    "/accounts",
    response={201: AccountOut, **errors(400, 403, 409, 415, 422, 429)},
    summary="Sign up (creates a participant; logs the session in when the request has CSRF)",
    description="403 `registration_closed` while the registration switch is off; 409 "
    "`already_registered`; 422 with field errors; 429 `rate_limited` with Retry-After. "
    "A confirmation link is e-mailed and a 6-digit code is sent by SMS. The browser session is "
    "logged in only when the request carries the CSRF token (`X-CSRFToken` with the "
    "`csrftoken` cookie); otherwise the account is created and no session is. A replayed "
    "answer (`Idempotency-Key`) logs no session in: log in with the credentials.",
)
@idempotent("accounts.signup")
def signup(request, payload: SignupIn):
    signup_rate_limits(request)
    user = services.account_register(**payload.dict())
    # Another site must not be able to log a visitor's browser into an account it chose.
    if check_csrf(request) is None:
        login(request, user, backend="prakerja.accounts.backends.UsernameOrEmailBackend")
    return Status(201, _account(user))


@router.get(
    "/accounts/me",
    response={200: AccountOut, **errors(401)},
    auth=SESSION_OR_TOKEN,
    summary="My account",
)
def me(request):
    return _account(request.auth)


class CodeIn(Schema):
    code: str


@router.post(
    "/accounts/me/phone/verify",
    response={200: AccountOut, **errors(400, 401, 403, 422, 429)},
    auth=SESSION_OR_TOKEN,
    summary="Confirm the mobile number with the SMS code",
    description="422 `otp_invalid` (with tries left), `otp_expired`, `otp_missing`; 429 after "
    "three wrong tries, with Retry-After.",
)
def phone_verify(request, payload: CodeIn):
    rate_limit(key=f"otp-verify:user:{request.auth.pk}", limit=10, period=600)
    rate_limit(key=f"otp:ip:{client_ip(request)}", limit=60, period=600)
    return Status(200, _account(services.phone_verify(user=request.auth, code=payload.code)))


@router.post(
    "/accounts/me/phone/resend",
    response={202: dict, **errors(401, 403, 409, 429)},
    auth=SESSION_OR_TOKEN,
    summary="Send a new SMS code (once a minute, five an hour)",
    description="409 `phone_missing` for an account without a mobile number.",
)
def phone_resend(request):
    rate_limit(key=f"otp:ip:{client_ip(request)}", limit=60, period=600)
    services.phone_verification_send(user=request.auth)
    return Status(202, {"sent": True})


class TokenIn(Schema):
    token: str


@router.post(
    "/accounts/email/confirm",
    response={200: dict, **errors(400, 422)},
    summary="Confirm an e-mail address with the token from the link",
)
def email_confirm(request, payload: TokenIn):
    services.email_confirm(token=payload.token)
    return Status(200, {"email_verified": True})


@router.post(
    "/accounts/me/email/resend",
    response={202: dict, **errors(401, 403, 429)},
    auth=SESSION_OR_TOKEN,
    summary="E-mail the confirmation link again (three an hour)",
)
def email_resend(request):
    rate_limit(key=f"email-resend:user:{request.auth.pk}", limit=3, period=3600)
    services.email_confirmation_send(user=request.auth)
    return Status(202, {"sent": True})


class IdentityIn(Schema):
    nik: str
    kk_number: str
    full_name: str
    birth_date: dt.date
    gender: str
    province: str
    city: str
    education: str
    work_status: str
    declared_not_student: bool
    declared_not_official: bool


class IdentityOut(Schema):
    nik_masked: str
    kk_masked: str
    full_name: str
    birth_date: dt.date
    gender: str
    province: str
    city: str
    education: str
    work_status: str
    status: str = Field(description="pending | verified | rejected | withdrawn")
    rejection_reason: str
    review_required: bool = Field(description="pending until a PMO officer reviews it")
    id_card_uploaded: bool


def _identity(identity: Identity) -> IdentityOut:
    return IdentityOut(
        nik_masked=mask_nik(identity.nik),
        kk_masked=mask_nik(identity.kk_number),
        full_name=identity.full_name,
        birth_date=identity.birth_date,
        gender=identity.gender,
        province=identity.province,
        city=identity.city,
        education=identity.education,
        work_status=identity.work_status,
        status=identity.status,
        rejection_reason=identity.rejection_reason,
        review_required=identity.review_required,
        id_card_uploaded=bool(identity.id_card),
    )


@router.get(
    "/accounts/me/identity",
    response={200: IdentityOut, **errors(401, 404)},
    auth=SESSION_OR_TOKEN,
    summary="My identity and its verification status",
)
def identity_get(request):
    identity = selectors.identity_of(user=request.auth)
    if identity is None:
        raise NotFound()
    return Status(200, _identity(identity))


@router.put(
    "/accounts/me/identity",
    response={200: IdentityOut, **errors(400, 401, 403, 409, 422, 429)},
    auth=SESSION_OR_TOKEN,
    summary="Submit the identity and eligibility step",
    description="NIK rules: 16 digits, a real region code, the birth date it encodes (+40 on the "
    "day for women) must match birth_date and gender. Age 18+. Both declarations must be true. "
    "409 `nik_taken` (one account per NIK), `kk_full` (two accounts per family card), "
    "`identity_locked` (already verified), `id_card_required` (after a rejection or withdrawal, "
    "upload a new ID-card photo first). Verification runs right after (status pending → "
    "verified / rejected with a reason); a resubmission after a rejection or withdrawal stays "
    "pending with `review_required` until a PMO officer reviews it. A rejected or withdrawn "
    "identity no longer holds its NIK or family-card slot.",
)
def identity_put(request, payload: IdentityIn):
    rate_limit(key=f"identity:user:{request.auth.pk}", limit=10, period=3600)
    services.identity_submit(user=request.auth, data=payload.dict())
    # Read again: verification may already have run on commit (immediate task backend).
    return Status(200, _identity(selectors.identity_of(user=request.auth)))


@router.post(
    "/accounts/me/identity/id-card",
    response={200: IdentityOut, **errors(400, 401, 403, 409, 422, 429)},
    auth=SESSION_OR_TOKEN,
    summary="Upload the ID-card photo (JPEG/PNG, at most 2 MB; stored privately)",
)
def id_card(request, file: File[UploadedFile]):
    rate_limit(key=f"id-card:user:{request.auth.pk}", limit=10, period=3600)
    return Status(200, _identity(services.identity_upload_id_card(user=request.auth, upload=file)))
