"""Calls carried by the PBX, the events it reported, agents' extensions and the callback list.

A `Call` is derived from its `CallEvent`s (services.call_event_record recomputes it on every new
event), so events may arrive twice or out of order. Writes go through services.py only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    IN = "in", _("Incoming")
    OUT = "out", _("Outgoing")


class EventType(models.TextChoices):
    NEW_CALL = "newCall", _("New call")
    ANSWER = "answer", _("Answered")
    HANGUP = "hangup", _("Hung up")


class HangupCause(models.TextChoices):
    NORMAL_CLEARING = "normalClearing", _("Normal clearing")
    BUSY = "busy", _("Busy")
    CANCEL = "cancel", _("Cancelled by the caller")
    NO_ANSWER = "noAnswer", _("No answer")
    CONGESTION = "congestion", _("Congestion")
    NOT_FOUND = "notFound", _("Not found")
    FORWARDED = "forwarded", _("Forwarded")


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    TALKING = "talking", _("Talking")
    ENDED = "ended", _("Ended")


class CallOutcome(models.TextChoices):
    NONE = "", _("In progress")
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")
    ABANDONED = "abandoned", _("Abandoned")
    OUTSIDE_HOURS = "outside_hours", _("Outside hours")


UNANSWERED_OUTCOMES = (CallOutcome.MISSED, CallOutcome.ABANDONED, CallOutcome.OUTSIDE_HOURS)


class AgentExtension(models.Model):
    """The PBX extension an agent answers on; the `agent` of an `answer` event is an extension
    or a username."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_extension",
        verbose_name=_("agent"),
    )
    extension = models.CharField(_("extension"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("agent extension")
        verbose_name_plural = _("agent extensions")

    def __str__(self) -> str:
        return self.extension


class Callback(models.Model):
    """One number to call back. Missed calls from the same number while it is open are grouped
    into it. Claimed atomically by one agent (services.callback_claim)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLAIMED = "claimed", _("Claimed")
        DONE = "done", _("Done")

    class Result(models.TextChoices):
        NONE = "", _("Not yet")
        REACHED = "reached", _("Reached the caller")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        CALLER_CALLED_AGAIN = "caller_called_again", _("Caller called again and was answered")

    number = models.CharField(_("number"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    missed_count = models.PositiveIntegerField(_("missed calls"), default=0)
    first_missed_at = models.DateTimeField(_("first missed"))
    last_missed_at = models.DateTimeField(_("last missed"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=24, choices=Result, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("completed by"),
    )

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [
            # Grouping: at most one open (or claimed) callback per number.
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(status="done"),
                name="callback_one_pending_per_number",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "first_missed_at"], name="callback_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.missed_count})"

    def audit_label(self) -> str:
        return f"callback #{self.pk}"


class Call(models.Model):
    """One call as the PBX reported it, recomputed from its events."""

    call_id = models.CharField(_("call id"), max_length=100, unique=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction, default="in")
    from_raw = models.CharField(_("from (as sent)"), max_length=64, blank=True)
    to_raw = models.CharField(_("to (as sent)"), max_length=64, blank=True)
    # The outside party in E.164 ("" when hidden or not a phone number): the caller on incoming
    # calls, the dialled party on outgoing ones.
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True)
    dialled_number = models.CharField(_("dialled number"), max_length=64, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_calls",
        verbose_name=_("agent"),
    )
    agent_label = models.CharField(_("agent (as sent)"), max_length=150, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=CallState, default="ringing")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome, blank=True)
    hangup_cause = models.CharField(
        _("hang-up cause"), max_length=16, choices=HangupCause, blank=True
    )
    ringing_at = models.DateTimeField(_("ringing"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    waiting_seconds = models.PositiveIntegerField(_("waiting (s)"), null=True, blank=True)
    talking_seconds = models.PositiveIntegerField(_("talking (s)"), null=True, blank=True)
    transfers = models.PositiveSmallIntegerField(_("transfers"), default=0)
    manual = models.BooleanField(_("logged by hand"), default=False)
    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("ticket"),
    )
    # The agent closed the screen-pop panel for this call (the polling fallback stops showing it).
    pop_closed = models.BooleanField(_("screen-pop closed"), default=False)
    callback = models.ForeignKey(
        Callback,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("callback"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["-ringing_at"], name="call_recent"),
            models.Index(fields=["agent", "-answered_at"], name="call_agent_recent"),
            models.Index(fields=["caller_number", "-ringing_at"], name="call_by_number"),
        ]

    def __str__(self) -> str:
        return self.call_id


class CallEvent(models.Model):
    """One event as received. (call_id, event, key) is unique, so a resent event is a no-op;
    `key` is the agent for `answer` (a transfer is a second answer by another agent), else ""."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    call_id_raw = models.CharField(_("call id"), max_length=100)
    event = models.CharField(_("event"), max_length=8, choices=EventType)
    key = models.CharField(_("key"), max_length=150, blank=True)
    occurred_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received"))
    payload = models.JSONField(_("payload"))

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        constraints = [
            models.UniqueConstraint(fields=["call_id_raw", "event", "key"], name="call_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id_raw} {self.event}"
