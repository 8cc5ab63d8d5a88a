"""Account linking: request (checked with the bank/e-wallet, must be the participant's own name
and NIK) → SMS code → active. The previous active account becomes `replaced` (history)."""

import re

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from prakerja.accounts.models import IdentityStatus, OneTimeCode
from prakerja.accounts.phones import normalize_phone
from prakerja.accounts.services import otp_send, otp_verify
from prakerja.core import clock
from prakerja.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from prakerja.core.services import audit_record, audited_save
from prakerja.switches.models import SwitchName
from prakerja.switches.services import switch_require_active

from .incentives import incentives_retry_after_relink
from .models import LinkedAccount, LinkStatus, Provider, ProviderKind
from .verification import get_linking_verifier


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^A-Z ]", " ", name.upper()).split())


def account_number_errors(*, provider: Provider, raw: str, participant) -> tuple[str, list[str]]:
    """The cleaned number and the provider's rule violations."""
    if provider.kind == ProviderKind.EWALLET:
        try:
            number = normalize_phone(raw)
        except ValueError:
            return raw, [_("Enter the mobile number registered with the e-wallet.")]
        if number != participant.phone:
            return number, [
                _("E-wallet accounts must use the mobile number of your Kartu Prakerja account.")
            ]
        return number, []
    number = re.sub(r"[\s-]", "", raw or "")
    pattern = provider.number_pattern or r"^\d{6,20}$"
    if not re.fullmatch(pattern, number):
        return number, [provider.number_hint or _("The account number is not valid.")]
    return number, []


def _snapshot(link: LinkedAccount | None) -> dict | None:
    if link is None:
        return None
    return {"provider": link.provider.code, "number": link.masked_number, "status": link.status}


def link_request(*, participant, provider_code: str, account_number: str) -> LinkedAccount:
    """Start linking an account. Refuses 403 `account_linking_closed` while the switch is off,
    403 `identity_not_verified`, 422 for the provider's number rule, 422 `holder_mismatch` when
    the bank/e-wallet reports another holder name/NIK, 422 `account_not_found`. The lookup runs
    outside the transaction (an outside call must not hold locks). Replaces an earlier pending
    request. Side effect on commit: the SMS code. Audits `linking.request`."""
    switch_require_active(SwitchName.ACCOUNT_LINKING)
    identity = getattr(participant, "identity", None) if hasattr(participant, "identity") else None
    if identity is None or identity.status != IdentityStatus.VERIFIED:
        raise Forbidden(
            _("Your identity must be verified before you link an account."),
            code="identity_not_verified",
        )
    provider = Provider.objects.filter(code=provider_code, is_active=True).first()
    if provider is None:
        raise ValidationFailed(errors={"provider": [_("Choose a provider.")]})
    number, problems = account_number_errors(
        provider=provider, raw=account_number, participant=participant
    )
    if problems:
        raise ValidationFailed(errors={"account_number": problems})
    try:
        holder = get_linking_verifier().lookup(
            provider=provider, account_number=number, participant=participant
        )
    except (httpx.HTTPError, ValueError) as exc:
        raise DomainError(
            _("%(provider)s cannot be reached right now. Please try again later.")
            % {"provider": provider.name},
            code="provider_unavailable",
            status=503,
        ) from exc
    if not holder.found:
        raise ValidationFailed(
            _("The provider has no such account."),
            code="account_not_found",
            errors={"account_number": [_("No account with this number.")]},
        )
    if holder.holder_nik != identity.nik or _name_key(holder.holder_name) != _name_key(
        identity.full_name
    ):
        raise ValidationFailed(
            _("The account must be in your own name and NIK."),
            code="holder_mismatch",
            errors={"account_number": [_("This account is not in your name.")]},
        )
    return _link_create(
        participant=participant,
        provider=provider,
        number=number,
        holder_name=holder.holder_name,
        reference=holder.reference,
    )


@transaction.atomic
def _link_create(*, participant, provider, number, holder_name, reference) -> LinkedAccount:
    now = clock.now()
    get_user_model().objects.select_for_update().filter(pk=participant.pk).first()
    LinkedAccount.objects.filter(user=participant, status=LinkStatus.PENDING).update(
        status=LinkStatus.CANCELLED, ended_at=now
    )
    try:
        with transaction.atomic():
            link = LinkedAccount.objects.create(
                user=participant,
                provider=provider,
                account_number=number,
                holder_name=holder_name,
                verification_ref=reference,
                requested_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Another linking request is in progress."), code="linking_pending"
        ) from exc
    otp_send(
        user=participant,
        purpose=OneTimeCode.Purpose.LINK_ACCOUNT,
        phone=participant.phone,
        text=_("%(program)s: code {code} confirms linking %(provider)s %(number)s. Never share it.")
        % {
            "program": settings.PROGRAM_NAME,
            "provider": provider.name,
            "number": link.masked_number,
        },
    )
    audit_record(actor=participant, action="linking.request", obj=link, after=_snapshot(link))
    return link


def link_confirm(*, participant, code: str) -> LinkedAccount:
    """Confirm the pending link with its SMS code: it becomes active and the previous active one
    `replaced`. Refuses 403 `account_linking_closed`, 409 `no_pending_link`, and the OTP errors.
    Payments that failed to the old account are scheduled again to the new one. Audits
    `linking.confirm` (and `linking.replace`)."""
    switch_require_active(SwitchName.ACCOUNT_LINKING)
    if not LinkedAccount.objects.filter(user=participant, status=LinkStatus.PENDING).exists():
        raise Conflict(_("There is no linking request to confirm."), code="no_pending_link")
    otp_verify(user=participant, purpose=OneTimeCode.Purpose.LINK_ACCOUNT, code=code)
    return _link_activate(participant=participant)


@transaction.atomic
def _link_activate(*, participant) -> LinkedAccount:
    now = clock.now()
    link = (
        LinkedAccount.objects.select_for_update(of=("self",))
        .select_related("provider")
        .filter(user=participant, status=LinkStatus.PENDING)
        .first()
    )
    if link is None:
        raise Conflict(_("There is no linking request to confirm."), code="no_pending_link")
    previous = (
        LinkedAccount.objects.select_for_update(of=("self",))
        .select_related("provider")
        .filter(user=participant, status=LinkStatus.ACTIVE)
        .first()
    )
    if previous is not None:
        before = _snapshot(previous)
        previous.status = LinkStatus.REPLACED
        previous.ended_at = now
        previous.save(update_fields=["status", "ended_at"])
        audit_record(
            actor=participant,
            action="linking.replace",
            obj=previous,
            before=before,
            after=_snapshot(previous),
        )
    before = _snapshot(link)
    link.status = LinkStatus.ACTIVE
    link.confirmed_at = now
    link.save(update_fields=["status", "confirmed_at"])
    audit_record(
        actor=participant, action="linking.confirm", obj=link, before=before, after=_snapshot(link)
    )
    incentives_retry_after_relink(participant=participant)
    return link


def _provider_dict(p: Provider) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "number_pattern": p.number_pattern,
        "is_active": p.is_active,
    }


@transaction.atomic
def provider_save(*, provider: Provider, actor) -> Provider:
    """Create or update a provider (admin). Checks the pattern compiles. Audits."""
    if provider.number_pattern:
        try:
            re.compile(provider.number_pattern)
        except re.error as exc:
            raise ValidationFailed(errors={"number_pattern": [str(exc)]}) from exc
    return audited_save(obj=provider, actor=actor, entity="provider", snapshot=_provider_dict)
