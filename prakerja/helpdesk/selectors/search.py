"""Ticket search: exact look-ups by index (reference, e-mail, phone, NIK), text through the full-
text index."""

import re

from django.db import connection
from django.db.models import (
    BooleanField,
    F,
    Q,  # pragma: no cover - other databases: a scan
)
from django.db.models.expressions import RawSQL

from prakerja.accounts.models import Identity
from prakerja.accounts.phones import normalize_phone
from prakerja.core.errors import Forbidden
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from ..models import Ticket
from ..references import normalize_reference

NIK_RE = r"^\d{16}$"


def _users_for_nik(nik: str) -> list[int]:
    """User ids with this NIK (accounts' identities hold it, unique)."""
    return list(Identity.objects.filter(nik=nik).values_list("user_id", flat=True))


def ticket_search(*, user, query: str, limit: int = 25) -> list[Ticket]:
    """Search by reference, e-mail, phone, NIK (16 digits) or text in the subject or the
    requester's name. Exact lookups use their indexes; text uses the full-text index."""
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
    condition = Q()
    for word in words:
        condition &= Q(subject__icontains=word) | Q(requester_name__icontains=word)
    return list(qs.filter(condition).order_by("-id")[:limit])
