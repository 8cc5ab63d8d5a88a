import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from prakerja.core.logging import mask_nik


class User(AbstractUser):
    """Everyone who logs in: participants and staff. Roles are groups (core.roles)."""

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    # E.164 (`+62812...`), written only through `phones.normalize_phone`.
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    email_verified_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("mobile number confirmed"), null=True, blank=True)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"
            )
        ]
        indexes = [models.Index(fields=["phone"], name="user_by_phone")]

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def audit_label(self) -> str:
        # A participant's username is their e-mail address: the audit log names them by id.
        return f"user #{self.pk}" if "@" in self.username else self.username

    def get_short_name(self) -> str:
        return (self.full_name or self.username).split(" ")[0]


class SmsOutbox(models.Model):
    """Every SMS the platform sent (or tried to). With the `outbox` adapter this is the message."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    to = models.CharField(_("to"), max_length=20, db_index=True)
    text = models.TextField(_("text"))
    gateway = models.CharField(_("gateway"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    provider_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS outbox")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to", "-created_at"], name="sms_by_recipient")]

    def __str__(self) -> str:
        return f"{self.to} {self.created_at:%Y-%m-%d %H:%M}"


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS. Only an HMAC of the code is stored. Expires; after
    `max_attempts` wrong tries it is locked until `locked_until` (services.otp_*)."""

    class Purpose(models.TextChoices):
        PHONE = "phone", _("confirm mobile number")
        LINK_ACCOUNT = "link_account", _("confirm account linking")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_codes"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    phone = models.CharField(_("sent to"), max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["user", "purpose", "-created_at"], name="otp_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):
    NONE = "none", _("No formal schooling")
    SD = "sd", _("Primary school (SD)")
    SMP = "smp", _("Junior high school (SMP)")
    SMA = "sma", _("Senior/vocational high school (SMA/SMK)")
    DIPLOMA = "diploma", _("Diploma (D1-D3)")
    BACHELOR = "bachelor", _("Bachelor (D4/S1)")
    MASTER = "master", _("Master (S2)")
    DOCTORATE = "doctorate", _("Doctorate (S3)")


class WorkStatus(models.TextChoices):
    JOB_SEEKER = "job_seeker", _("Looking for work")
    LAID_OFF = "laid_off", _("Laid off")
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Small business owner")


class IdentityStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn (NIK released)")


# Only these hold their NIK and family-card slot; a rejected or withdrawn identity frees both, so
# nobody can keep a NIK from its owner by leaving a failed submission behind.
IDENTITY_HOLDS_NIK = [IdentityStatus.PENDING, IdentityStatus.VERIFIED]


def id_card_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"id-cards/{uuid.uuid4().hex}.{ext}"


class Identity(models.Model):
    """The participant's identity and eligibility (profile step). One pending or verified
    identity per NIK; at most two per family card: `kk_slot` is 1 or 2 and unique per KK among
    pending and verified identities, so the database refuses a third account even when requests
    race. A resubmission after a rejection or withdrawal waits for a PMO review
    (`review_required`) with an ID-card photo uploaded after `released_at`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identity",
        verbose_name=_("user"),
    )
    nik = models.CharField(_("NIK"), max_length=16)
    kk_number = models.CharField(_("family card (KK) number"), max_length=16)
    kk_slot = models.PositiveSmallIntegerField(editable=False)
    full_name = models.CharField(_("full name as on the ID card"), max_length=150)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    province = models.CharField(_("province"), max_length=2)
    city = models.CharField(_("city or regency"), max_length=100)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    work_status = models.CharField(_("work status"), max_length=20, choices=WorkStatus.choices)
    declared_not_student = models.BooleanField(default=False)
    declared_not_official = models.BooleanField(default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=IdentityStatus.choices,
        default=IdentityStatus.PENDING,
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    released_at = models.DateTimeField(
        _("NIK released"),
        null=True,
        blank=True,
        help_text=_("When the identity was last rejected or withdrawn."),
    )
    review_required = models.BooleanField(
        _("waiting for PMO review"),
        default=False,
        help_text=_("Resubmitted after a rejection or withdrawal: only a PMO admin verifies it."),
    )
    id_card = models.FileField(_("ID card photo"), upload_to=id_card_path, blank=True)
    id_card_uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(
                fields=["nik"],
                condition=Q(status__in=IDENTITY_HOLDS_NIK),
                name="identity_one_per_nik",
            ),
            models.UniqueConstraint(
                fields=["kk_number", "kk_slot"],
                condition=Q(status__in=IDENTITY_HOLDS_NIK),
                name="identity_two_per_kk",
            ),
            models.CheckConstraint(condition=Q(kk_slot__in=[1, 2]), name="identity_kk_slot_1_2"),
        ]
        indexes = [
            models.Index(fields=["status"], name="identity_by_status"),
            models.Index(fields=["nik"], name="identity_by_nik"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({mask_nik(self.nik)})"

    def audit_label(self) -> str:
        return f"identity #{self.pk} of user #{self.user_id}"
