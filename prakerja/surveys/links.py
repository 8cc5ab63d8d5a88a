"""Signed survey links: the token names the survey and is signed with SECRET_KEY (HMAC), so it
cannot be forged or altered; expiry (`Survey.expires_at`, configurable) and single use
(`answered_at`) are checked against the survey row, so the link itself is stable."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "prakerja.surveys.link"


def survey_token(survey) -> str:
    return signing.Signer(salt=SALT).sign_object(survey.pk)


def survey_id_from_token(token: str) -> int | None:
    """The survey id, or None for a tampered or malformed token."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def survey_url(survey, *, absolute: bool = True) -> str:
    path = reverse("surveys:answer", kwargs={"token": survey_token(survey)})
    return f"{settings.SITE_URL.rstrip('/')}{path}" if absolute else path
