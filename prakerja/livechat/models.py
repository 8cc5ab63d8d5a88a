"""Live chat: one `Chat` per conversation request; the transcript is its helpdesk ticket's thread.

A chat starts at the FAQ step. It is `deflected` when an article solved it (no ticket), `offline`
when it became a `web` ticket (out of hours / queue full), otherwise it is `queued` with a `chat`
ticket, `active` once routed to an agent, and `ended` at the end (by either side or by idling).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ChatState(models.TextChoices):
    QUEUED = "queued", _("Waiting for an agent")
    ACTIVE = "active", _("With an agent")
    ENDED = "ended", _("Ended")
    DEFLECTED = "deflected", _("Solved by an article")
    OFFLINE = "offline", _("Left a message")


class EndReason(models.TextChoices):
    PARTICIPANT = "participant", _("Ended by the participant")
    AGENT = "agent", _("Ended by the agent")
    IDLE = "idle", _("Closed after inactivity")


OPEN_STATES = (ChatState.QUEUED, ChatState.ACTIVE)


class Chat(models.Model):
    state = models.CharField(_("state"), max_length=12, choices=ChatState.choices)
    ticket = models.OneToOneField(
        "helpdesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chat",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="livechats",
    )
    requester_name = models.CharField(_("name"), max_length=150, blank=True)
    requester_email = models.EmailField(_("e-mail"), blank=True)
    question = models.TextField(_("first question"), blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="livechats_handled",
    )
    created_at = models.DateTimeField(_("created"))
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=12, choices=EndReason.choices, blank=True
    )
    last_activity_at = models.DateTimeField(_("last activity"))
    deflected_by = models.CharField(_("article that solved it"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            # the queue: oldest waiting first
            models.Index(fields=["state", "queued_at", "id"], name="livechat_queue_idx"),
            # an agent's open chats (load, workspace)
            models.Index(fields=["agent", "state"], name="livechat_agent_load_idx"),
            # idle sweep
            models.Index(fields=["state", "last_activity_at"], name="livechat_idle_idx"),
            # the queue metrics of a day (reports.contacts)
            models.Index(fields=["created_at"], name="livechat_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="active") | Q(agent__isnull=False),
                name="livechat_active_has_agent",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="livechat_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Chat {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ChatAgent(models.Model):
    """Per-agent live-chat settings; its row is the lock that keeps an agent under the limit."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="chat_settings",
    )
    max_concurrent_chats = models.PositiveSmallIntegerField(_("concurrent chat limit"), default=3)
    last_assigned_at = models.DateTimeField(_("last chat assigned"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat agent")
        verbose_name_plural = _("chat agents")

    def __str__(self) -> str:
        return str(self.agent)
