"""CSAT surveys: one row per request sent to a requester after their ticket was resolved."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    CHAT = "chat", _("In the chat")
    EMAIL = "email", _("E-mail link")
    SMS = "sms", _("SMS link")


# Ratings with their face and word, shown on every survey (chat, page, e-mail).
RATING_CHOICES = [
    (1, _("Very dissatisfied")),
    (2, _("Dissatisfied")),
    (3, _("Neutral")),
    (4, _("Satisfied")),
    (5, _("Very satisfied")),
]
RATING_FACES = {1: "\U0001f61e", 2: "\U0001f615", 3: "\U0001f610", 4: "\U0001f642", 5: "\U0001f604"}


class Survey(models.Model):
    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("ticket"),
    )
    channel = models.CharField(_("channel"), max_length=16)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, choices=RATING_CHOICES
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["ticket", "-sent_at"], name="survey_by_ticket")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, rating__isnull=True)
                | Q(answered_at__isnull=False, rating__isnull=False),
                name="survey_answer_has_rating",
            ),
            # A chat is one conversation: one inline survey, hence one answer.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(delivery="chat"), name="survey_one_per_chat"
            ),
        ]

    def __str__(self) -> str:
        return f"Survey {self.pk} ({self.ticket_id})"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
