"""Rollups maintained incrementally equal a direct aggregate over the raw rows, after any
sequence of changes (hypothesis), and `rebuild_rollups` reproduces them."""

import datetime as dt
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prakerja.core.clock import JAKARTA, local_datetime
from prakerja.helpdesk import hours
from prakerja.helpdesk.models import Ticket
from prakerja.reports import definitions as d
from prakerja.reports.models import (
    AgentDailyRollup,
    ChannelDailyRollup,
    DailyRollup,
    DurationRollup,
    HourlyRollup,
)
from prakerja.reports.rollups import compact
from prakerja.surveys.models import Survey

from . import factories as f

pytestmark = pytest.mark.django_db

BASE = local_datetime(2026, 1, 30, 7, 0)

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            st.sampled_from(["chat", "phone", "web"]),
            st.sampled_from(["registration", "other"]),
            st.integers(0, 2),  # agent index (2 = unassigned)
        ),
        st.tuples(st.just("reply"), st.integers(0, 9)),
        st.tuples(st.just("resolve"), st.integers(0, 9)),
        st.tuples(st.just("reopen"), st.integers(0, 9)),
        st.tuples(st.just("answer"), st.integers(0, 9), st.integers(1, 5)),
        st.tuples(st.just("assign"), st.integers(0, 9), st.integers(0, 1)),
        st.tuples(st.just("category"), st.integers(0, 9), st.sampled_from(["account", "other"])),
    ),
    min_size=1,
    max_size=25,
)


def _nz(counts) -> dict:
    """Drop zero entries only (a negative count would be a bug and must show)."""
    return {k: v for k, v in dict(counts).items() if v != 0}


def _raw_aggregates() -> dict:
    """Computed straight from helpdesk tickets and survey rows, not from the facts."""
    schedule = hours.current_schedule()
    daily, agents, hourly, durations = (
        defaultdict(Counter),
        defaultdict(Counter),
        Counter(),
        Counter(),
    )
    latest_rating = {}
    surveyed = set()
    for s in Survey.objects.order_by("answered_at", "id"):
        surveyed.add(s.ticket_id)
        if s.answered_at is not None:
            latest_rating[s.ticket_id] = s.rating
    for t in Ticket.objects.select_related("category", "assignee"):
        local = t.created_at.astimezone(JAKARTA)
        key = (local.date(), t.channel, t.category.slug)
        agent = t.assignee.username if t.assignee else ""
        row = daily[key]
        arow = agents[(local.date(), agent, t.channel)]
        for r in (row, arow):
            r["tickets"] += 1
        resolved = t.status in ("resolved", "closed")
        if not resolved:
            row["open_tickets"] += 1
            arow["open_tickets"] += 1
        if t.id in surveyed:
            row["surveys_sent"] += 1
        rating = latest_rating.get(t.id)
        if rating is not None:
            row["responses"] += 1
            arow["responses"] += 1
            row["rating_sum"] += rating
            if rating >= 4:
                row["satisfied"] += 1
                arow["satisfied"] += 1
        if t.first_response_at:
            secs = hours.business_seconds_between(
                t.created_at, t.first_response_at, schedule=schedule
            )
            for r in (row, arow):
                r["first_responses"] += 1
                r["first_response_seconds"] += secs
            durations[(local.date(), t.channel, "fr", d.duration_bucket(secs))] += 1
            if t.first_response_due_at and t.first_response_at <= t.first_response_due_at:
                row["first_response_sla_met"] += 1
        if resolved:
            secs = hours.business_seconds_between(t.created_at, t.resolved_at, schedule=schedule)
            for r in (row, arow):
                r["resolved"] += 1
                r["resolution_seconds"] += secs
            durations[(local.date(), t.channel, "res", d.duration_bucket(secs))] += 1
            if t.resolution_due_at and t.resolved_at <= t.resolution_due_at:
                row["resolution_sla_met"] += 1
        hourly[(local.date(), local.hour, t.channel)] += 1
    channel_daily: dict = defaultdict(Counter)
    for (day, channel, _category), row in daily.items():
        for name in ("tickets", "surveys_sent", "responses", "satisfied"):
            channel_daily[(day, channel)][name] += row[name]
    return {
        "channel_daily": {k: _nz(v) for k, v in channel_daily.items() if _nz(v)},
        "daily": {k: _nz(v) for k, v in daily.items() if _nz(v)},
        "agents": {k: _nz(v) for k, v in agents.items() if _nz(v)},
        "hourly": _nz(hourly),
        "durations": _nz(durations),
    }


def _sum_rows(rows, key, fields) -> dict:
    """Rollup tables are append-only: a key's figures are the sum of its rows."""
    out: dict = defaultdict(Counter)
    for r in rows:
        for name in fields:
            out[key(r)][name] += getattr(r, name)
    return {k: _nz(v) for k, v in out.items() if _nz(v)}


def _rollup_aggregates() -> dict:
    fields = [
        "tickets",
        "open_tickets",
        "surveys_sent",
        "responses",
        "satisfied",
        "rating_sum",
        "first_responses",
        "first_response_seconds",
        "resolved",
        "resolution_seconds",
        "first_response_sla_met",
        "resolution_sla_met",
    ]
    agent_fields = [
        "tickets",
        "open_tickets",
        "responses",
        "satisfied",
        "first_responses",
        "first_response_seconds",
        "resolved",
        "resolution_seconds",
    ]
    hourly = _sum_rows(
        HourlyRollup.objects.all(), lambda r: (r.local_date, r.hour, r.channel), ["tickets"]
    )
    durations = _sum_rows(
        DurationRollup.objects.all(),
        lambda r: (r.local_date, r.channel, r.metric, r.bucket),
        ["count"],
    )
    return {
        "channel_daily": _sum_rows(
            ChannelDailyRollup.objects.all(),
            lambda r: (r.local_date, r.channel),
            ["tickets", "surveys_sent", "responses", "satisfied"],
        ),
        "daily": _sum_rows(
            DailyRollup.objects.all(), lambda r: (r.local_date, r.channel, r.category), fields
        ),
        "agents": _sum_rows(
            AgentDailyRollup.objects.all(),
            lambda r: (r.local_date, r.agent, r.channel),
            agent_fields,
        ),
        "hourly": {k: v["tickets"] for k, v in hourly.items()},
        "durations": {k: v["count"] for k, v in durations.items()},
    }


def _apply(ops, staff):
    tickets = []
    at = BASE
    for op in ops:
        at += dt.timedelta(minutes=97)  # crosses days, nights and the month end
        kind = op[0]
        if kind == "create":
            _, channel, category, who = op
            tickets.append(
                f.ticket_at(
                    at,
                    channel=channel,
                    category=category,
                    phone="+6281234567890",
                    assignee=staff[who] if who < 2 else None,
                )
            )
            continue
        if not tickets:
            continue
        ticket = Ticket.objects.get(pk=tickets[op[1] % len(tickets)].pk)
        if kind == "reply" and ticket.status != "closed":
            f.reply_at(ticket, at, staff[0])
        elif kind == "resolve" and ticket.status in ("new", "open", "pending"):
            f.resolve_at(ticket, at, staff[0])
        elif kind == "reopen" and ticket.status == "resolved":
            f.reopen_at(ticket, at)
        elif kind == "answer":
            survey = Survey.objects.filter(ticket=ticket, answered_at__isnull=True).first()
            if survey is not None:
                from prakerja.surveys.services import survey_answer

                with (
                    time_machine.travel(at, tick=False),
                    TestCase.captureOnCommitCallbacks(execute=True),
                ):
                    survey_answer(survey=survey, rating=op[2])
        elif kind == "assign":
            from prakerja.helpdesk.services import ticket_assign

            with time_machine.travel(at, tick=False):
                ticket_assign(ticket=ticket, agent=staff[op[2]], actor=staff[op[2]])
        elif kind == "category":
            from prakerja.helpdesk.services import ticket_update_fields

            with time_machine.travel(at, tick=False):
                ticket_update_fields(ticket=ticket, actor=staff[0], category_slug=op[2])


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_rollups_equal_raw_aggregates_after_random_changes(ops):
    with transaction.atomic():
        staff = [f.agent("agent-a"), f.agent("agent-b")]
        _apply(ops, staff)
        raw = _raw_aggregates()
        assert _rollup_aggregates() == raw
        compact(dt.date(2000, 1, 1), dt.date(2100, 1, 1))
        assert _rollup_aggregates() == raw
        # After compaction there is one row per key.
        keys = [(r.local_date, r.channel, r.category) for r in DailyRollup.objects.all()]
        assert len(keys) == len(set(keys))
        call_command("rebuild_rollups", "--no-progress")
        assert _rollup_aggregates() == raw
        transaction.set_rollback(True)


def test_rebuild_command_shows_progress(capsys):
    staff = f.agent()
    f.ticket_at(local_datetime(2026, 1, 5, 9), assignee=staff)
    f.ticket_at(local_datetime(2026, 3, 5, 9), assignee=staff)
    DailyRollup.objects.all().delete()
    call_command("rebuild_rollups")
    captured = capsys.readouterr()
    assert "Rebuilt rollups for 2026-01-05 to 2026-03-05." in captured.out
    assert "rollups" in captured.err
    assert "100.0%" in captured.err
    assert DailyRollup.objects.count() == 2
