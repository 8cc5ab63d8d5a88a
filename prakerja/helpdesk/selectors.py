"""Reads for the contact center. Tickets a requester owns are fetched through
`ticket_get_for_requester` / `ticket_get_for_tracking`; agents through `ticket_get_for_agent`."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from prakerja.accounts.models import Identity
from prakerja.core import clock
from prakerja.core.errors import Forbidden, NotFound
from prakerja.core.logging import mask_nik
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role
from prakerja.payouts.selectors import active_linked_account_for
from prakerja.programs.selectors import latest_application_for

from .models import Message, PresenceStatus, RosterEntry, Shift, Ticket


def presence_ttl() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "HELPDESK_PRESENCE_TTL_SECONDS", 90)))


def shifts_at(*, at: dt.datetime | None = None) -> QuerySet[Shift]:
    """Active shifts covering the Asia/Jakarta wall-clock time `at` (default now)."""
    local = clock.to_local(at or clock.now())
    return Shift.objects.filter(
        is_active=True, starts_at__lte=local.time(), ends_at__gt=local.time()
    )


def agents_on_shift(*, at: dt.datetime | None = None) -> QuerySet:
    """Users rostered on a shift covering `at` (any presence)."""
    at = at or clock.now()
    local = clock.to_local(at)
    on_roster = RosterEntry.objects.filter(date=local.date(), shift__in=shifts_at(at=at))
    return get_user_model().objects.filter(pk__in=on_roster.values("agent_id"), is_active=True)


def agents_available(*, at: dt.datetime | None = None) -> QuerySet:
    """Agents on shift now and online: presence `online` and seen within the presence TTL (a
    browser that went quiet expires). The routing pool."""
    at = at or clock.now()
    return agents_on_shift(at=at).filter(
        presence__status=PresenceStatus.ONLINE,
        presence__last_seen_at__gte=at - presence_ttl(),
    )


def effective_presence(presence, *, at: dt.datetime | None = None) -> str:
    """The status others should see: what the agent set, or offline when the heartbeat stopped."""
    if presence is None or presence.last_seen_at is None:
        return PresenceStatus.OFFLINE
    at = at or clock.now()
    if at - presence.last_seen_at > presence_ttl():
        return PresenceStatus.OFFLINE
    return presence.status


def ticket_get_for_agent(*, user, reference: str) -> Ticket:
    """A ticket for the workspace: any contact-center agent or supervisor may open any ticket."""
    from .services.tickets import normalize_reference

    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    ticket = (
        Ticket.objects.select_related("category", "assignee", "requester")
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_get_for_tracking(*, reference: str, email: str) -> Ticket:
    """A guest's lookup: reference and e-mail must both match; NotFound either way (no hint)."""
    from .services.tickets import normalize_reference

    email = (email or "").strip().lower()
    if not email or not reference:
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference), requester_email__iexact=email)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_get_for_requester(*, user, reference: str) -> Ticket:
    """A logged-in participant's own ticket; NotFound for anyone else's."""
    from .services.tickets import normalize_reference

    if not user.is_authenticated:
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference), requester=user)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def tickets_for_requester(*, user, limit: int = 50) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(requester=user)
        .select_related("category")
        .order_by("-created_at", "-id")[:limit]
    )


def message_resent(*, ticket_id: int, client_msg_id: str | None) -> Message | None:
    """The message of this ticket already stored under the client's id (a resend), if any."""
    if not client_msg_id:
        return None
    return (
        Message.objects.select_related("author")
        .filter(ticket_id=ticket_id, client_msg_id=client_msg_id)
        .first()
    )


def public_messages(ticket: Ticket):
    from .models import MessageKind

    return ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("created_at", "id")


# --- Agent queues ---------------------------------------------------------------------------------

QUEUES = ("unassigned", "mine", "pending", "open", "all")
COUNT_CAP = 1000  # queue badges count at most this many rows ("1000+"): bounded queries


def _encode_cursor(ticket: Ticket, *, field: str) -> str:
    value = getattr(ticket, field)
    return f"{value.timestamp():.6f}_{ticket.pk}"


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        stamp, pk = cursor.split("_", 1)
        return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def _queue_filter(qs, *, user, queue: str, channel: str = ""):
    from .models import ACTIVE_STATUSES, Channel, TicketStatus, unassigned_active

    if queue == "unassigned":
        qs = unassigned_active(qs)
    elif queue == "mine":
        qs = qs.filter(assignee=user, status__in=[TicketStatus.NEW, TicketStatus.OPEN])
    elif queue == "pending":
        qs = qs.filter(assignee=user, status=TicketStatus.PENDING)
    elif queue == "open":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if channel in Channel:
        qs = qs.filter(channel=channel)
    return qs


def ticket_queue(
    *, user, queue: str = "mine", channel: str = "", after: str = "", limit: int = 25
) -> tuple[list[Ticket], str | None]:
    """One page of a queue, keyset-paginated: the unassigned queue oldest first by creation,
    the others most recently updated first. Returns (tickets, cursor of the next page)."""
    from django.db.models import Q

    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    if queue not in QUEUES:
        queue = "mine"
    limit = max(1, min(limit, 100))
    qs = _queue_filter(Ticket.objects.all(), user=user, queue=queue, channel=channel)
    oldest_first = queue == "unassigned"
    field = "created_at" if oldest_first else "updated_at"
    position = _decode_cursor(after) if after else None
    if position is not None:
        moment, pk = position
        if oldest_first:
            qs = qs.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
        else:
            qs = qs.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=pk))
    order = ("created_at", "id") if oldest_first else ("-updated_at", "-id")
    rows = list(
        qs.select_related("category", "assignee")
        .only(
            "reference",
            "channel",
            "subject",
            "status",
            "priority",
            "requester_name",
            "requester_email",
            "created_at",
            "updated_at",
            "first_response_at",
            "first_response_due_at",
            "resolution_due_at",
            "category__slug",
            "category__name_id",
            "category__name_en",
            "assignee__username",
            "assignee__full_name",
        )
        .order_by(*order)[: limit + 1]
    )
    cursor = _encode_cursor(rows[limit - 1], field=field) if len(rows) > limit else None
    return rows[:limit], cursor


def queue_counts(*, user) -> dict[str, int]:
    """Badge counts per queue, each bounded to COUNT_CAP + 1 rows."""
    base = Ticket.objects.all()
    return {
        queue: _queue_filter(base, user=user, queue=queue).values("pk")[: COUNT_CAP + 1].count()
        for queue in ("unassigned", "mine", "pending")
    }


NIK_RE = r"^\d{16}$"


def _users_for_nik(nik: str) -> list[int]:
    """User ids with this NIK (accounts' identities hold it, unique)."""
    return list(Identity.objects.filter(nik=nik).values_list("user_id", flat=True))


def ticket_search(*, user, query: str, limit: int = 25) -> list[Ticket]:
    """Search by reference, e-mail, phone, NIK (16 digits) or text in the subject or the
    requester's name. Exact lookups use their indexes; text uses the full-text index."""
    import re

    from .services.tickets import normalize_phone, normalize_reference

    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    query = (query or "").strip()[:200]
    if not query:
        return []
    qs = Ticket.objects.select_related("category", "assignee").order_by("-created_at", "-id")
    digits = re.sub(r"[\s\-()+]", "", query)
    if re.match(NIK_RE, digits):
        return list(qs.filter(requester_id__in=_users_for_nik(digits))[:limit])
    if "@" in query:
        return list(qs.filter(requester_email=query.lower())[:limit])
    if digits.isdigit() and 8 <= len(digits) <= 15:
        try:
            phone = normalize_phone(query)
        except ValueError:
            phone = None
        if phone:
            return list(qs.filter(requester_phone=phone)[:limit])
    reference = normalize_reference(query)
    if len(reference) == 9:
        found = list(qs.filter(reference=reference)[:1])
        if found:
            return found
    return _text_search(qs, query, limit=limit)


# Must stay identical to the indexed expression of migration 0005 (tk_search).
TEXT_SEARCH_PG = (
    "to_tsvector('simple', \"helpdesk_ticket\".\"subject\" || ' ' || "
    '"helpdesk_ticket"."requester_name") @@ to_tsquery(\'simple\', %s)'
)
# The newest matches straight from the index (FTS5 walks its rowids backwards).
TEXT_SEARCH_SQLITE = (
    '"helpdesk_ticket"."id" IN (SELECT rowid FROM helpdesk_ticket_fts '
    "WHERE helpdesk_ticket_fts MATCH %s ORDER BY rowid DESC LIMIT %s)"
)
TEXT_SEARCH_WORDS = 8

# PostgreSQL: the newest rows checked directly before the index is asked (see _text_search).
TEXT_SEARCH_PG_RECENT = 2_000


def _text_search(qs, query: str, *, limit: int) -> list[Ticket]:
    """Tickets whose subject or requester's name has every word of `query` (each as a word
    prefix: "serti" finds "Sertifikat"), newest first, through the full-text index (PostgreSQL
    GIN over to_tsvector, SQLite FTS5): every ticket is searched, not a recent window.

    SQLite's FTS5 hands out the newest matches itself. A GIN index returns matches unordered,
    and PostgreSQL's estimate for a word prefix cannot tell a word in every ticket from one in
    none, so it may walk all tickets newest first testing each (seconds for a rare word). So:
    first the newest TEXT_SEARCH_PG_RECENT tickets (a common word fills the page there), then,
    when the page is not full, the index (a rare word: few matches), sorted by the database.
    """
    import re

    from django.db import connection
    from django.db.models import BooleanField, F
    from django.db.models.expressions import RawSQL

    words = re.findall(r"\w+", query.lower())[:TEXT_SEARCH_WORDS]
    if not words:
        return []
    if connection.vendor == "postgresql":
        condition = RawSQL(  # noqa: S611 - constant SQL; the words are parameters
            TEXT_SEARCH_PG, [" & ".join(f"{w}:*" for w in words)], output_field=BooleanField()
        )
        newest = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
        recent = list(
            qs.filter(condition, id__gt=newest - TEXT_SEARCH_PG_RECENT).order_by("-id")[:limit]
        )
        if len(recent) >= limit:
            return recent
        # `id + 0`: an order no index gives, so the plan is the GIN index, then a sort.
        return list(qs.filter(condition).order_by((F("id") + 0).desc())[:limit])
    if connection.vendor == "sqlite":
        # Each word quoted (FTS5 syntax is literal inside quotes) and asked as a prefix.
        fts_query = " AND ".join(f'"{word}"*' for word in words)
        condition = RawSQL(  # noqa: S611 - constant SQL; the words are parameters
            TEXT_SEARCH_SQLITE, [fts_query, limit], output_field=BooleanField()
        )
        return list(qs.filter(condition).order_by("-id")[:limit])
    from django.db.models import Q  # pragma: no cover - other databases: a scan

    condition = Q()
    for word in words:
        condition &= Q(subject__icontains=word) | Q(requester_name__icontains=word)
    return list(qs.filter(condition).order_by("-id")[:limit])


def requester_history(ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """Earlier tickets of the same requester on any channel (account, e-mail or phone).

    One query per identifier, each a short range of its own index (tk_by_requester,
    tk_by_email, tk_by_phone), merged here: an OR of the three makes SQLite scan."""
    lookups = [
        ("requester_id", ticket.requester_id),
        ("requester_email", ticket.requester_email),
        ("requester_phone", ticket.requester_phone),
    ]
    found: dict[int, Ticket] = {}
    for field, value in lookups:
        if not value:
            continue
        for row in (
            Ticket.objects.filter(**{field: value})
            .select_related("category")
            .only(
                "reference",
                "channel",
                "subject",
                "status",
                "created_at",
                "category__slug",
                "category__name_id",
                "category__name_en",
            )
            .order_by("-created_at")[: limit + 1]
        ):
            if row.pk != ticket.pk:
                found.setdefault(row.pk, row)
    return sorted(found.values(), key=lambda t: (t.created_at, t.pk), reverse=True)[:limit]


def requester_summary(ticket: Ticket) -> list[tuple[str, str]] | None:
    """The participant's program status for the requester panel as (label, value) rows, the NIK
    masked. None for guests."""
    if not ticket.requester_id:
        return None
    summary = participant_summary_for_agent(user=ticket.requester) or {}
    wave = summary.get("wave") or {}
    linked = summary.get("linked_account") or {}
    rows = [
        (_("NIK"), summary.get("nik_masked")),
        (_("Identity"), summary.get("identity_status")),
        (_("Wave"), wave.get("number") and f"{wave.get('number')} {wave.get('title') or ''}"),
        (_("Selection"), summary.get("selection_result")),
        (
            _("Linked account"),
            linked and f"{linked.get('provider', '')} {linked.get('number_masked', '')}",
        ),
        (_("Phone verified"), _("yes") if summary.get("phone_verified") else _("no")),
    ]
    # Defence in depth: whatever the summary holds, no full NIK reaches the page.
    return [(label, mask_nik(str(value)) if value else "—") for label, value in rows]


def new_messages_since(ticket: Ticket, *, since_id: int, viewer) -> list:
    """Messages by someone else added after `since_id` (collision guard)."""
    return list(
        ticket.messages.filter(pk__gt=since_id)
        .exclude(author=viewer)
        .select_related("author")
        .order_by("id")
    )


# --- Knowledge base -------------------------------------------------------------------------------


def articles_published(*, category_slug: str = "", query: str = "", limit: int = 50):
    from django.db.models import Q

    from .models import Article

    qs = Article.objects.filter(is_published=True).select_related("category")
    if category_slug:
        qs = qs.filter(category__slug=category_slug)
    query = (query or "").strip()[:100]
    if query:
        for word in query.split()[:5]:
            qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return list(qs[:limit])


STOPWORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "saya",
        "tidak",
        "bisa",
        "untuk",
        "dengan",
        "ini",
        "itu",
        "sudah",
        "akan",
        "ada",
        "atau",
        "the",
        "and",
        "to",
        "of",
        "is",
        "it",
        "my",
        "not",
        "can",
    ]
)


def articles_suggested(*, text: str, category_slug: str = "", limit: int = 3):
    """Articles that look relevant to what the requester is typing: ranked by how many of the
    text's words they contain (the knowledge base is small; this reads titles and bodies)."""
    import re

    from .models import Article

    words = {
        w for w in re.findall(r"[a-zA-Z\-]{4,}", (text or "").lower())[:60] if w not in STOPWORDS
    }
    if not words and not category_slug:
        return []
    scored = []
    for article in Article.objects.filter(is_published=True).select_related("category")[:500]:
        haystack = f"{article.title} {article.title} {article.body}".lower()
        score = sum(1 for w in words if w in haystack)
        if category_slug and article.category.slug == category_slug:
            score += 1
        if score:
            scored.append((score, article.position, article.title, article))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [item[3] for item in scored[:limit]]


def supervisor_board(*, at: dt.datetime | None = None) -> dict:
    """Who is on shift now, their effective presence and load; today's roster per shift; the
    unassigned queue size. A fixed number of queries whatever the team size."""
    from django.db.models import Count

    from .models import AgentPresence
    from .services.routing import agent_loads, default_limit

    at = at or clock.now()
    local = clock.to_local(at)
    on_shift = list(agents_on_shift(at=at).order_by("full_name", "username"))
    presences = {p.agent_id: p for p in AgentPresence.objects.filter(agent__in=on_shift)}
    loads = agent_loads([u.pk for u in on_shift])
    rows = []
    for user in on_shift:
        presence = presences.get(user.pk)
        rows.append(
            {
                "user": user,
                "status": effective_presence(presence, at=at),
                "load": loads.get(user.pk, 0),
                "limit": (presence.ticket_limit if presence and presence.ticket_limit else None)
                or default_limit(),
                "last_seen_at": presence.last_seen_at if presence else None,
            }
        )
    roster = (
        RosterEntry.objects.filter(date=local.date())
        .values("shift__name", "shift__starts_at", "shift__ends_at")
        .annotate(n=Count("id"))
        .order_by("shift__starts_at")
    )
    from .models import unassigned_active

    return {
        "rows": rows,
        "online": sum(1 for r in rows if r["status"] == PresenceStatus.ONLINE),
        "roster": list(roster),
        "unassigned": unassigned_active(Ticket.objects.all()).values("pk")[: COUNT_CAP + 1].count(),
        "shifts_now": list(shifts_at(at=at)),
        "at": local,
    }


CATEGORIES_CACHE_KEY = "helpdesk:categories:v1"
CATEGORIES_CACHE_SECONDS = 60


def active_categories() -> list:
    """The active categories in order, kept in the shared cache (every form render and intake
    needs them); `services.category_save` and `category_delete` drop it on commit."""
    from .models import Category

    return cache.get_or_set(
        CATEGORIES_CACHE_KEY,
        lambda: list(Category.objects.filter(is_active=True)),
        CATEGORIES_CACHE_SECONDS,
    )


def active_category(slug: str):
    return next((c for c in active_categories() if c.slug == slug), None)


def participant_summary_for_agent(*, user) -> dict:
    """What a contact-center agent may see about a participant (helpdesk requester panel,
    telephony screen-pop). Never the full NIK or account number.

    Keys: `user_id`, `full_name`, `email`, `phone`, `email_verified`, `phone_verified`,
    `nik_masked`, `identity_status`, `identity_rejection_reason`, `wave` (`{"number", "title"}` or
    None), `selection_result` (`pending` | `selected` | `rejected` | None), `linked_account`
    (`{"provider", "number_masked"}` or None). Parts not yet known are None.
    """
    summary = {
        "user_id": user.pk,
        "full_name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "email_verified": bool(getattr(user, "email_verified_at", None)),
        "phone_verified": bool(getattr(user, "phone_verified_at", None)),
        "nik_masked": None,
        "identity_status": None,
        "identity_rejection_reason": None,
        "wave": None,
        "selection_result": None,
        "linked_account": None,
    }
    summary.update(_identity_part(user))
    summary.update(_wave_part(user))
    summary.update(_linking_part(user))
    return summary


def _identity_part(user) -> dict:
    identity = getattr(user, "identity", None) if hasattr(user, "identity") else None
    if identity is None:
        return {}
    return {
        "nik_masked": mask_nik(identity.nik),
        "identity_status": identity.status,
        "identity_rejection_reason": identity.rejection_reason or None,
    }


def _wave_part(user) -> dict:
    application = latest_application_for(participant=user)
    if application is None:
        return {}
    return {
        "wave": {"number": application.wave.number, "title": application.wave.title},
        "selection_result": application.public_status,
    }


def _linking_part(user) -> dict:
    account = active_linked_account_for(user=user)
    if account is None:
        return {}
    return {
        "linked_account": {
            "provider": account.provider.name,
            "number_masked": account.masked_number,
        }
    }
