"""Reads of surveys."""

from prakerja.core import clock

from .links import survey_id_from_token
from .models import Survey


def survey_from_token(*, token: str) -> Survey | None:
    """The survey a link names, or None when the token is tampered/malformed or unknown.
    Expiry and single use are for the caller to show (the page explains each)."""
    survey_id = survey_id_from_token(token)
    if survey_id is None:
        return None
    return Survey.objects.select_related("ticket").filter(pk=survey_id).first()


def survey_pending_for_ticket(*, ticket) -> Survey | None:
    """The unanswered, unexpired survey of a ticket (for the chat widget to ask inline)."""
    return (
        Survey.objects.filter(ticket=ticket, answered_at__isnull=True, expires_at__gt=clock.now())
        .order_by("-sent_at")
        .first()
    )
