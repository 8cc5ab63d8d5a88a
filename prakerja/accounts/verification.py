"""Identity verification adapter (population registry).

`settings.IDENTITY_VERIFIER`: `offline` (default) re-checks the NIK/KK rules, age and declarations
without calling anyone; `http` POSTs to `IDENTITY_REGISTRY_URL` (Bearer `IDENTITY_REGISTRY_TOKEN`)
`{"nik", "kk", "full_name", "birth_date", "gender"}` and expects `{"match": bool, "reason": str}`.
"""

import dataclasses
import datetime as dt
from typing import Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from prakerja.core import clock

from .nik import kk_errors, nik_errors


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    verified: bool
    reason: str = ""


class IdentityVerifier(Protocol):
    def verify(self, identity) -> VerificationResult: ...


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


class OfflineIdentityVerifier:
    """Checks the rules that need no registry: NIK/KK structure, NIK vs birth date and gender,
    age 18+ and the eligibility declarations."""

    def verify(self, identity) -> VerificationResult:
        problems = nik_errors(identity.nik, birth_date=identity.birth_date, gender=identity.gender)
        problems += kk_errors(identity.kk_number)
        if age_on(identity.birth_date, clock.local_now().date()) < 18:
            problems.append(_("Participants must be 18 or older."))
        if not (identity.declared_not_student and identity.declared_not_official):
            problems.append(_("The eligibility declarations were not confirmed."))
        if problems:
            return VerificationResult(False, " ".join(str(p) for p in problems))
        return VerificationResult(True)


class HttpIdentityVerifier:
    """A population-registry (Dukcapil-like) HTTP service."""

    def __init__(self, *, url: str | None = None, token: str | None = None, timeout: float = 10.0):
        self.url = url or settings.IDENTITY_REGISTRY_URL
        self.token = token if token is not None else settings.IDENTITY_REGISTRY_TOKEN
        self.timeout = timeout

    def verify(self, identity) -> VerificationResult:
        offline = OfflineIdentityVerifier().verify(identity)
        if not offline.verified:
            return offline
        response = httpx.post(
            self.url,
            json={
                "nik": identity.nik,
                "kk": identity.kk_number,
                "full_name": identity.full_name,
                "birth_date": identity.birth_date.isoformat(),
                "gender": identity.gender,
            },
            headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            timeout=self.timeout,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("match") is True:
            return VerificationResult(True)
        return VerificationResult(
            False, str(body.get("reason") or _("The data does not match the population registry."))
        )


ADAPTERS = {
    "offline": "prakerja.accounts.verification.OfflineIdentityVerifier",
    "http": "prakerja.accounts.verification.HttpIdentityVerifier",
}


def get_identity_verifier() -> IdentityVerifier:
    name = getattr(settings, "IDENTITY_VERIFIER", "offline")
    return import_string(ADAPTERS.get(name, name))()
