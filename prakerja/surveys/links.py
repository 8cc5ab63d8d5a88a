"""Signed survey links: the token names the survey and is signed with SECRET_KEY, so it cannot be
forged or altered; expiry and single use are checked against the survey row."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "prakerja.surveys.link"


def survey_token(survey) -> str:
    return signing.dumps(survey.pk, salt=SALT, compress=False)


def survey_id_from_token(token: str) -> int | None:
    """The survey id, or None for a tampered or malformed token."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def survey_url(survey, *, absolute: bool = True) -> str:
    path = reverse("surveys:answer", kwargs={"token": survey_token(survey)})
    return f"{settings.SITE_URL.rstrip('/')}{path}" if absolute else path
