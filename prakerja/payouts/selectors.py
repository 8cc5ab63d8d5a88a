from django.utils.translation import gettext as _

from prakerja.core.errors import ValidationFailed
from prakerja.programs.models import Wave

from . import iso20022
from .models import IncentivePayment, LinkedAccount, LinkStatus, PaymentStatus, Provider


def active_linked_account_for(*, user) -> LinkedAccount | None:
    return (
        LinkedAccount.objects.filter(user=user, status=LinkStatus.ACTIVE)
        .select_related("provider")
        .first()
    )


def pending_link_for(*, user) -> LinkedAccount | None:
    return (
        LinkedAccount.objects.filter(user=user, status=LinkStatus.PENDING)
        .select_related("provider")
        .first()
    )


def link_history_for(*, user) -> list[LinkedAccount]:
    return list(
        LinkedAccount.objects.filter(user=user)
        .select_related("provider")
        .order_by("-requested_at", "-id")
    )


def active_providers():
    return Provider.objects.filter(is_active=True).order_by("position", "name")


def incentive_payments_for(*, user) -> list[IncentivePayment]:
    return list(
        IncentivePayment.objects.filter(participant=user)
        .select_related("linked_account__provider")
        .order_by("due_on", "kind", "number")
    )


def incentive_status_for_agent(*, user) -> str | None:
    """One line for the requester panel answering "why has my incentive not arrived?": how many
    payments are paid, on their way, failed (with the partner's reason) and scheduled (with the
    next due day). None before incentives start."""
    payments = incentive_payments_for(user=user)
    if not payments:
        return None
    by_status: dict[str, list[IncentivePayment]] = {}
    for p in payments:
        by_status.setdefault(p.status, []).append(p)
    parts = []
    for status in PaymentStatus:
        group = by_status.get(status.value, [])
        if not group:
            continue
        part = f"{len(group)} {status.label}"
        if status == PaymentStatus.FAILED:
            failed = group[0]
            reason = iso20022.reason_text(code=failed.failure_code, reason=failed.failure_reason)
            part += f" ({failed.failure_code}: {reason})"
        elif status == PaymentStatus.SCHEDULED:
            part += " " + _("from %(day)s") % {"day": group[0].due_on.isoformat()}
        parts.append(part)
    return ", ".join(parts)


def waves_for_allocation() -> list[Wave]:
    return list(Wave.objects.order_by("-number").only("pk", "number"))


def wave_for_allocation(*, number: str) -> Wave:
    """The wave a budget allocation names; 422 `wave_not_found`."""
    wave = Wave.objects.filter(number=int(number)).first() if number.isdigit() else None
    if wave is None:
        raise ValidationFailed(
            _("There is no such wave."), code="wave_not_found", errors={"wave": [_("Unknown.")]}
        )
    return wave
