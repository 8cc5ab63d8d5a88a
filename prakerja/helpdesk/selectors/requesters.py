"""What agents see about a requester: earlier contacts on any channel, the participant's program
status and their Prakerja card and trainings (never the full NIK, account or card number, nor a
whole voucher code)."""

from django.utils.translation import gettext as _

from prakerja.core.logging import mask_nik
from prakerja.payouts.selectors import active_linked_account_for, incentive_status_for_agent
from prakerja.programs.selectors import latest_application_for
from prakerja.training.selectors import training_summary_for_agent

from ..models import Ticket


def requester_history(ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """Earlier tickets of the same requester on any channel (account, e-mail or phone).

    One query per identifier, each a short range of its own index (tk_by_requester,
    tk_by_email, tk_by_phone), merged here: an OR of the three makes SQLite scan."""
    lookups = [
        ("requester_id", ticket.requester_id),
        ("requester_email", ticket.requester_email),
        ("requester_phone", ticket.requester_phone),
    ]
    found: dict[int, Ticket] = {}
    for field, value in lookups:
        if not value:
            continue
        for row in (
            Ticket.objects.filter(**{field: value})
            .select_related("category")
            .only(
                "reference",
                "channel",
                "subject",
                "status",
                "created_at",
                "category__slug",
                "category__name_id",
                "category__name_en",
            )
            .order_by("-created_at")[: limit + 1]
        ):
            if row.pk != ticket.pk:
                found.setdefault(row.pk, row)
    return sorted(found.values(), key=lambda t: (t.created_at, t.pk), reverse=True)[:limit]


def requester_summary(ticket: Ticket) -> list[tuple[str, str]] | None:
    """The participant's program status for the requester panel as (label, value) rows, the NIK
    masked. None for guests."""
    if not ticket.requester_id:
        return None
    summary = participant_summary_for_agent(user=ticket.requester) or {}
    wave = summary.get("wave") or {}
    linked = summary.get("linked_account") or {}
    rows = [
        (_("NIK"), summary.get("nik_masked")),
        (_("Identity"), summary.get("identity_status")),
        (_("Wave"), wave.get("number") and f"{wave.get('number')} {wave.get('title') or ''}"),
        (_("Selection"), summary.get("selection_result")),
        (
            _("Linked account"),
            linked and f"{linked.get('provider', '')} {linked.get('number_masked', '')}",
        ),
        (_("Phone verified"), _("yes") if summary.get("phone_verified") else _("no")),
        (_("Incentives"), incentive_status_for_agent(user=ticket.requester)),
    ]
    # Defence in depth: whatever the summary holds, no full NIK reaches the page.
    return [(label, mask_nik(str(value)) if value else "—") for label, value in rows]


def requester_training(ticket: Ticket) -> dict | None:
    """The participant's card, purchases (voucher and redemption status), completions and
    certificates for the requester panel (`training.selectors.training_summary_for_agent`);
    None for guests."""
    if not ticket.requester_id:
        return None
    return training_summary_for_agent(user=ticket.requester)


def participant_summary_for_agent(*, user) -> dict:
    """What a contact-center agent may see about a participant (helpdesk requester panel,
    telephony screen-pop). Never the full NIK or account number.

    Keys: `user_id`, `full_name`, `email`, `phone`, `email_verified`, `phone_verified`,
    `nik_masked`, `identity_status`, `identity_rejection_reason`, `wave` (`{"number", "title"}` or
    None), `selection_result` (`pending` | `selected` | `rejected` | None), `linked_account`
    (`{"provider", "number_masked"}` or None). Parts not yet known are None.
    """
    summary = {
        "user_id": user.pk,
        "full_name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "email_verified": bool(getattr(user, "email_verified_at", None)),
        "phone_verified": bool(getattr(user, "phone_verified_at", None)),
        "nik_masked": None,
        "identity_status": None,
        "identity_rejection_reason": None,
        "wave": None,
        "selection_result": None,
        "linked_account": None,
    }
    summary.update(_identity_part(user))
    summary.update(_wave_part(user))
    summary.update(_linking_part(user))
    return summary


def _identity_part(user) -> dict:
    identity = getattr(user, "identity", None) if hasattr(user, "identity") else None
    if identity is None:
        return {}
    return {
        "nik_masked": mask_nik(identity.nik),
        "identity_status": identity.status,
        "identity_rejection_reason": identity.rejection_reason or None,
    }


def _wave_part(user) -> dict:
    application = latest_application_for(participant=user)
    if application is None:
        return {}
    return {
        "wave": {"number": application.wave.number, "title": application.wave.title},
        "selection_result": application.public_status,
    }


def _linking_part(user) -> dict:
    account = active_linked_account_for(user=user)
    if account is None:
        return {}
    return {
        "linked_account": {
            "provider": account.provider.name,
            "number_masked": account.masked_number,
        }
    }
