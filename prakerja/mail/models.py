"""The e-mail channel's records: every message received (a ticket's or not), every ticket e-mail
sent, and addresses known to bounce. Tickets and their threads stay in helpdesk."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock


class Outcome(models.TextChoices):
    TICKET = "ticket", _("New ticket")
    REPLY = "reply", _("Reply on a ticket")
    AUTO_REPLY = "auto-reply", _("Auto-reply")
    BOUNCE = "bounce", _("Delivery failure")
    LOOP = "loop", _("Mail loop")
    OWN_ADDRESS = "own-address", _("From our own address")
    TOO_LARGE = "too-large", _("Too large")
    UNREADABLE = "unreadable", _("Unreadable")


# Outcomes that made or fed a ticket; the rest are counted for supervisors and never ticketed.
TICKETED = (Outcome.TICKET, Outcome.REPLY)
# Outcomes whose raw message is kept for a supervisor to read (nothing is lost).
KEPT = (Outcome.TOO_LARGE, Outcome.UNREADABLE)


class Dmarc(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    NONE = "none", _("no policy")
    OTHER = "other", _("other")
    ABSENT = "", _("not checked")


def raw_path(instance, filename: str) -> str:
    return f"mail/{clock.local_now():%Y/%m}/{secrets.token_hex(16)}.eml"


class InboundMail(models.Model):
    """One message that reached the mailbox, whatever became of it."""

    # The Message-ID header, without angle brackets; NULL when the message had none (so the
    # uniqueness binds real ids only). A message seen again (a poll after a crash, a pipe
    # retried) is recognised by it.
    message_id = models.CharField(  # noqa: DJ001
        _("Message-ID"), max_length=255, null=True, blank=True
    )
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("detail"), max_length=200, blank=True)
    dmarc = models.CharField(
        _("DMARC"), max_length=8, choices=Dmarc.choices, blank=True, default=Dmarc.ABSENT
    )
    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ticket"),
        db_index=False,  # mail_in_ticket leads with it
    )
    ticket_message = models.ForeignKey(
        "helpdesk.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("thread message"),
    )
    # The message as received, kept only when the ticket could not hold it whole (unreadable,
    # too large, cut short); under MEDIA_ROOT, which nothing serves.
    raw = models.FileField(_("raw message"), upload_to=raw_path, blank=True)

    class Meta:
        verbose_name = _("received e-mail")
        verbose_name_plural = _("received e-mails")
        constraints = [models.UniqueConstraint(fields=["message_id"], name="mail_in_message_id")]
        indexes = [
            # The supervisor's counts and list, newest first.
            models.Index(fields=["-received_at"], name="mail_in_recent"),
            # A ticket's thread ids (References of its outgoing e-mails).
            models.Index(fields=["ticket", "received_at"], name="mail_in_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.pk} {self.outcome}"


class SendStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent: address bouncing")


class OutboundMail(models.Model):
    """One ticket e-mail to a requester, with the Message-ID it is (or will be) sent with."""

    message_id = models.CharField(_("Message-ID"), max_length=255)
    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("ticket"),
        db_index=False,  # mail_out_ticket leads with it
    )
    ticket_message = models.ForeignKey(
        "helpdesk.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("thread message"),
    )
    kind = models.CharField(_("kind"), max_length=16)
    language = models.CharField(_("language"), max_length=5, default="id")
    to_address = models.CharField(_("to"), max_length=254)
    created_at = models.DateTimeField(_("created"))
    status = models.CharField(
        _("status"), max_length=8, choices=SendStatus.choices, default=SendStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sent e-mail")
        verbose_name_plural = _("sent e-mails")
        constraints = [models.UniqueConstraint(fields=["message_id"], name="mail_out_message_id")]
        indexes = [models.Index(fields=["ticket", "created_at"], name="mail_out_ticket")]

    def __str__(self) -> str:
        return self.message_id


class BouncingAddress(models.Model):
    """An address a delivery-status notification said is failing; ticket e-mails to it are not
    sent (and shown as such) until mail from it arrives again."""

    address = models.CharField(_("address"), max_length=254, unique=True)
    bounced_at = models.DateTimeField(_("last bounce"))
    bounces = models.PositiveIntegerField(_("bounces"), default=1)
    diagnostic = models.CharField(_("diagnostic"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")

    def __str__(self) -> str:
        return self.address
