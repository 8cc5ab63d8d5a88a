from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
