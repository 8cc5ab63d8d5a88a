"""After selection: the Prakerja card and its training balance, the catalog that partner platforms
(mitra platform digital) push, purchases and their vouchers, completions, certificates, reviews.

Money is whole rupiah. The database holds the money rules: a balance never goes below zero, a
voucher code and a certificate number are unique, a course is bought once per card unless
cancelled, a purchase has at most one certificate and one review."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock


class Platform(models.Model):
    """A partner platform that sells trainings; it calls the partner API as its integration user."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_platform",
        verbose_name=_("integration user"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("partner platform")
        verbose_name_plural = _("partner platforms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """Lembaga pelatihan: who gives the training (a platform sells courses of many)."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("training institution")
        verbose_name_plural = _("training institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CourseMode(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")
    BLENDED = "blended", _("Blended")


class CourseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Course(models.Model):
    """A training as its platform pushed it (`external_id` is the platform's own key). Visible to
    participants only once approved. The rating figures are kept with the course because the
    catalog lists and sorts by them; they change only with a review, in the same transaction."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="courses", verbose_name=_("platform")
    )
    external_id = models.CharField(_("platform's course id"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("training institution"),
    )
    price = models.PositiveIntegerField(_("price (Rp)"))
    mode = models.CharField(_("mode"), max_length=10, choices=CourseMode.choices)
    category = models.CharField(_("category"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    hours = models.PositiveSmallIntegerField(_("hours"))
    schedule = models.TextField(
        _("schedule and place"), blank=True, help_text=_("For offline and blended trainings.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.PENDING
    )
    reviewed_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    # What the catalog's words are matched against: one column, so that PostgreSQL answers from
    # one trigram index instead of scanning every course and its institution (ADR 0037).
    search_text = models.TextField(_("search text"), default="", editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="course_external_id_per_platform"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "category", "price"], name="course_catalog_filter"),
            models.Index(fields=["status", "title", "id"], name="course_catalog_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = f"{self.title} {self.institution.name} {self.category}"
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "institution", "category"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Card(models.Model):
    """Kartu Prakerja: issued to a selected participant when the wave's results are published.
    Amounts and deadlines are copied from the wave when it is issued, so a later change to the
    wave's scheme does not rewrite a card. The status is computed from the clock (`status_at`), as
    switches are: a card whose first-purchase deadline has passed without a purchase is revoked
    before any job has run; `revoked_at` records when the program took the balance back."""

    participant = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prakerja_card",
        verbose_name=_("participant"),
    )
    application = models.OneToOneField(
        "programs.Application",
        on_delete=models.PROTECT,
        related_name="card",
        verbose_name=_("wave application"),
    )
    number = models.CharField(_("card number"), max_length=16, unique=True)
    initial_balance = models.PositiveIntegerField(_("training balance (Rp)"))
    balance = models.IntegerField(_("balance (Rp)"))
    issued_at = models.DateTimeField(_("issued at"))
    first_purchase_deadline = models.DateTimeField(_("first purchase by"))
    valid_until = models.DateTimeField(_("valid until"))
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("balance returned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Prakerja card")
        verbose_name_plural = _("Prakerja cards")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="card_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(balance__lte=F("initial_balance")), name="card_balance_within_initial"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{16}$"), name="card_number_16_digits"
            ),
        ]
        indexes = [
            models.Index(
                fields=["first_purchase_deadline"],
                condition=Q(first_purchase_at__isnull=True, revoked_at__isnull=True),
                name="card_revocation_due",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def status_at(self, moment) -> str:
        if self.revoked_at is not None or (
            self.first_purchase_at is None and moment >= self.first_purchase_deadline
        ):
            return CardStatus.REVOKED
        if moment >= self.valid_until:
            return CardStatus.EXPIRED
        return CardStatus.ACTIVE


class PurchaseStatus(models.TextChoices):
    PAID = "paid", _("Bought, not yet redeemed")
    REDEEMED = "redeemed", _("Redeemed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Purchase(models.Model):
    """A course bought with the card's balance. The voucher code is what the participant gives the
    platform; it is random (not derived from anything guessable) and unique."""

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("card")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("course")
    )
    price = models.PositiveIntegerField(_("price paid (Rp)"))
    voucher_code = models.CharField(_("voucher code"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PurchaseStatus.choices, default=PurchaseStatus.PAID
    )
    purchased_at = models.DateTimeField(_("bought at"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("final score"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "course"],
                condition=~Q(status="cancelled"),
                name="purchase_course_once_per_card",
            ),
        ]
        indexes = [
            models.Index(fields=["card", "-purchased_at"], name="purchase_by_card"),
            models.Index(fields=["course", "status"], name="purchase_by_course"),
        ]

    def __str__(self) -> str:
        return self.voucher_code


class Certificate(models.Model):
    """Issued by the platform when the participant completes the training; anyone can check its
    number on the public verification page."""

    purchase = models.OneToOneField(
        Purchase, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("purchase")
    )
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Review(models.Model):
    """Rating (1-5) and review of a completed training, required before incentives start."""

    purchase = models.OneToOneField(
        Purchase, on_delete=models.PROTECT, related_name="review", verbose_name=_("purchase")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("review"), max_length=2000)
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5"
