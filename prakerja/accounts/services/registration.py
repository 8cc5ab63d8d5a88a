"""Sign-up, e-mail confirmation (signed, expiring link) and mobile-number confirmation."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed
from prakerja.core.roles import Role
from prakerja.core.services import audit_record
from prakerja.switches.models import SwitchName
from prakerja.switches.services import switch_require_active

from .. import tasks
from ..models import OneTimeCode
from ..phones import is_mobile, normalize_phone
from .otp import otp_send, otp_verify

logger = logging.getLogger("prakerja.accounts")
EMAIL_SALT = "accounts.email-confirm"
EMAIL_LINK_MAX_AGE = 3 * 24 * 3600


class AlreadyRegistered(Conflict):
    code = "already_registered"


def _clean_signup(*, full_name: str, email: str, password: str, phone: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    full_name = " ".join((full_name or "").split())
    if not full_name:
        errors["full_name"] = [_("Enter your full name.")]
    elif len(full_name) > 150:
        errors["full_name"] = [_("At most 150 characters.")]
    email = (email or "").strip().lower()
    try:
        validate_email(email)
        if len(email) > 150:
            raise ValidationError("too long")
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    try:
        phone = normalize_phone(phone)
        if not phone.startswith("+62") or not is_mobile(phone):
            raise ValueError("not an Indonesian mobile number")
    except ValueError:
        errors["phone"] = [_("Enter an Indonesian mobile number, e.g. 0812 3456 7890.")]
    try:
        probe = get_user_model()(username=email, email=email, full_name=full_name)
        password_validation.validate_password(password or "", user=probe)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(errors=errors)
    return full_name, email, phone


def account_register(*, full_name: str, email: str, password: str, phone: str):
    """Create a participant account. Preconditions: none (anonymous). Refuses with
    `registration_closed` (403) while the registration switch is off (checked at this second),
    `already_registered` (409) for a taken e-mail (the database's case-insensitive unique index
    decides, also under races; no look-up first), 422 with field errors. The password is hashed
    before the transaction opens so the write lock is held for milliseconds, not for the hash.
    Writes the user, its participant group row and the audit entry `account.register`; on commit it
    enqueues `account_welcome_send` (the SMS code and the confirmation e-mail), so neither the SMS
    gateway nor the mail server is waited for in the request."""
    switch_require_active(SwitchName.REGISTRATION)
    full_name, email, phone = _clean_signup(
        full_name=full_name, email=email, password=password, phone=phone
    )
    User = get_user_model()
    password_hash = make_password(password)
    now = clock.now()
    with transaction.atomic():
        try:
            user = User.objects.create(
                username=email,
                email=email,
                full_name=full_name,
                phone=phone,
                password=password_hash,
                date_joined=now,
            )
        except IntegrityError as exc:
            # username and e-mail are the user table's only unique keys; both hold the e-mail.
            raise AlreadyRegistered(
                _("An account with this e-mail already exists. Log in instead.")
            ) from exc
        # One insert instead of add()'s look-ups: this is the hot path at a wave opening.
        User.groups.through.objects.create(user_id=user.pk, group_id=_participant_group_id())
        audit_record(actor=user, action="account.register", obj=user)
        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: tasks.account_welcome_send.enqueue(user.pk, language))
    return user


def account_welcome_send(*, user, language: str) -> None:
    """The new account's first SMS code and confirmation e-mail, in the language the participant
    signed up in (run by the `account_welcome_send` task after sign-up commits). Preconditions:
    the account exists and was just created. One transaction; both are sent on its commit."""
    with translation.override(language), transaction.atomic():
        phone_verification_send(user=user, first=True)
        email_confirmation_send(user=user)


_group_ids: dict[str, int] = {}


def _participant_group_id() -> int:
    """The participant group's id, looked up once per process (groups are created by migration
    and never renamed)."""
    if Role.PARTICIPANT not in _group_ids:
        _group_ids[Role.PARTICIPANT] = Group.objects.get(name=Role.PARTICIPANT).pk
    return _group_ids[Role.PARTICIPANT]


def email_confirmation_token(*, user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=EMAIL_SALT, compress=True)


def email_confirmation_send(*, user) -> None:
    """E-mail a signed link (valid three days, on `SITE_URL`) on commit."""
    token = email_confirmation_token(user=user)
    link = settings.SITE_URL + reverse("accounts:email_confirm", args=[token])
    context = {"user": user, "link": link, "program": settings.PROGRAM_NAME}
    subject = _("Confirm your e-mail for %(program)s") % {"program": settings.PROGRAM_NAME}
    body = render_to_string("accounts/email/confirm.txt", context)
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    )


@transaction.atomic
def email_confirm(*, token: str):
    """Confirm the e-mail from a link. Raises ValidationFailed `link_invalid` / `link_expired`
    (also when the e-mail changed since the link was sent). Idempotent."""
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationFailed(
            _("This link has expired. Ask for a new one from your dashboard."), code="link_expired"
        ) from exc
    except signing.BadSignature as exc:
        raise ValidationFailed(_("This link is not valid."), code="link_invalid") from exc
    User = get_user_model()
    user = User.objects.select_for_update().filter(pk=data.get("u")).first()
    if user is None or user.email.lower() != data.get("e"):
        raise ValidationFailed(_("This link is not valid."), code="link_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(actor=user, action="account.email_confirm", obj=user)
    return user


def phone_verification_send(*, user, first: bool = False) -> OneTimeCode:
    """SMS a new code to the account's mobile number; Conflict `phone_missing` without one."""
    if not user.phone:
        raise Conflict(_("This account has no mobile number to confirm."), code="phone_missing")
    return otp_send(
        user=user,
        first=first,
        purpose=OneTimeCode.Purpose.PHONE,
        phone=user.phone,
        text=_("%(program)s: your code is {code}. It expires in 5 minutes. Never share it.")
        % {"program": settings.PROGRAM_NAME},
    )


def phone_verify(*, user, code: str):
    """Confirm the mobile number with the SMS code (see `otp_verify` for refusals)."""
    otp_verify(user=user, purpose=OneTimeCode.Purpose.PHONE, code=code)
    with transaction.atomic():
        user.phone_verified_at = clock.now()
        user.save(update_fields=["phone_verified_at"])
        audit_record(actor=user, action="account.phone_confirm", obj=user)
    return user
