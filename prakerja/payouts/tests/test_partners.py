"""The real partners' shapes: the bank batch as ISO 20022 pain.001 out / pain.002 in, and the
e-wallets' signed callbacks."""

import datetime as dt
import io
import json
from xml.etree import ElementTree as ET

import pytest
import time_machine

from prakerja.payouts import incentives, iso20022
from prakerja.payouts.models import IncentivePayment, PaymentStatus
from prakerja.payouts.partners import BankBatchPartner, callback_signature

from .factories import LinkedAccountFactory
from .test_incentives import NOW, reviewed

pytestmark = pytest.mark.django_db

P1 = f"{{{iso20022.PAIN_001}}}"
P2 = f"{{{iso20022.PAIN_002}}}"

TRANSFERS = [
    iso20022.Transfer("PK1A1", 600_000, "SITI <AMINAH> & CO", "1234567890", "BNI"),
    iso20022.Transfer("PK2A1", 50_000, "BUDI", "081234567890", "OVO"),
]


def pain001(transfers=TRANSFERS) -> str:
    out = io.StringIO()
    iso20022.pain001_write(
        out,
        message_id="PRAKERJA-B7",
        created_at=NOW,
        debtor_name="Kartu Prakerja",
        debtor_account="0011223344",
        execution_date=dt.date(2026, 3, 31),
        transfers=iter(transfers),
        count=len(transfers),
        total=sum(t.amount for t in transfers),
    )
    return out.getvalue()


def test_pain001_round_trip():
    info, transfers = iso20022.pain001_read(io.StringIO(pain001()))
    assert info == {"message_id": "PRAKERJA-B7", "count": 2, "total": 650_000}
    assert list(transfers) == TRANSFERS


def test_pain001_structure():
    root = ET.fromstring(pain001().encode())  # noqa: S314 - our own output
    assert root.tag == f"{P1}Document"
    (initiation,) = root
    assert [child.tag for child in initiation] == [f"{P1}GrpHdr", f"{P1}PmtInf"]
    header, info = initiation
    assert [c.tag.removeprefix(P1) for c in header] == [
        "MsgId",
        "CreDtTm",
        "NbOfTxs",
        "CtrlSum",
        "InitgPty",
    ]
    assert [c.tag.removeprefix(P1) for c in info] == [
        "PmtInfId",
        "PmtMtd",
        "NbOfTxs",
        "CtrlSum",
        "ReqdExctnDt",
        "Dbtr",
        "DbtrAcct",
        "DbtrAgt",
        "CdtTrfTxInf",
        "CdtTrfTxInf",
    ]
    tx = info.find(f"{P1}CdtTrfTxInf")
    assert [c.tag.removeprefix(P1) for c in tx] == ["PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct"]
    amount = tx.find(f"{P1}Amt/{P1}InstdAmt")
    assert (amount.get("Ccy"), amount.text) == ("IDR", "600000.00")
    assert tx.findtext(f"{P1}Cdtr/{P1}Nm") == "SITI <AMINAH> & CO"
    assert header.findtext(f"{P1}CtrlSum") == "650000.00"


def pain002(statuses, original="PRAKERJA-B7") -> io.StringIO:
    out = io.StringIO()
    iso20022.pain002_write(
        out, message_id="BNI-R1", original_message_id=original, created_at=NOW, statuses=statuses
    )
    return io.StringIO(out.getvalue())


def test_pain002_round_trip_and_structure():
    statuses = [
        iso20022.TransferStatus("PK1A1", "ACSC"),
        iso20022.TransferStatus("PK2A1", "RJCT", "AC04", "Rekening ditutup"),
    ]
    report = pain002(statuses)
    root = ET.fromstring(report.getvalue().encode())  # noqa: S314 - our own output
    assert [c.tag.removeprefix(P2) for c in root[0]] == [
        "GrpHdr",
        "OrgnlGrpInfAndSts",
        "OrgnlPmtInfAndSts",
    ]
    original, read = iso20022.pain002_read(report)
    assert original == "PRAKERJA-B7"
    assert list(read) == statuses


def test_a_pain001_is_not_a_status_report():
    with pytest.raises(ValueError, match="pain.002"):
        iso20022.pain002_read(io.StringIO(pain001()))


@time_machine.travel(NOW, tick=False)
def test_bank_batch_goes_out_as_pain001_and_settles_from_pain002(tmp_path, settings):
    settings.PAYOUTS_PARTNER = "live"
    settings.PAYOUTS_BANK_OUTBOX_DIR = tmp_path
    ok, closed = reviewed(), reviewed()
    LinkedAccountFactory(user=ok, account_number="1234567890")
    LinkedAccountFactory(user=closed, account_number="1234500000")
    result = incentives.incentives_disburse()
    assert (result.sent, result.failed) == (2, 0)
    (file,) = tmp_path.glob("*.xml")
    info, transfers = iso20022.pain001_read(file)
    transfers = list(transfers)
    assert info["count"] == 2
    assert info["total"] == 1_200_000
    assert {t.creditor_account for t in transfers} == {"1234567890", "1234500000"}
    assert set(IncentivePayment.objects.filter(number=1).values_list("status", flat=True)) == {
        "sent"
    }
    key = {t.creditor_account: t.end_to_end_id for t in transfers}
    report = [
        iso20022.TransferStatus(key["1234567890"], "ACSC"),
        iso20022.TransferStatus(key["1234500000"], "RJCT", "AC04", "Account closed"),
        iso20022.TransferStatus("PK999999A1", "ACSC"),  # not ours: ignored
    ]
    assert incentives.pain002_reconcile(pain002(report)) == {
        "paid": 2,
        "failed": 1,
        "pending": 0,
    }
    assert incentives.pain002_reconcile(pain002(report))  # read twice: nothing changes
    paid = IncentivePayment.objects.get(participant=ok, number=1)
    failed = IncentivePayment.objects.get(participant=closed, number=1)
    assert paid.status == PaymentStatus.PAID
    assert (failed.status, failed.failure_code, failed.failure_reason) == (
        "failed",
        "AC04",
        "Account closed",
    )


def test_bank_partner_rewrites_the_file_of_a_resent_batch(tmp_path):
    class Batch:
        message_id = "PRAKERJA-B1"

    BankBatchPartner(outbox=str(tmp_path)).send(batch=Batch(), payments=[])
    BankBatchPartner(outbox=str(tmp_path)).send(batch=Batch(), payments=[])
    assert [p.name for p in tmp_path.iterdir()] == ["PRAKERJA-B1.xml"]


@time_machine.travel(NOW, tick=False)
def test_ewallet_callback_must_be_signed_and_settles_once(client, settings):
    settings.PAYOUTS_EWALLET_SECRET = "s3cret"
    participant = reviewed()
    LinkedAccountFactory(user=participant)
    batch = incentives.batch_claim(channel="bank", today=NOW.date())
    payment = batch.payments.get()
    IncentivePayment.objects.filter(pk=payment.pk).update(status=PaymentStatus.SENT)
    body = json.dumps({"reference": payment.idempotency_key, "status": "paid"}).encode()

    def post(signature):
        return client.post(
            "/api/v1/payouts/ewallet/callback",
            body,
            content_type="application/json",
            headers={"X-Signature": signature},
        )

    assert post("00" * 32).json()["code"] == "bad_signature"
    assert post("").status_code == 401
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SENT
    signature = callback_signature(body)
    assert post(signature).json() == {"settled": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    settled_at = payment.settled_at
    failed = json.dumps({"reference": payment.idempotency_key, "status": "failed"}).encode()
    response = client.post(
        "/api/v1/payouts/ewallet/callback",
        failed,
        content_type="application/json",
        headers={"X-Signature": callback_signature(failed)},
    )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.settled_at) == (PaymentStatus.PAID, settled_at)
