from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock
from prakerja.switches.models import SwitchName


class Announcement(models.Model):
    """Pengumuman: a banner while live, listed on the announcements page and in the Atom feed.
    Live = published, not expired and, when tied to a switch, while that switch is on."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    publish_at = models.DateTimeField(_("publish at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    show_banner = models.BooleanField(_("show as banner"), default=True)
    while_switch_on = models.CharField(
        _("live only while this switch is on"),
        max_length=40,
        choices=SwitchName.choices,
        blank=True,
        default="",
        help_text=_(
            "For news about registration or account linking: while that switch is off the "
            "announcement leaves the banner and the live list, so it never contradicts it."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-publish_at", "-id"]
        indexes = [models.Index(fields=["-publish_at"], name="announcement_live")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("publish_at")),
                name="announcement_expires_after_publish",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programs:announcement", args=[self.pk])


class WaveState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    SELECTION = "selection", _("Selection")
    ANNOUNCED = "announced", _("Announced")


class Wave(models.Model):
    """Gelombang. The state is derived from the clock and the selection run (`state_at`)."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    quota = models.PositiveIntegerField(_("quota"))
    selection_ran_at = models.DateTimeField(_("selection ran at"), null=True, blank=True)
    announce_at = models.DateTimeField(
        _("results published at"),
        null=True,
        blank=True,
        help_text=_("When participants see the selection result; set when selection runs."),
    )
    # The benefit scheme of the wave (2020-2022 defaults); a card copies it when it is issued.
    training_balance = models.PositiveIntegerField(_("training balance (Rp)"), default=1_000_000)
    first_purchase_days = models.PositiveSmallIntegerField(
        _("days to buy the first training"),
        default=30,
        help_text=_("Counted from the publication of results; the card is revoked after that."),
    )
    card_valid_days = models.PositiveSmallIntegerField(_("card valid for (days)"), default=365)
    # Set once, by the conditional update that claims the wave for the result messages.
    results_notified_at = models.DateTimeField(
        _("participants notified of the results at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="wave_opens_before_closing"
            )
        ]
        indexes = [
            models.Index(
                fields=["announce_at"],
                condition=Q(results_notified_at__isnull=True, announce_at__isnull=False),
                name="wave_results_to_notify",
            )
        ]

    def __str__(self) -> str:
        return f"{_('Wave')} {self.number}"

    def state_at(self, moment) -> str:
        """Open only between the opening and closing times and while selection has not run (a
        run ends the wave for good, even if its closing time is moved later)."""
        if moment < self.opens_at:
            return WaveState.UPCOMING
        if self.selection_ran_at is None:
            return WaveState.OPEN if moment < self.closes_at else WaveState.CLOSED
        if self.announce_at is None or moment < self.announce_at:
            return WaveState.SELECTION
        return WaveState.ANNOUNCED


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for selection")
    SELECTED = "selected", _("Selected")
    REJECTED = "rejected", _("Not selected")


class Application(models.Model):
    """A participant joining a wave. One pending application at a time; once selected, done."""

    wave = models.ForeignKey(
        Wave, on_delete=models.PROTECT, related_name="applications", verbose_name=_("wave")
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("participant"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    joined_at = models.DateTimeField(_("joined at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("wave application")
        verbose_name_plural = _("wave applications")
        ordering = ["-joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "participant"], name="application_once_per_wave"
            ),
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="pending"),
                name="application_one_pending",
            ),
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="selected"),
                name="application_selected_once",
            ),
        ]
        indexes = [
            models.Index(fields=["wave", "status", "joined_at"], name="application_selection"),
            models.Index(fields=["participant", "-joined_at"], name="application_by_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.wave} · {self.participant}"

    def audit_label(self) -> str:
        return f"{self.wave} · user #{self.participant_id}"

    @property
    def public_status(self) -> str:
        """What the participant may see now: the result only once the wave's results are out."""
        if self.wave.state_at(clock.now()) == WaveState.ANNOUNCED:
            return self.status
        return ApplicationStatus.PENDING


class SkillsTopic(models.TextChoices):
    LITERACY = "literacy", _("Literacy")
    NUMERACY = "numeracy", _("Numeracy")
    LOGIC = "logic", _("Logic")


class SkillsQuestion(models.Model):
    """A question of the basic skills test (Tes Kemampuan Dasar) bank. Inactive ones are no
    longer drawn; attempts keep pointing at them."""

    text = models.TextField(_("question"))
    topic = models.CharField(_("topic"), max_length=10, choices=SkillsTopic.choices)
    active = models.BooleanField(_("drawn in new attempts"), default=True)

    class Meta:
        verbose_name = _("skills test question")
        verbose_name_plural = _("skills test questions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:80]


class SkillsChoice(models.Model):
    question = models.ForeignKey(
        SkillsQuestion, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=Q(is_correct=True), name="skills_one_correct_choice"
            )
        ]

    def __str__(self) -> str:
        return self.text


class SkillsAttemptStatus(models.TextChoices):
    STARTED = "started", _("In progress")
    SUBMITTED = "submitted", _("Completed")
    EXPIRED = "expired", _("Time ran out")


class SkillsTestAttempt(models.Model):
    """One sitting of the basic skills test: the questions drawn for it (`answers`, the choice
    empty until submitted), its deadline and, once submitted in time, the score (0-100)."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="skills_attempts",
        verbose_name=_("participant"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SkillsAttemptStatus.choices,
        default=SkillsAttemptStatus.STARTED,
    )
    started_at = models.DateTimeField(_("started at"))
    deadline_at = models.DateTimeField(_("answers due by"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("skills test attempt")
        verbose_name_plural = _("skills test attempts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="started"),
                name="skills_one_attempt_in_progress",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="submitted", score__lte=100, completed_at__isnull=False)
                    | (~Q(status="submitted") & Q(score__isnull=True, completed_at__isnull=True))
                ),
                name="skills_score_when_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "-started_at"], name="skills_attempts_by_user")
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.started_at:%Y-%m-%d %H:%M}"


class SkillsTestAnswer(models.Model):
    attempt = models.ForeignKey(SkillsTestAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SkillsQuestion, on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(
        SkillsChoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="skills_question_once")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.position}"
