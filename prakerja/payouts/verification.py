"""Account-linking verification adapter: asks the bank / e-wallet who holds an account.

`settings.LINKING_VERIFIER`: `sandbox` (default) or `http`.

The sandbox answers for documented test numbers only:
- Bank (BNI) numbers of 10 digits: ending in `0000` → account not found; ending in `9999` → held by
  someone else ("BUDI LAIN", another NIK); any other → held by the participant (their ID name and
  NIK), so demos and tests can link.
- E-wallets: the participant's own mobile number → held by the participant; a number ending in
  `0000` → not registered with the e-wallet.

The HTTP adapter POSTs `{"provider", "account_number"}` to `LINKING_VERIFIER_URL` and expects
`{"found": bool, "holder_name": str, "holder_nik": str, "reference": str}`.
"""

import dataclasses
from typing import Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string


@dataclasses.dataclass(frozen=True)
class HolderInfo:
    found: bool
    holder_name: str = ""
    holder_nik: str = ""
    reference: str = ""


class LinkingVerifier(Protocol):
    def lookup(self, *, provider, account_number: str, participant) -> HolderInfo: ...


class SandboxLinkingVerifier:
    def lookup(self, *, provider, account_number: str, participant) -> HolderInfo:
        identity = getattr(participant, "identity", None)
        if account_number.endswith("0000"):
            return HolderInfo(found=False)
        if account_number.endswith("9999"):
            return HolderInfo(True, "BUDI LAIN", "3171010101900001", "sandbox-other")
        if identity is None:
            return HolderInfo(found=False)
        return HolderInfo(True, identity.full_name, identity.nik, f"sandbox-{account_number[-4:]}")


class HttpLinkingVerifier:
    def __init__(self, *, url: str | None = None, token: str | None = None, timeout: float = 10.0):
        self.url = url or settings.LINKING_VERIFIER_URL
        self.token = token if token is not None else settings.LINKING_VERIFIER_TOKEN
        self.timeout = timeout

    def lookup(self, *, provider, account_number: str, participant) -> HolderInfo:
        response = httpx.post(
            self.url,
            json={"provider": provider.code, "account_number": account_number},
            headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            timeout=self.timeout,
        )
        response.raise_for_status()
        body = response.json()
        return HolderInfo(
            found=bool(body.get("found")),
            holder_name=str(body.get("holder_name", "")),
            holder_nik=str(body.get("holder_nik", "")),
            reference=str(body.get("reference", ""))[:100],
        )


ADAPTERS = {
    "sandbox": "prakerja.payouts.verification.SandboxLinkingVerifier",
    "http": "prakerja.payouts.verification.HttpLinkingVerifier",
}


def get_linking_verifier() -> LinkingVerifier:
    name = getattr(settings, "LINKING_VERIFIER", "sandbox")
    return import_string(ADAPTERS.get(name, name))()
