"""Contact-center core: tickets and their threads, hours, shifts, presence, knowledge base.

Every write goes through `services.py`; these classes hold data and the invariants the database
can enforce (unique references, idempotent message resends, one presence row per agent).
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock


class Channel(models.TextChoices):
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    # Room for WHATSAPP = "whatsapp": a new choice, no schema change.


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Waiting on requester")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses in which a ticket still occupies its assignee (counted for the routing limit).
ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class LocalizedNameMixin(models.Model):
    name_id = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (translation.get_language() or "id")[:2]
        return self.name_en if lang == "en" and self.name_en else self.name_id


class Category(LocalizedNameMixin):
    """The managed complaint taxonomy; seeded by migration 0002."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]


def unassigned_active(qs):
    """`qs` narrowed to unassigned active tickets (the rows of tk_unassigned_oldest)."""
    return qs.filter(assignee__isnull=True, status__in=ACTIVE_STATUSES)


def claimable(qs):
    """`qs` narrowed to the tickets "take next" and routing hand out: unassigned and active,
    chats left out (live chat routes its own). The unassigned queue lists exactly these, so its
    count is what taking one after another would give."""
    return unassigned_active(qs).exclude(channel=Channel.CHAT)


class Ticket(models.Model):
    # Unique through Meta.constraints (a plain unique index: `unique=True` would add a second,
    # LIKE-pattern index on PostgreSQL that no query uses and every INSERT pays for).
    reference = models.CharField(_("reference"), max_length=12, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("category"),
        # No query looks tickets up by category (reports count from their own facts); the
        # index cost every intake a write. Deleting a category, which the PROTECT check makes a
        # scan, is a rare back-office act (categories are deactivated instead).
        db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_tickets",
        verbose_name=_("requester"),
        db_index=False,  # tk_by_requester leads with it
    )
    requester_name = models.CharField(_("requester name"), max_length=150, blank=True)
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    requester_phone = models.CharField(_("requester phone"), max_length=20, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
        db_index=False,  # tk_q_assignee leads with it
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # SLA watch (services.sla): warned once before the due time, escalated once past it.
    sla_warned_at = models.DateTimeField(_("SLA warning sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # The last public message's side, for "waiting on us" views and the collision guard.
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # Every queue is keyset-paginated on (-updated_at, -id) or, for the unassigned
            # queue, (created_at, id); each has an index that returns rows in that order.
            # "Mine" (new or open), in order, without walking the agent's closed history. Leaves
            # out unassigned rows, so a new ticket skips it at intake.
            models.Index(
                fields=["assignee", "-updated_at", "-id"],
                condition=Q(assignee__isnull=False, status__in=["new", "open"]),
                name="tk_q_mine",
            ),
            # "Waiting on requester" (one status), per-agent loads and the unassigned queue
            # (assignee IS NULL).
            models.Index(fields=["assignee", "status", "-updated_at", "-id"], name="tk_q_assignee"),
            # "All open" and "all open on a channel": partial, so closed history costs nothing.
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="tk_q_active",
            ),
            models.Index(
                fields=["channel", "-updated_at", "-id"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="tk_q_active_channel",
            ),
            # "All", newest activity first.
            models.Index(fields=["-updated_at", "-id"], name="tk_q_all"),
            # Unassigned queue and routing claims: oldest first.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(assignee__isnull=True, status__in=["new", "open", "pending"]),
                name="tk_unassigned_oldest",
            ),
            # SLA watch and the wallboard: tickets being worked, by the due time that applies
            # (first response until there is one, then resolution). Partial: small.
            models.Index(
                fields=["first_response_due_at"],
                condition=Q(status__in=["new", "open"], first_response_at__isnull=True),
                name="tk_sla_first_response",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(status__in=["new", "open"], first_response_at__isnull=False),
                name="tk_sla_resolution",
            ),
            # Auto-close: resolved tickets by resolution time. Small: a ticket leaves it when it
            # closes, a week after its resolution.
            models.Index(
                fields=["resolved_at"],
                condition=Q(status="resolved"),
                name="tk_resolved_autoclose",
            ),
            # Search and the requester panel's history.
            # Leaves out guests' tickets (no account), which skip it at intake.
            models.Index(
                fields=["requester", "-created_at"],
                condition=Q(requester__isnull=False),
                name="tk_by_requester",
            ),
            models.Index(fields=["requester_email", "-created_at"], name="tk_by_email"),
            models.Index(fields=["requester_phone", "-created_at"], name="tk_by_phone"),
            # Free-text search has its own index, made per database by migrations 0005 and 0008
            # (PostgreSQL: GIN over to_tsvector; SQLite: an FTS5 table kept in step by triggers).
        ]
        constraints = [models.UniqueConstraint(fields=["reference"], name="tk_reference_unique")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")
    SYSTEM = "system", _("System")


class Message(models.Model):
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("ticket"),
        db_index=False,  # msg_thread leads with it
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    author_name = models.CharField(_("author name"), max_length=150, blank=True)
    # True when written by the requester's side (guest or participant), False for staff/system.
    from_requester = models.BooleanField(_("from requester"), default=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC
    )
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"))
    # NULL (not "") when absent so the per-ticket uniqueness only binds real ids.
    client_msg_id = models.CharField(  # noqa: DJ001
        _("client message id"), max_length=64, null=True, blank=True
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="msg_unique_client_id_per_ticket",
            )
        ]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="msg_thread")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.pk} {self.kind}"


def attachment_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"helpdesk/{clock.local_now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Attachment(models.Model):
    """A file on a ticket. Stored under MEDIA_ROOT (never served directly); streamed by an
    access-checked view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class SlaTarget(models.Model):
    """Business-hours targets per priority; seeded by migration."""

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")

    def __str__(self) -> str:
        return self.get_priority_display()


# --- Operating hours ------------------------------------------------------------------------------


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyHours(models.Model):
    """One row per weekday (Asia/Jakarta wall clock). A weekday without a row is closed."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, unique=True)
    opens_at = models.TimeField(_("opens"), default=dt.time(8, 0))
    closes_at = models.TimeField(_("closes"), default=dt.time(20, 0))
    is_closed = models.BooleanField(_("closed all day"), default=False)

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["weekday"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_closed=True) | Q(closes_at__gt=models.F("opens_at")),
                name="weekly_hours_close_after_open",
            )
        ]

    def __str__(self) -> str:
        return str(self.get_weekday_display())


class HoursException(models.Model):
    """A dated change to the weekly schedule: closed all day or different hours."""

    date = models.DateField(_("date"), unique=True)
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens"), null=True, blank=True)
    closes_at = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hours exception")
        verbose_name_plural = _("hours exceptions")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_closed=True)
                | Q(
                    opens_at__isnull=False,
                    closes_at__isnull=False,
                    closes_at__gt=models.F("opens_at"),
                ),
                name="hours_exception_valid_times",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date}"


# --- Shifts, roster, presence ---------------------------------------------------------------------


class Shift(models.Model):
    """A shift definition on the Asia/Jakarta wall clock (default Pagi 08-14, Siang 14-20)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class RosterEntry(models.Model):
    """An agent works a shift on a date."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roster_entries",
        verbose_name=_("agent"),
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, related_name="roster_entries", verbose_name=_("shift")
    )
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        constraints = [
            models.UniqueConstraint(fields=["agent", "date", "shift"], name="roster_unique")
        ]
        indexes = [models.Index(fields=["date", "shift"], name="roster_by_date_shift")]

    def __str__(self) -> str:
        return f"{self.date} {self.shift_id} {self.agent_id}"


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentPresence(models.Model):
    """What the agent set, refreshed by the workspace's heartbeat. `online` counts only while
    `last_seen_at` is recent (PRESENCE_TTL_SECONDS): a closed browser goes quiet and expires."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="presence",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Per-agent cap on active tickets; null means settings.HELPDESK_AGENT_TICKET_LIMIT.
    ticket_limit = models.PositiveSmallIntegerField(_("ticket limit"), null=True, blank=True)
    changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # Tie-break for equally loaded agents: the one routed to longest ago goes first.
    last_routed_at = models.DateTimeField(_("last routed"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presence")
        indexes = [models.Index(fields=["status", "last_seen_at"], name="presence_online")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.status}"


# --- Canned responses and knowledge base ----------------------------------------------------------


class CannedResponse(models.Model):
    """A reply template; placeholders {name}, {reference}, {agent}, {category}."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    """A public knowledge-base (FAQ) article, written by supervisors."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=5, default="id")
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("knowledge base")
        ordering = ["category__position", "position", "title"]

    def __str__(self) -> str:
        return self.title
