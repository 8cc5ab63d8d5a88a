"""Reads about accounts and participants."""

from django.contrib.auth import get_user_model

from prakerja.core.logging import mask_nik


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
    try:
        from prakerja.programs.selectors import latest_application_for
    except ImportError:
        return {}
    application = latest_application_for(participant=user)
    if application is None:
        return {}
    return {
        "wave": {"number": application.wave.number, "title": application.wave.title},
        "selection_result": application.public_status,
    }


def _linking_part(user) -> dict:
    try:
        from prakerja.payouts.selectors import active_linked_account_for
    except ImportError:
        return {}
    account = active_linked_account_for(user=user)
    if account is None:
        return {}
    return {
        "linked_account": {
            "provider": account.provider.name,
            "number_masked": account.masked_number,
        }
    }


def user_by_phone(*, phone: str):
    """The most recent active user with this E.164 number, or None."""
    return (
        get_user_model()
        .objects.filter(phone=phone, is_active=True)
        .order_by("-date_joined")
        .first()
    )


def identity_get_for_actor(*, pk: int, actor):
    """An identity its owner or a PMO admin may see; NotFound for anyone else (no hint it
    exists)."""
    from prakerja.core.errors import NotFound
    from prakerja.core.roles import Role, has_role

    from .models import Identity

    identity = Identity.objects.filter(pk=pk).first()
    if identity is None or not (identity.user_id == actor.pk or has_role(actor, Role.PMO_ADMIN)):
        raise NotFound()
    return identity
