"""Incentives: scheduled when the first training is completed and reviewed (monthly payments) and
when an evaluation survey is answered; disbursed in batches through a payment partner.

Exactly once, by construction:
- a payment exists once (unique participant, kind, number; scheduling inserts with
  `ignore_conflicts`);
- a run claims due payments with `SELECT ... FOR UPDATE SKIP LOCKED` and moves them to `queued`
  in a new batch in one transaction, so two runs never claim the same payment;
- a batch is sent while its row is locked (`SKIP LOCKED` again), so one process sends it; the
  results are written in that transaction. A process that dies mid-batch rolls its side back and
  its lock goes with its connection; the next run sends the batch again with the same
  idempotency keys, which the partner pays once (it answers a repeated key with the first
  result).
"""

import calendar
import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from prakerja.accounts.sms import get_sms_gateway
from prakerja.core import clock
from prakerja.core.errors import Conflict, NotFound, ValidationFailed
from prakerja.core.services import audit_record
from prakerja.training.models import Card

from . import iso20022
from .models import (
    DisbursementBatch,
    EvaluationAnswer,
    IncentivePayment,
    LinkedAccount,
    LinkStatus,
    PaymentKind,
    PaymentStatus,
    ProviderKind,
)
from .partners import TransferResult, get_partner

logger = logging.getLogger("prakerja.payouts")

BATCH_SIZE = 500
CLAIM_CHUNK = 10_000  # ids per UPDATE: well under PostgreSQL's 65,535 parameters
ANSWERS_MAX = 30
ANSWER_MAX_LENGTH = 1000


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _today() -> dt.date:
    return timezone.localdate(clock.now())


def incentives_schedule_after_review(*, purchase, first: bool) -> int:
    """Hook `training.training_reviewed`: on the card's first reviewed training, schedule the
    wave's monthly incentives (the first due today, then monthly). Runs in the review's
    transaction; a second call schedules nothing (the unique constraint). Returns how many it
    scheduled."""
    if not first:
        return 0
    card = Card.objects.select_related("application__wave").get(pk=purchase.card_id)
    wave = card.application.wave
    now = clock.now()
    today = timezone.localdate(now)
    payments = [
        IncentivePayment(
            participant_id=card.participant_id,
            card=card,
            kind=PaymentKind.INCENTIVE,
            number=n,
            amount=wave.incentive_amount,
            due_on=add_months(today, n - 1),
            scheduled_at=now,
        )
        for n in range(1, wave.incentive_count + 1)
    ]
    created = IncentivePayment.objects.bulk_create(payments, ignore_conflicts=True)
    audit_record(
        actor=None,
        action="incentive.schedule",
        obj=card,
        after={"payments": len(payments), "amount": wave.incentive_amount},
    )
    return len(created)


@transaction.atomic
def evaluation_answer(*, participant, number: int, answers) -> EvaluationAnswer:
    """Answer evaluation survey `number` and schedule its incentive, due today. 409
    `evaluation_not_open` before the first training is completed and reviewed, 409
    `already_answered`; 404 `evaluation_not_found` for a number outside the wave's surveys; 422
    for answers that are not a non-empty object of short texts. Audits `evaluation.answer`."""
    card = Card.objects.select_related("application__wave").filter(participant=participant).first()
    started = IncentivePayment.objects.filter(
        participant=participant, kind=PaymentKind.INCENTIVE
    ).exists()
    if card is None or not started:
        raise Conflict(
            _("Evaluation surveys open once you have completed and reviewed a training."),
            code="evaluation_not_open",
        )
    wave = card.application.wave
    if not 1 <= number <= wave.survey_count:
        raise NotFound(_("There is no such evaluation survey."), code="evaluation_not_found")
    if (
        not isinstance(answers, dict)
        or not answers
        or len(answers) > ANSWERS_MAX
        or not all(
            isinstance(k, str) and isinstance(v, str | int) and len(str(v)) <= ANSWER_MAX_LENGTH
            for k, v in answers.items()
        )
    ):
        raise ValidationFailed(errors={"answers": [_("Answer the survey's questions.")]})
    now = clock.now()
    answer, created = EvaluationAnswer.objects.get_or_create(
        participant=participant,
        number=number,
        defaults={"answers": answers, "answered_at": now},
    )
    if not created:
        raise Conflict(_("You have already answered this survey."), code="already_answered")
    IncentivePayment.objects.bulk_create(
        [
            IncentivePayment(
                participant=participant,
                card=card,
                kind=PaymentKind.SURVEY,
                number=number,
                amount=wave.survey_amount,
                due_on=timezone.localdate(now),
                scheduled_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    audit_record(actor=participant, action="evaluation.answer", obj=answer, after={"n": number})
    return answer


# --- Disbursement --------------------------------------------------------------------------------


@dataclasses.dataclass
class DisbursementResult:
    sent: int = 0  # handed to a partner in this run (paid at once, or settling later)
    failed: int = 0


def _active_link(channel: str | None = None):
    links = LinkedAccount.objects.filter(user=OuterRef("participant"), status=LinkStatus.ACTIVE)
    return links.filter(provider__kind=channel) if channel else links


@transaction.atomic
def batch_claim(
    *, channel: str, today: dt.date, size: int = BATCH_SIZE
) -> DisbursementBatch | None:
    """Claim up to `size` due payments whose participant has an active account of `channel`
    into a new queued batch; None when nothing is due. The ids are locked with `FOR UPDATE SKIP
    LOCKED` (rows another run holds are skipped, so concurrent runs claim disjoint payments),
    then updated in chunks. Not one UPDATE over the locking subquery: PostgreSQL may rescan such
    a subquery and claim more than `size`."""
    ids = list(
        IncentivePayment.objects.select_for_update(skip_locked=True)
        .filter(status=PaymentStatus.SCHEDULED, due_on__lte=today)
        .filter(Exists(_active_link(channel)))
        .order_by("due_on", "id")
        .values_list("id", flat=True)[:size]
    )
    if not ids:
        return None
    now = clock.now()
    batch = DisbursementBatch.objects.create(channel=channel, created_at=now)
    for start in range(0, len(ids), CLAIM_CHUNK):
        IncentivePayment.objects.filter(pk__in=ids[start : start + CLAIM_CHUNK]).update(
            status=PaymentStatus.QUEUED,
            batch=batch,
            queued_at=now,
            linked_account=Subquery(_active_link().values("pk")[:1]),
        )
    return batch


@transaction.atomic
def batch_send_next(*, partner=None) -> tuple[DisbursementBatch, list[TransferResult]] | None:
    """Send the oldest queued batch no other process is sending; None when there is none. The
    batch row stays locked while the partner is called, so one process sends a batch; if it
    dies, the transaction rolls back and the batch is sent again, with the same keys."""
    batch = (
        DisbursementBatch.objects.select_for_update(skip_locked=True)
        .filter(status=DisbursementBatch.Status.QUEUED)
        .order_by("id")
        .first()
    )
    if batch is None:
        return None
    payments = list(
        batch.payments.filter(status=PaymentStatus.QUEUED)
        .select_related("linked_account__provider", "participant")
        .order_by("id")
    )
    results = (partner or get_partner(batch.channel)).send(batch=batch, payments=payments)
    transfers_apply(results=results)
    now = clock.now()
    batch.status = DisbursementBatch.Status.SENT
    batch.sent_at = now
    batch.save(update_fields=["status", "sent_at"])
    audit_record(
        actor=None,
        action="disbursement.batch_send",
        obj=batch,
        after={"payments": len(payments), "channel": batch.channel},
    )
    return batch, results


def transfers_apply(*, results: list[TransferResult]) -> None:
    """Record the partner's answers: paid, sent (settles later) or failed with its reason. Only
    payments still on their way change (a late answer cannot undo a settled payment). A failure
    tells the participant on commit. Caller is in a transaction."""
    now = clock.now()
    paid = [r.payment_id for r in results if r.status == "paid"]
    sent = [r.payment_id for r in results if r.status == "sent"]
    open_states = [PaymentStatus.QUEUED, PaymentStatus.SENT]
    if paid:
        IncentivePayment.objects.filter(pk__in=paid, status__in=open_states).update(
            status=PaymentStatus.PAID, sent_at=Coalesce(F("sent_at"), now), settled_at=now
        )
    if sent:
        IncentivePayment.objects.filter(pk__in=sent, status=PaymentStatus.QUEUED).update(
            status=PaymentStatus.SENT, sent_at=now
        )
    by_ref: dict[str, list[int]] = {}
    for result in results:
        if result.partner_ref:
            by_ref.setdefault(result.partner_ref[:64], []).append(result.payment_id)
    for ref, ids in by_ref.items():
        IncentivePayment.objects.filter(pk__in=ids, partner_ref="").update(partner_ref=ref)
    for result in results:
        if result.status == "failed":
            _payment_fail(payment_id=result.payment_id, code=result.code, reason=result.reason)


def _payment_fail(*, payment_id: int, code: str, reason: str) -> None:
    failed = IncentivePayment.objects.filter(
        pk=payment_id, status__in=[PaymentStatus.QUEUED, PaymentStatus.SENT]
    ).update(
        status=PaymentStatus.FAILED,
        failure_code=(code or "NARR")[:10],
        failure_reason=(reason or _("The bank or e-wallet refused the transfer."))[:200],
        settled_at=clock.now(),
    )
    if failed:
        transaction.on_commit(lambda: payment_failure_notify(payment_id=payment_id))


def payment_failure_notify(*, payment_id: int) -> None:
    """Tell the participant by SMS and e-mail that a payment failed and to link an account
    again. One unreachable participant is logged, not raised (the batch is already recorded)."""
    payment = (
        IncentivePayment.objects.select_related("participant", "linked_account__provider")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        return
    user = payment.participant
    url = settings.SITE_URL + reverse("payouts:link")
    with translation.override("id"):
        text = _(
            "%(program)s: your incentive of Rp %(amount)s could not be paid to %(provider)s "
            "(%(reason)s). Link your account again: %(url)s"
        ) % {
            "program": settings.PROGRAM_NAME,
            "amount": f"{payment.amount:,}".replace(",", "."),
            "provider": payment.linked_account.provider.name,
            "reason": iso20022.reason_text(
                code=payment.failure_code, reason=payment.failure_reason
            ),
            "url": url,
        }
        try:
            if user.phone:
                get_sms_gateway().send(to=user.phone, text=text)
            if user.email:
                send_mail(
                    _("Your incentive could not be paid"),
                    text,
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
                )
        except Exception:  # the failure is on the dashboard; a message is a courtesy
            logger.exception("payouts.failure_notice_failed", extra={"payment": payment_id})


def incentives_disburse(*, partner=None, size: int = BATCH_SIZE) -> DisbursementResult:
    """Pay what is due now: resume batches a dead run left, claim the due payments into batches
    per channel and send them. Safe to run concurrently and again (module docstring)."""
    result = DisbursementResult()
    today = _today()

    def send_all() -> None:
        while (done := batch_send_next(partner=partner)) is not None:
            _batch, results = done
            result.failed += sum(r.status == "failed" for r in results)
            result.sent += sum(r.status != "failed" for r in results)

    send_all()
    for channel in ProviderKind.values:
        while batch_claim(channel=channel, today=today, size=size) is not None:
            send_all()
    return result


@transaction.atomic
def transfers_settle(*, results: list[TransferResult]) -> int:
    """A partner's later answer (pain.002, an e-wallet callback) settles payments by key."""
    transfers_apply(results=results)
    return len(results)


def payment_id_for_key(key: str) -> tuple[int, int] | None:
    """The payment and attempt an idempotency key names (`PK<id>A<attempt>`), or None."""
    if not key.startswith("PK") or "A" not in key:
        return None
    payment, _sep, attempt = key[2:].partition("A")
    if not (payment.isdigit() and attempt.isdigit()):
        return None
    return int(payment), int(attempt)


def results_for_keys(statuses) -> list[TransferResult]:
    """TransferResults for (key, status, code, reason) answers; keys of another attempt or of
    no payment are dropped (a late answer to a superseded attempt changes nothing)."""
    wanted = {}
    for key, status, code, reason in statuses:
        parsed = payment_id_for_key(key)
        if parsed:
            wanted[parsed] = (status, code, reason)
    current = set(
        IncentivePayment.objects.filter(pk__in={p for p, _a in wanted}).values_list("pk", "attempt")
    )
    return [
        TransferResult(pk, status, code, reason)
        for (pk, attempt), (status, code, reason) in wanted.items()
        if (pk, attempt) in current
    ]


@transaction.atomic
def incentives_retry_after_relink(*, participant) -> int:
    """After the participant links an account again, their failed payments are scheduled again
    as a new attempt (a new idempotency key), due at once. Returns how many."""
    count = IncentivePayment.objects.filter(
        participant=participant, status=PaymentStatus.FAILED
    ).update(
        status=PaymentStatus.SCHEDULED,
        attempt=F("attempt") + 1,
        linked_account=None,
        batch=None,
        queued_at=None,
        sent_at=None,
        settled_at=None,
        partner_ref="",
        failure_code="",
        failure_reason="",
    )
    if count:
        audit_record(
            actor=participant, action="incentive.retry", obj=participant, after={"payments": count}
        )
    return count


PAIN002_STATUS = {"ACSC": "paid", "ACCC": "paid", "RJCT": "failed"}
RECONCILE_CHUNK = 5000


def pain002_reconcile(source) -> dict[str, int]:
    """Settle payments from a bank's pain.002 status report (a path or file object): ACSC/ACCC
    paid, RJCT failed with the reason code; pending states change nothing. Chunks of
    transactions, each idempotent, so a report read twice or cut short and read again settles
    each payment once. Returns counts per outcome."""
    _original, statuses = iso20022.pain002_read(source)
    counts = {"paid": 0, "failed": 0, "pending": 0}
    chunk: list = []

    def flush() -> None:
        results = results_for_keys(chunk)
        transfers_settle(results=results)
        chunk.clear()

    for status in statuses:
        outcome = PAIN002_STATUS.get(status.status)
        if outcome is None:
            counts["pending"] += 1
            continue
        counts[outcome] += 1
        chunk.append((status.end_to_end_id, outcome, status.reason, status.detail))
        if len(chunk) >= RECONCILE_CHUNK:
            flush()
    flush()
    return counts
