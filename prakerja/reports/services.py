"""Writes of the reports app: keeping facts and rollups in step with tickets and surveys.

Helpdesk and surveys call `ticket_fact_sync` explicitly (inside their own transaction) whenever a
ticket or its survey changes; live chat calls `chat_deflection_record` when an article solves a
chat. Rollups are never written anywhere else, except by `rollup_rebuild` and the importer; the
phone and chat queue rollup is rewritten from the calls and chats by `contact_rollup_refresh`.
"""

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max, Min
from django.forms.models import model_to_dict

from prakerja.core import clock
from prakerja.helpdesk import hours
from prakerja.surveys.models import Survey

from . import contacts, rollups
from .definitions import duration_bucket, local_date_hour
from .models import ContactDailyRollup, DeflectionRollup, TicketFact

FACT_FIELDS = [
    f.name for f in TicketFact._meta.concrete_fields if f.name not in ("id", "ticket", "reference")
]
CLOSED_STATUSES = ("resolved", "closed")


def _survey_states(tickets) -> dict[int, tuple[bool, int | None]]:
    """Per ticket id: (a survey was sent, the rating of the latest answered one)."""
    rows = (
        Survey.objects.filter(ticket__in=[t.pk for t in tickets])
        .order_by("-answered_at", "-id")
        .values_list("ticket_id", "answered_at", "rating")
    )
    states: dict[int, tuple[bool, int | None]] = {}
    answered: set[int] = set()
    for ticket_id, answered_at, rating in rows:
        states.setdefault(ticket_id, (True, None))
        if answered_at is not None and ticket_id not in answered:
            answered.add(ticket_id)
            states[ticket_id] = (True, rating)
    return states


def ticket_fact_values(*, ticket, schedule=None, survey_state=None) -> dict:
    """The fact row for a live ticket, derived from the ticket and its surveys (`survey_state`:
    the ticket's entry of `_survey_states`, read here when not given)."""
    schedule = schedule or hours.current_schedule()
    local_date, local_hour = local_date_hour(ticket.created_at)
    values: dict = {
        "channel": ticket.channel,
        "category": ticket.category.slug,
        "agent": ticket.assignee.get_username() if ticket.assignee_id else "",
        "created_at": ticket.created_at,
        "local_date": local_date,
        "local_hour": local_hour,
        "is_open": ticket.status not in CLOSED_STATUSES,
        "first_response_at": ticket.first_response_at,
        "first_response_seconds": None,
        "first_response_bucket": None,
        "first_response_sla_met": None,
        "resolved_at": None,
        "resolution_seconds": None,
        "resolution_bucket": None,
        "resolution_sla_met": None,
    }
    if ticket.first_response_at:
        seconds = hours.business_seconds_between(
            ticket.created_at, ticket.first_response_at, schedule=schedule
        )
        values["first_response_seconds"] = seconds
        values["first_response_bucket"] = duration_bucket(seconds)
        if ticket.first_response_due_at:
            values["first_response_sla_met"] = (
                ticket.first_response_at <= ticket.first_response_due_at
            )
    # A reopened ticket is not resolved, whatever its old resolved_at says.
    if ticket.resolved_at and ticket.status in CLOSED_STATUSES:
        seconds = hours.business_seconds_between(
            ticket.created_at, ticket.resolved_at, schedule=schedule
        )
        values["resolved_at"] = ticket.resolved_at
        values["resolution_seconds"] = seconds
        values["resolution_bucket"] = duration_bucket(seconds)
        if ticket.resolution_due_at:
            values["resolution_sla_met"] = ticket.resolved_at <= ticket.resolution_due_at
    if survey_state is None:
        survey_state = _survey_states([ticket]).get(ticket.pk, (False, None))
    values["survey_sent"], values["rating"] = survey_state
    return values


def _fact_dict(fact: TicketFact | None) -> dict | None:
    if fact is None:
        return None
    return model_to_dict(fact, fields=FACT_FIELDS)


@transaction.atomic
def ticket_fact_sync(*, ticket) -> TicketFact:
    """Bring the ticket's fact row and every rollup in line with the ticket as it is now.

    Call it inside the transaction that changed the ticket or its survey (after the change is
    saved). Locks the fact row, so two changes to one ticket apply one after the other. Applies
    "new contributions minus old ones" to the rollups; a no-op when nothing reported changed.
    """
    return ticket_facts_sync(tickets=[ticket])[0]


@transaction.atomic
def ticket_facts_sync(*, tickets) -> list[TicketFact]:
    """`ticket_fact_sync` for many tickets at once (the intake batch), with a fixed number of
    statements: the facts locked in one read, the surveys in one, new facts in one INSERT, and
    the rollups' differences of all the tickets summed into one INSERT per rollup table (readers
    sum per key, so the totals are those of syncing the tickets one by one). Returns the facts
    in the order of `tickets`."""
    existing = {
        fact.ticket_id: fact
        for fact in TicketFact.objects.select_for_update().filter(
            ticket__in=[t.pk for t in tickets]
        )
    }
    surveys = _survey_states(tickets)
    schedule = hours.current_schedule()
    facts, created, deltas = [], [], []
    for ticket in tickets:
        fact = existing.get(ticket.pk)
        new = ticket_fact_values(
            ticket=ticket, schedule=schedule, survey_state=surveys.get(ticket.pk, (False, None))
        )
        old = _fact_dict(fact)
        if fact is None:
            fact = TicketFact(ticket=ticket, reference=ticket.reference, **new)
            created.append(fact)
        elif old != new:
            for name, value in new.items():
                setattr(fact, name, value)
            fact.save()
        facts.append(fact)
        deltas.append(rollups.diff(old, new))
    TicketFact.objects.bulk_create(created)
    rollups.apply(rollups.combine(deltas))
    return facts


@transaction.atomic
def chat_deflection_record(*, at: dt.datetime) -> None:
    """Count one chat solved by a knowledge-base article (no ticket) on its WIB day."""
    local_date, _ = local_date_hour(at)
    DeflectionRollup.objects.create(local_date=local_date, chats=1)  # append-only, see models


def rollup_rebuild(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dt.date, dt.date] | None:
    """Recompute the ticket rollups of [start, end] (default: every date) from the facts, in one
    transaction: delete the range, then one GROUP BY per rollup table over the facts.

    Deflections are counted as they happen and have no facts, so they are kept. Returns the range
    rebuilt (None when there are no facts); `progress(done, total)` after each rollup table.
    """
    if start is None or end is None:
        bounds = TicketFact.objects.aggregate(lo=Min("local_date"), hi=Max("local_date"))
        start = start or bounds["lo"]
        end = end or bounds["hi"]
    if start is None or end is None or end < start:
        return None
    with transaction.atomic():
        rollups.delete_range(start, end)
        rollups.insert_from_sql(
            TicketFact._meta.db_table,
            "local_date >= %s AND local_date <= %s",
            [start, end],
            progress=progress,
        )
    return start, end


def rollups_compact(*, start: dt.date | None = None, end: dt.date | None = None) -> None:
    """Fold the appended rollup rows of [start, end] (default: everything before today, WIB)
    into one row per key. Sums do not change; reads get cheaper. Run daily
    (`manage.py compact_rollups`); the importer runs it over the dates it loaded."""
    end = end or clock.local_now().date() - dt.timedelta(days=1)
    start = start or dt.date(2000, 1, 1)
    with transaction.atomic():
        rollups.compact(start, end)


@transaction.atomic
def contact_rollup_refresh(*, start: dt.date, end: dt.date) -> None:
    """Rewrite the phone and chat queue rollup of [start, end] from the calls and chats tables."""
    ContactDailyRollup.objects.filter(local_date__gte=start, local_date__lte=end).delete()
    ContactDailyRollup.objects.bulk_create(
        ContactDailyRollup(**{k: row[k] for k in ("local_date", "channel", *contacts.COUNTS)})
        for row in contacts.contact_day_rows(start, end)
    )


def contact_rollup_refresh_recent() -> None:
    """Scheduler job: the days still read live, and the one before them (its late events)."""
    start, end = contacts.live_days(clock.local_now().date())
    contact_rollup_refresh(start=start - dt.timedelta(days=1), end=end)
