"""Payment partners: who moves the money to the participant's linked bank or e-wallet account.

`settings.PAYOUTS_PARTNER` picks the adapters:
- `fake` (default for development and tests): settles at once, so a due payment is `paid` after
  one `disburse_incentives` run. Documented test account numbers fail: ending in `1313` → AC04
  (account closed), ending in `1414` → BE01 (holder does not match). Like a real partner it pays
  an idempotency key once: a resent transfer gets the first answer back. It remembers keys in
  process memory, or in the file `PAYOUTS_FAKE_LEDGER` (append-only, shared between processes,
  what the kill-and-rerun tests count).
- `live`: bank accounts go in an ISO 20022 pain.001 file to `PAYOUTS_BANK_OUTBOX_DIR` (the bank's
  host-to-host drop) and settle when its pain.002 comes back (`manage.py reconcile_pain002`);
  e-wallet transfers are POSTed one by one to `PAYOUTS_EWALLET_URL` with an `Idempotency-Key`
  header and settle when the e-wallet calls back, signed with HMAC-SHA256 over the body
  (`X-Signature`, key `PAYOUTS_EWALLET_SECRET`).
"""

import dataclasses
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import httpx
from django.conf import settings
from django.utils import timezone

from prakerja.core import clock

from . import iso20022
from .models import IncentivePayment, ProviderKind


@dataclasses.dataclass(frozen=True)
class TransferResult:
    payment_id: int
    status: str  # "paid", "sent" (the partner settles later) or "failed"
    code: str = ""
    reason: str = ""
    partner_ref: str = ""


class PaymentPartner(Protocol):
    def send(self, *, batch, payments: Sequence[IncentivePayment]) -> list[TransferResult]:
        """Transfer each payment to its `linked_account`, keyed by `payment.idempotency_key`.
        Sending a key again must not pay again. Payments come with `linked_account__provider`
        and `participant` loaded."""
        ...


FAKE_FAILURES = {
    "1313": ("AC04", "The account is closed."),
    "1414": ("BE01", "The account holder does not match."),
}


class FakePartner:
    _memory: dict[str, TransferResult] = {}
    _lock = threading.Lock()

    def __init__(self, *, ledger: str = "", delay: float = 0.0) -> None:
        self.ledger = Path(ledger) if ledger else None
        self.delay = delay

    def _known(self) -> dict[str, TransferResult]:
        if self.ledger is None:
            return self._memory
        known = {}
        if self.ledger.exists():
            for line in self.ledger.read_text().splitlines():
                key, payment_id, status, code = line.split("\t")
                known[key] = TransferResult(int(payment_id), status, code)
        return known

    def _remember(self, key: str, result: TransferResult) -> None:
        if self.ledger is None:
            self._memory[key] = result
            return
        line = f"{key}\t{result.payment_id}\t{result.status}\t{result.code}\n"
        # One short write per transfer with O_APPEND: a line is whole even if the process dies.
        fd = os.open(self.ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def send(self, *, batch, payments: Sequence[IncentivePayment]) -> list[TransferResult]:
        results = []
        with self._lock:
            known = self._known()
            for payment in payments:
                key = payment.idempotency_key
                if key in known:
                    results.append(dataclasses.replace(known[key], reason=_reason(known[key])))
                    continue
                if self.delay:
                    time.sleep(self.delay)
                code, reason = FAKE_FAILURES.get(
                    payment.linked_account.account_number[-4:], ("", "")
                )
                result = TransferResult(payment.pk, "failed" if code else "paid", code, reason)
                self._remember(key, result)
                results.append(result)
        return results


def _reason(result: TransferResult) -> str:
    return next((r for c, r in FAKE_FAILURES.values() if c == result.code), "")


class BankBatchPartner:
    """Writes the batch as pain.001 into the bank's drop directory; the pain.002 settles it."""

    def __init__(self, *, outbox: str | None = None) -> None:
        self.outbox = Path(outbox or settings.PAYOUTS_BANK_OUTBOX_DIR)

    def send(self, *, batch, payments: Sequence[IncentivePayment]) -> list[TransferResult]:
        self.outbox.mkdir(parents=True, exist_ok=True)
        final = self.outbox / f"{batch.message_id}.xml"
        partial = final.with_suffix(".part")
        with partial.open("w", encoding="utf-8") as out:
            iso20022.pain001_write(
                out,
                message_id=batch.message_id,
                created_at=clock.now(),
                debtor_name=settings.PROGRAM_NAME,
                debtor_account=settings.PAYOUTS_DEBTOR_ACCOUNT,
                execution_date=timezone.localdate(clock.now()),
                transfers=(transfer_of(p) for p in payments),
                count=len(payments),
                total=sum(p.amount for p in payments),
            )
        # The same message id replaces a file a dead run left: the bank refuses a repeated
        # EndToEndId, so a resent batch cannot pay twice.
        partial.replace(final)
        return [TransferResult(p.pk, "sent", partner_ref=batch.message_id) for p in payments]


def transfer_of(payment: IncentivePayment) -> iso20022.Transfer:
    account = payment.linked_account
    return iso20022.Transfer(
        end_to_end_id=payment.idempotency_key,
        amount=payment.amount,
        creditor_name=account.holder_name,
        creditor_account=account.account_number,
        creditor_agent=account.provider.code.upper(),
    )


class EwalletPartner:
    """The e-wallets' disbursement API: one POST per transfer with an idempotency key."""

    def __init__(self, *, url: str | None = None, token: str | None = None, timeout=10.0) -> None:
        self.url = url or settings.PAYOUTS_EWALLET_URL
        self.token = token if token is not None else settings.PAYOUTS_EWALLET_TOKEN
        self.timeout = timeout

    def send(self, *, batch, payments: Sequence[IncentivePayment]) -> list[TransferResult]:
        results = []
        with httpx.Client(timeout=self.timeout) as client:
            for p in payments:
                response = client.post(
                    self.url,
                    json={
                        "reference": p.idempotency_key,
                        "provider": p.linked_account.provider.code,
                        "account": p.linked_account.account_number,
                        "amount": p.amount,
                        "currency": "IDR",
                    },
                    headers={
                        "Idempotency-Key": p.idempotency_key,
                        "Authorization": f"Bearer {self.token}",
                    },
                )
                if response.status_code == 422:
                    body = response.json()
                    results.append(
                        TransferResult(
                            p.pk, "failed", body.get("code", "AC01"), body.get("message", "")
                        )
                    )
                    continue
                response.raise_for_status()
                results.append(
                    TransferResult(p.pk, "sent", partner_ref=response.json().get("id", ""))
                )
        return results


def callback_signature(body: bytes, *, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.PAYOUTS_EWALLET_SECRET).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def callback_signature_valid(body: bytes, signature: str) -> bool:
    if not settings.PAYOUTS_EWALLET_SECRET:
        return False
    return hmac.compare_digest(callback_signature(body), signature or "")


def get_partner(channel: str) -> PaymentPartner:
    if settings.PAYOUTS_PARTNER == "fake":
        return FakePartner(ledger=settings.PAYOUTS_FAKE_LEDGER, delay=settings.PAYOUTS_FAKE_DELAY)
    if channel == ProviderKind.BANK:
        return BankBatchPartner()
    return EwalletPartner()
