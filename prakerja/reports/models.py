"""Report facts and rollups.

`TicketFact` is one row per report (ticket): the live helpdesk tickets, mirrored by
`services.ticket_fact_sync`, and historical reports loaded by `import_tickets`. It holds exactly what
the reports need, already derived (WIB date and hour, business seconds, histogram buckets, SLA
outcome, survey state), so rollups can be rebuilt with one GROUP BY.

The rollups hold sums per WIB day and are what the report pages and the API read; a year is a few
thousand rollup rows instead of millions of tickets. They are append-only: a change to a ticket
INSERTs rows holding the differences (+1 here, -1 there), and readers SUM per key. So writers never
lock a shared row: no hot "today" row serializing every ticket write, and no deadlocks between
concurrent ticket changes. `rollups_compact` (daily, and after imports/rebuilds) folds the rows of
each key into one. They change only through `rollups.apply`, `rollup_rebuild`, `rollups_compact`
and the importer.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketFact(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    # Null for imported history (there is no conversation to work on) and for purged tickets.
    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_facts",
        db_index=False,  # the partial unique index below serves look-ups by ticket
    )
    channel = models.CharField(_("channel"), max_length=16)
    category = models.CharField(_("category"), max_length=50)
    agent = models.CharField(_("agent"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"))
    local_date = models.DateField(_("date (WIB)"))
    local_hour = models.PositiveSmallIntegerField(_("hour (WIB)"))
    is_open = models.BooleanField(_("open"), default=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_response_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    first_response_sla_met = models.BooleanField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    resolution_sla_met = models.BooleanField(null=True, blank=True)
    survey_sent = models.BooleanField(_("survey sent"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket fact")
        verbose_name_plural = _("ticket facts")
        # No index on local_date on purpose: only rebuilds read facts by date, and they scan
        # anyway; every index costs each of millions of imported rows.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="fact_rating_1_5",
            ),
            # One fact per live ticket; partial, so millions of imported rows (no ticket) cost
            # nothing in this index.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ticket__isnull=False),
                name="fact_one_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class DailyRollup(models.Model):
    """Per WIB day, channel and category: what the summary API and the totals read."""

    local_date = models.DateField()
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=50)
    tickets = models.BigIntegerField(default=0)
    open_tickets = models.BigIntegerField(default=0)
    surveys_sent = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    rating_sum = models.BigIntegerField(default=0)
    first_responses = models.BigIntegerField(default=0)
    first_response_seconds = models.BigIntegerField(default=0)
    first_response_sla_met = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)
    resolution_sla_met = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["local_date", "channel"], name="rollup_daily_key")]

    def __str__(self) -> str:
        return f"{self.local_date} {self.channel} {self.category}"


class ChannelDailyRollup(models.Model):
    """Per WIB day and channel: just what the summary API needs (three rows a day), so a whole
    year's summary sums about a thousand rows."""

    local_date = models.DateField()
    channel = models.CharField(max_length=16)
    tickets = models.BigIntegerField(default=0)
    surveys_sent = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["local_date", "channel"], name="rollup_channel_key")]

    def __str__(self) -> str:
        return f"{self.local_date} {self.channel}"


class AgentDailyRollup(models.Model):
    """Per WIB day, agent and channel: per-agent productivity."""

    local_date = models.DateField()
    agent = models.CharField(max_length=150)
    channel = models.CharField(max_length=16)
    tickets = models.BigIntegerField(default=0)
    open_tickets = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    first_responses = models.BigIntegerField(default=0)
    first_response_seconds = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["local_date", "agent"], name="rollup_agent_key")]

    def __str__(self) -> str:
        return f"{self.local_date} {self.agent} {self.channel}"


class HourlyRollup(models.Model):
    """Per WIB day, hour and channel: the day-of-week x hour heatmap."""

    local_date = models.DateField()
    hour = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=16)
    tickets = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["local_date", "hour"], name="rollup_hourly_key")]

    def __str__(self) -> str:
        return f"{self.local_date} {self.hour:02d} {self.channel}"


class DurationMetric(models.TextChoices):
    FIRST_RESPONSE = "fr", _("First response")
    RESOLUTION = "res", _("Resolution")


class DurationRollup(models.Model):
    """Histogram of business-seconds durations per WIB day and channel (for medians and p90)."""

    local_date = models.DateField()
    channel = models.CharField(max_length=16)
    metric = models.CharField(max_length=3, choices=DurationMetric.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["local_date", "metric"], name="rollup_duration_key")]

    def __str__(self) -> str:
        return f"{self.local_date} {self.channel} {self.metric} {self.bucket}"


class DeflectionRollup(models.Model):
    """Chats solved by a knowledge-base article without a ticket, per WIB day."""

    local_date = models.DateField(db_index=True)
    chats = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.local_date} {self.chats}"


class ContactDailyRollup(models.Model):
    """Per WIB day and live channel (phone, chat): contacts offered to the queue, answered,
    answered within the target, seconds to answer and abandoned; chat also counts every chat
    started (deflected and left-a-message ones included), for the deflection rate.

    Unlike the ticket rollups, these rows are recomputed whole from the calls and chats tables
    (`contact_rollup_refresh`): a day is final once its late events are in, so the scheduler
    rewrites the last days and readers compute the most recent ones live."""

    local_date = models.DateField()
    channel = models.CharField(max_length=16)
    started = models.BigIntegerField(default=0)
    offered = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    answered_in_target = models.BigIntegerField(default=0)
    answer_seconds = models.BigIntegerField(default=0)
    abandoned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["local_date", "channel"], name="rollup_contact_key")
        ]

    def __str__(self) -> str:
        return f"{self.local_date} {self.channel}"
