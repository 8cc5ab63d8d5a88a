"""ISO 20022 customer credit transfers, the message family BI-FAST and Indonesian banks use for
bulk payments: `pain.001.001.09` (CustomerCreditTransferInitiation) out, `pain.002.001.10`
(CustomerPaymentStatusReport) in. The standard library's ElementTree builds and parses them with
namespaces. The pain.001 is written transfer by transfer and the pain.002 read with `iterparse`,
clearing each transfer once read, so a batch of a million transfers never sits in memory as one
tree.

Each transfer's `EndToEndId` is the payment's idempotency key: the bank refuses a repeated one,
and the status report names the transfers by it.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import IO
from xml.etree import ElementTree as ET  # noqa: S405 - we build, and parse only our bank's reports
from xml.sax.saxutils import escape

from django.utils.translation import gettext_lazy as _

PAIN_001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN_002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
CURRENCY = "IDR"

# The ISO 20022 reasons a bank gives for a refused transfer that a participant can act on, in words
# (the bank sends only the code); others show the bank's own text.
REASONS = {
    "AC01": _("The account number is wrong."),
    "AC04": _("The account is closed."),
    "AC06": _("The account is blocked."),
    "AG01": _("The bank does not allow this transfer."),
    "BE01": _("The account holder does not match."),
}


def reason_text(*, code: str, reason: str) -> str:
    """A refused transfer's reason in the active language."""
    return str(REASONS[code]) if code in REASONS else reason


@dataclasses.dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: int
    creditor_name: str
    creditor_account: str
    creditor_agent: str  # the bank's or e-wallet's code (BIC-like member id)


@dataclasses.dataclass(frozen=True)
class TransferStatus:
    end_to_end_id: str
    status: str  # ACSC settled, ACCP/ACSP accepted (pending), RJCT rejected
    reason: str = ""  # ISO reason code for a rejection, e.g. AC04 closed account
    detail: str = ""


def _e(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>"


def pain001_write(
    out: IO[str],
    *,
    message_id: str,
    created_at: dt.datetime,
    debtor_name: str,
    debtor_account: str,
    execution_date: dt.date,
    transfers: Iterable[Transfer],
    count: int,
    total: int,
) -> None:
    """Write a pain.001 with one payment information block. `count` and `total` go in the header
    (the bank checks them against the transfers), so the caller passes them rather than this
    function holding every transfer to count them."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<Document xmlns="{PAIN_001}"><CstmrCdtTrfInitn>')
    header = (
        _e("MsgId", message_id)
        + _e("CreDtTm", created_at.isoformat(timespec="seconds"))
        + _e("NbOfTxs", str(count))
        + _e("CtrlSum", f"{total}.00")
        + f"<InitgPty>{_e('Nm', debtor_name)}</InitgPty>"
    )
    out.write(f"<GrpHdr>{header}</GrpHdr>")
    out.write(
        "<PmtInf>"
        + _e("PmtInfId", message_id + "-1")
        + _e("PmtMtd", "TRF")
        + _e("NbOfTxs", str(count))
        + _e("CtrlSum", f"{total}.00")
        + f"<ReqdExctnDt>{_e('Dt', execution_date.isoformat())}</ReqdExctnDt>"
        + f"<Dbtr>{_e('Nm', debtor_name)}</Dbtr>"
        + f"<DbtrAcct><Id><Othr>{_e('Id', debtor_account)}</Othr></Id></DbtrAcct>"
        + "<DbtrAgt><FinInstnId><Othr><Id>PRAKERJA</Id></Othr></FinInstnId></DbtrAgt>"
    )
    for t in transfers:
        out.write(
            "<CdtTrfTxInf>"
            + f"<PmtId>{_e('EndToEndId', t.end_to_end_id)}</PmtId>"
            + f'<Amt><InstdAmt Ccy="{CURRENCY}">{t.amount}.00</InstdAmt></Amt>'
            + "<CdtrAgt><FinInstnId><Othr>"
            + _e("Id", t.creditor_agent)
            + "</Othr></FinInstnId></CdtrAgt>"
            + f"<Cdtr>{_e('Nm', t.creditor_name)}</Cdtr>"
            + f"<CdtrAcct><Id><Othr>{_e('Id', t.creditor_account)}</Othr></Id></CdtrAcct>"
            + "</CdtTrfTxInf>"
        )
    out.write("</PmtInf></CstmrCdtTrfInitn></Document>\n")


def _q(ns: str, path: str) -> str:
    return "/".join(f"{{{ns}}}{part}" for part in path.split("/"))


def pain001_read(source) -> tuple[dict, Iterator[Transfer]]:
    """The header (`message_id`, `count`, `total`) and the transfers of a pain.001 (a path or a
    file object): what the bank reads; the tests use it for the round trip."""
    tree = ET.parse(source)  # noqa: S314 - our own message
    root = tree.getroot()
    if root.tag != f"{{{PAIN_001}}}Document":
        raise ValueError("not a pain.001.001.09 document")
    header = root.find(_q(PAIN_001, "CstmrCdtTrfInitn/GrpHdr"))
    info = {
        "message_id": header.findtext(_q(PAIN_001, "MsgId")),
        "count": int(header.findtext(_q(PAIN_001, "NbOfTxs"))),
        "total": int(float(header.findtext(_q(PAIN_001, "CtrlSum")))),
    }

    def transfers() -> Iterator[Transfer]:
        for tx in root.iter(f"{{{PAIN_001}}}CdtTrfTxInf"):
            yield Transfer(
                end_to_end_id=tx.findtext(_q(PAIN_001, "PmtId/EndToEndId")),
                amount=int(float(tx.findtext(_q(PAIN_001, "Amt/InstdAmt")))),
                creditor_name=tx.findtext(_q(PAIN_001, "Cdtr/Nm")),
                creditor_account=tx.findtext(_q(PAIN_001, "CdtrAcct/Id/Othr/Id")),
                creditor_agent=tx.findtext(_q(PAIN_001, "CdtrAgt/FinInstnId/Othr/Id")),
            )

    return info, transfers()


def pain002_write(
    out: IO[str],
    *,
    message_id: str,
    original_message_id: str,
    created_at: dt.datetime,
    statuses: Iterable[TransferStatus],
) -> None:
    """A pain.002 status report, as the bank sends it (tests, the bench and the sandbox)."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<Document xmlns="{PAIN_002}"><CstmrPmtStsRpt>')
    out.write(
        "<GrpHdr>"
        + _e("MsgId", message_id)
        + _e("CreDtTm", created_at.isoformat(timespec="seconds"))
        + "</GrpHdr>"
    )
    out.write(
        "<OrgnlGrpInfAndSts>"
        + _e("OrgnlMsgId", original_message_id)
        + _e("OrgnlMsgNmId", "pain.001.001.09")
        + "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>"
        + _e("OrgnlPmtInfId", original_message_id + "-1")
    )
    for s in statuses:
        reason = ""
        if s.reason:
            reason = (
                f"<StsRsnInf><Rsn>{_e('Cd', s.reason)}</Rsn>"
                + (_e("AddtlInf", s.detail) if s.detail else "")
                + "</StsRsnInf>"
            )
        out.write(
            "<TxInfAndSts>"
            + _e("OrgnlEndToEndId", s.end_to_end_id)
            + _e("TxSts", s.status)
            + reason
            + "</TxInfAndSts>"
        )
    out.write("</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")


def pain002_read(source) -> tuple[str, Iterator[TransferStatus]]:
    """The original message id and each transfer's status from a pain.002 (a path or a file
    object), streamed: elements are cleared once read, so memory stays flat."""
    events = ET.iterparse(source, events=("end",))  # noqa: S314 - the bank's report, no DTDs
    original = ""
    tx_tag = f"{{{PAIN_002}}}TxInfAndSts"
    orig_tag = f"{{{PAIN_002}}}OrgnlMsgId"
    doc_tag = f"{{{PAIN_002}}}Document"
    for _event, element in events:
        if element.tag == orig_tag:
            original = element.text or ""
            break
        if element.tag == tx_tag:  # a report with the transfers before the group (not ours)
            raise ValueError("pain.002 without OrgnlGrpInfAndSts first")
        if element.tag.startswith("{") and not element.tag.startswith(f"{{{PAIN_002}}}"):
            raise ValueError("not a pain.002.001.10 document")
    if not original:
        raise ValueError("not a pain.002.001.10 document")

    def statuses() -> Iterator[TransferStatus]:
        for _event, element in events:
            if element.tag == tx_tag:
                yield TransferStatus(
                    end_to_end_id=element.findtext(_q(PAIN_002, "OrgnlEndToEndId")) or "",
                    status=element.findtext(_q(PAIN_002, "TxSts")) or "",
                    reason=element.findtext(_q(PAIN_002, "StsRsnInf/Rsn/Cd")) or "",
                    detail=element.findtext(_q(PAIN_002, "StsRsnInf/AddtlInf")) or "",
                )
                element.clear()
            elif element.tag == doc_tag:
                return

    return original, statuses()
