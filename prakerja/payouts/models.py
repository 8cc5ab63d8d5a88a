from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProviderKind(models.TextChoices):
    BANK = "bank", _("Bank")
    EWALLET = "ewallet", _("E-wallet")


class Provider(models.Model):
    """Where incentives can be paid: a bank (BNI) or an e-wallet (OVO, GoPay, LinkAja, DANA).
    E-wallet account numbers are the participant's own mobile number."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=ProviderKind.choices)
    number_pattern = models.CharField(
        _("account number pattern"),
        max_length=100,
        blank=True,
        help_text=_("Regular expression for bank account numbers, e.g. ^\\d{10}$."),
    )
    number_hint = models.CharField(_("hint"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("payment provider")
        verbose_name_plural = _("payment providers")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class LinkStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for SMS confirmation")
    ACTIVE = "active", _("Active")
    REPLACED = "replaced", _("Replaced")
    CANCELLED = "cancelled", _("Cancelled")


class LinkedAccount(models.Model):
    """Penautan rekening. Every change is a new row; the old active one becomes `replaced`, so the
    table is the history. At most one active and one pending per participant (database)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="linked_accounts",
        verbose_name=_("participant"),
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    account_number = models.CharField(_("account number"), max_length=34)
    holder_name = models.CharField(_("account holder"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.PENDING
    )
    verification_ref = models.CharField(_("verification reference"), max_length=100, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("linked account")
        verbose_name_plural = _("linked accounts")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="active"), name="linked_account_one_active"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="linked_account_one_pending"
            ),
        ]
        indexes = [models.Index(fields=["user", "-requested_at"], name="linked_account_history")]

    def __str__(self) -> str:
        return f"{self.provider} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        n = self.account_number
        return "*" * max(0, len(n) - 4) + n[-4:]


# --- Incentives and disbursement ---------------------------------------------------------------


class PaymentKind(models.TextChoices):
    INCENTIVE = "incentive", _("Post-training incentive")
    SURVEY = "survey", _("Evaluation survey incentive")


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued for transfer")
    SENT = "sent", _("Sent to the bank or e-wallet")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class DisbursementBatch(models.Model):
    """One transfer batch to one payment channel. Created with its payments claimed (`queued`);
    `sent` once the partner took it. A batch left `queued` by a process that died is resumed by
    the next run with the same idempotency keys, so the partner pays each payment once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")

    channel = models.CharField(_("channel"), max_length=10, choices=ProviderKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("disbursement batch")
        verbose_name_plural = _("disbursement batches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(status="queued"), name="disbursement_batch_to_send"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"

    @property
    def message_id(self) -> str:
        return f"PRAKERJA-B{self.pk}"


class IncentivePayment(models.Model):
    """One payment due to a participant: a monthly post-training incentive (number 1..n) or a
    survey incentive (the survey's number). The amount is copied from the wave's scheme when it
    is scheduled. `attempt` grows when a failed payment is paid again after relinking; the
    idempotency key sent to the partner is the payment and its attempt, so a resent batch never
    pays twice and a new attempt is a new transfer."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incentive_payments",
        verbose_name=_("participant"),
    )
    card = models.ForeignKey(
        "training.Card", on_delete=models.PROTECT, related_name="+", verbose_name=_("card")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.SCHEDULED
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    linked_account = models.ForeignKey(
        LinkedAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid to"),
    )
    batch = models.ForeignKey(
        DisbursementBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("batch"),
    )
    failure_code = models.CharField(_("failure code"), max_length=10, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    partner_ref = models.CharField(_("partner reference"), max_length=64, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled at"))
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("paid or failed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incentive payment")
        verbose_name_plural = _("incentive payments")
        ordering = ["due_on", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind", "number"], name="incentive_payment_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="incentive_amount_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="incentive_number_from_1"),
            models.CheckConstraint(
                condition=Q(status="scheduled") | Q(linked_account__isnull=False),
                name="incentive_claimed_has_account",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on", "id"], condition=Q(status="scheduled"), name="incentive_due"
            ),
            models.Index(fields=["participant", "due_on"], name="incentive_by_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}: Rp {self.amount}"

    @property
    def idempotency_key(self) -> str:
        return f"PK{self.pk}A{self.attempt}"


class EvaluationAnswer(models.Model):
    """A participant's answers to evaluation survey `number` (1..the wave's survey count)."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluation_answers",
        verbose_name=_("participant"),
    )
    number = models.PositiveSmallIntegerField(_("survey"))
    answers = models.JSONField(_("answers"))
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("evaluation survey answer")
        verbose_name_plural = _("evaluation survey answers")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "number"], name="evaluation_answered_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} #{self.number}"


# --- The program's books -------------------------------------------------------------------------


class LedgerAccount(models.TextChoices):
    TREASURY = "treasury", _("State budget (source)")
    BUDGET = "budget", _("Program budget, not yet committed")
    CARD_BALANCES = "card_balances", _("Training balances on cards")
    PLATFORMS_PAYABLE = "platforms_payable", _("Owed to platforms for trainings")
    INCENTIVES_PAYABLE = "incentives_payable", _("Incentives scheduled, not yet paid")
    INCENTIVES_PAID = "incentives_paid", _("Incentives paid to participants")
    RETURNED = "returned", _("Returned from revoked cards and unspent balances")
    PLATFORMS_SETTLED = "platforms_settled", _("Settled with platforms by monthly statement")


class BudgetAllocation(models.Model):
    """Money the state budget gives the program (for a wave, or the program as a whole)."""

    wave = models.ForeignKey(
        "programs.Wave",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wave"),
    )
    amount = models.BigIntegerField(_("amount (Rp)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The budget document (e.g. the DIPA number): allocating it again changes nothing.
    reference = models.CharField(
        pgettext_lazy("budget document", "reference"), max_length=64, blank=True
    )
    allocated_at = models.DateTimeField(_("allocated at"))

    class Meta:
        verbose_name = _("budget allocation")
        verbose_name_plural = _("budget allocations")
        ordering = ["-allocated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_allocation_positive"),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="budget_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Rp {self.amount}"


class LedgerEntry(models.Model):
    """One leg of a movement of program money. A movement is named by what caused it (`source`,
    `source_id`, `event`: card 12 issued, purchase 7 cancelled, payment 3 paid) and has two legs
    that sum to zero; the unique constraint posts each leg once, so posting is idempotent.
    Balances are sums of entries, never stored."""

    source = models.CharField(_("source"), max_length=20)
    source_id = models.BigIntegerField(_("source id"))
    event = models.CharField(_("event"), max_length=20)
    account = models.CharField(_("account"), max_length=20, choices=LedgerAccount.choices)
    amount = models.BigIntegerField(_("amount (Rp)"))
    wave = models.ForeignKey(
        "programs.Wave",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wave"),
    )
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "event", "account"], name="ledger_leg_once"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["occurred_at", "account"], name="ledger_by_period")]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}:{self.event} {self.account} {self.amount}"


class PlatformStatement(models.Model):
    """What the program owes a platform for a month: every voucher of its courses redeemed before
    the month's end and in no earlier statement (its lines). Closed once per platform and month
    (the constraint), after the month has ended; its figures never change afterwards, and
    `ledger_sync` posts its amount from "owed to platforms" to "settled with platforms"."""

    platform = models.ForeignKey(
        "training.Platform",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("platform"),
    )
    month = models.DateField(_("month"), help_text=_("Its first day."))
    redeemed_count = models.PositiveIntegerField(_("vouchers redeemed"))
    amount = models.BigIntegerField(_("amount owed (Rp)"))
    closed_at = models.DateTimeField(_("closed at"))

    class Meta:
        verbose_name = _("platform statement")
        verbose_name_plural = _("platform statements")
        ordering = ["-month", "platform_id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "month"], name="platform_statement_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="statement_month_first_day"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="statement_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.month:%Y-%m}: Rp {self.amount}"


class PlatformStatementLine(models.Model):
    """A redeemed voucher on a statement. One line per purchase ever (one-to-one), so a voucher
    is settled exactly once, whichever month's statement picks it up."""

    statement = models.ForeignKey(
        PlatformStatement,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("statement"),
    )
    purchase = models.OneToOneField(
        "training.Purchase",
        on_delete=models.PROTECT,
        related_name="statement_line",
        verbose_name=_("purchase"),
    )
    amount = models.PositiveIntegerField(_("amount (Rp)"))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "id"]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.purchase_id} Rp {self.amount}"
