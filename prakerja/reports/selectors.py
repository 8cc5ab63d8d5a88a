"""Reads of the reports app. Everything here reads rollups only (never the raw tickets), so a
year costs the same whatever the volume: a few thousand rows per table per year."""

import datetime as dt
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from prakerja.core import clock
from prakerja.payouts.models import IncentivePayment, PaymentStatus
from prakerja.programs.models import Application, ApplicationStatus
from prakerja.training.models import Purchase, PurchaseStatus

from . import contacts
from . import definitions as d
from .models import (
    AgentDailyRollup,
    ChannelDailyRollup,
    ContactDailyRollup,
    DailyRollup,
    DeflectionRollup,
    DurationMetric,
    DurationRollup,
    HourlyRollup,
)

DAILY_SUMS = [
    "tickets",
    "open_tickets",
    "surveys_sent",
    "responses",
    "satisfied",
    "rating_sum",
    "first_responses",
    "first_response_seconds",
    "first_response_sla_met",
    "resolved",
    "resolution_seconds",
    "resolution_sla_met",
]


def _csat_block(per_channel: dict[str, dict]) -> dict:
    """The `csat` object of the summary: per channel, channel average, overall, rate."""
    out: dict = {}
    for channel in d.CHANNELS:
        row = per_channel.get(channel, {})
        out[channel] = d.csat(satisfied=row.get("satisfied", 0), responses=row.get("responses", 0))
    out["channel_average"] = d.channel_average(
        (per_channel.get(c, {}).get("satisfied", 0), per_channel.get(c, {}).get("responses", 0))
        for c in d.CHANNELS
    )
    responses = sum(row.get("responses", 0) for row in per_channel.values())
    satisfied = sum(row.get("satisfied", 0) for row in per_channel.values())
    sent = sum(row.get("surveys_sent", 0) for row in per_channel.values())
    out["overall"] = d.csat(satisfied=satisfied, responses=responses)
    out["responses"] = responses
    out["response_rate"] = d.response_rate(responses=responses, sent=sent)
    return out


def summary(*, start: dt.date, end: dt.date) -> dict:
    """The summary API's body for [start, end] (WIB dates, inclusive). One query."""
    rows = (
        ChannelDailyRollup.objects.filter(local_date__gte=start, local_date__lte=end)
        .values("local_date", "channel")
        .annotate(t=Sum("tickets"), s=Sum("surveys_sent"), r=Sum("responses"), ok=Sum("satisfied"))
        .order_by()
    )
    months = {key: dict.fromkeys(d.CHANNELS, 0) for key in d.month_keys(start, end)}
    month_totals = dict.fromkeys(months, 0)
    per_channel: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        channel = row["channel"]
        month = row["local_date"].strftime("%Y-%m")
        month_totals[month] += row["t"]
        if channel in months[month]:
            months[month][channel] += row["t"]
        agg = per_channel[channel]
        agg["tickets"] += row["t"]
        agg["surveys_sent"] += row["s"]
        agg["responses"] += row["r"]
        agg["satisfied"] += row["ok"]
    total = sum(row["tickets"] for row in per_channel.values())
    by_channel = {c: per_channel.get(c, {}).get("tickets", 0) for c in d.CHANNELS}
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": total,
        "months": d.months_spanned(start, end),
        "monthly_average": d.monthly_average(total, start, end),
        "by_channel": by_channel,
        "by_month": [
            {"month": key, "total": month_totals[key], "by_channel": counts}
            for key, counts in months.items()
        ],
        "csat": _csat_block(per_channel),
    }


def contact_metrics(*, start: dt.date, end: dt.date) -> dict:
    """Service level, average speed of answer and abandonment per live channel, and the
    deflection rate, for [start, end]: the rollup for settled days, the raw tables for the last
    few (contacts.live_days), so today's figures are current. See contacts for definitions."""
    live_start, _ = contacts.live_days(clock.local_now().date())
    sums: dict[str, dict[str, int]] = {
        c: dict.fromkeys(contacts.COUNTS, 0) for c in contacts.LIVE_CHANNELS
    }
    settled = (
        ContactDailyRollup.objects.filter(
            local_date__gte=start, local_date__lte=min(end, live_start - dt.timedelta(days=1))
        )
        .values("channel")
        .annotate(**{k: Sum(k) for k in contacts.COUNTS})
        .order_by()
    )
    recent = contacts.contact_day_rows(max(start, live_start), end) if end >= live_start else []
    for row in [*settled, *recent]:
        for key in contacts.COUNTS:
            sums[row["channel"]][key] += row[key] or 0
    deflected = (
        DeflectionRollup.objects.filter(local_date__gte=start, local_date__lte=end).aggregate(
            n=Sum("chats")
        )["n"]
        or 0
    )
    return {
        **{channel: contacts.metrics(sums[channel]) for channel in contacts.LIVE_CHANNELS},
        "chats_started": sums["chat"]["started"],
        "deflected": deflected,
        "deflection_rate": d.percentage(deflected, sums["chat"]["started"]),
    }


def _histograms(start: dt.date, end: dt.date) -> dict[tuple[str, str], dict[int, int]]:
    """(metric, channel or "all") -> {bucket: count}."""
    out: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        DurationRollup.objects.filter(local_date__gte=start, local_date__lte=end)
        .values("metric", "channel", "bucket")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in rows:
        out[(row["metric"], row["channel"])][row["bucket"]] += row["n"]
        out[(row["metric"], "all")][row["bucket"]] += row["n"]
    return out


def report(*, start: dt.date, end: dt.date) -> dict:
    """Everything the reports page and its exports show, for [start, end] (WIB, inclusive)."""
    base = summary(start=start, end=end)
    daily = DailyRollup.objects.filter(local_date__gte=start, local_date__lte=end)
    channel_rows = {
        row["channel"]: row
        for row in daily.values("channel").annotate(**{f: Sum(f) for f in DAILY_SUMS}).order_by()
    }
    totals = {f: sum(row[f] or 0 for row in channel_rows.values()) for f in DAILY_SUMS}
    categories = list(
        daily.values("category")
        .annotate(tickets=Sum("tickets"), responses=Sum("responses"), satisfied=Sum("satisfied"))
        .order_by("-tickets", "category")
    )
    for row in categories:
        row["csat"] = d.csat(satisfied=row["satisfied"], responses=row["responses"])

    heat = [[0] * 24 for _ in range(7)]
    for row in (
        HourlyRollup.objects.filter(local_date__gte=start, local_date__lte=end)
        .values("local_date", "hour")
        .annotate(n=Sum("tickets"))
        .order_by()
    ):
        heat[row["local_date"].weekday()][row["hour"]] += row["n"]

    histograms = _histograms(start, end)

    def durations(metric: str, channel: str) -> dict:
        hist = histograms.get((metric, channel), {})
        return {
            "median": d.histogram_percentile(hist, 0.5),
            "p90": d.histogram_percentile(hist, 0.9),
        }

    channels = []
    for channel in d.CHANNELS:
        row = channel_rows.get(channel) or dict.fromkeys(DAILY_SUMS, 0)
        channels.append(
            {
                "channel": channel,
                "tickets": row["tickets"],
                "open": row["open_tickets"],
                "surveys_sent": row["surveys_sent"],
                "responses": row["responses"],
                "satisfied": row["satisfied"],
                "csat": base["csat"][channel],
                "response_rate": d.response_rate(
                    responses=row["responses"], sent=row["surveys_sent"]
                ),
                "first_response": durations(DurationMetric.FIRST_RESPONSE, channel),
                "resolution": durations(DurationMetric.RESOLUTION, channel),
                "first_response_sla": d.percentage(
                    row["first_response_sla_met"], row["first_responses"]
                ),
                "resolution_sla": d.percentage(row["resolution_sla_met"], row["resolved"]),
            }
        )

    agents = []
    for row in (
        AgentDailyRollup.objects.filter(local_date__gte=start, local_date__lte=end)
        .exclude(agent="")
        .values("agent")
        .annotate(
            tickets=Sum("tickets"),
            open=Sum("open_tickets"),
            resolved=Sum("resolved"),
            responses=Sum("responses"),
            satisfied=Sum("satisfied"),
            first_responses=Sum("first_responses"),
            fr_seconds=Sum("first_response_seconds"),
            res_seconds=Sum("resolution_seconds"),
        )
        .order_by("-resolved", "agent")
    ):
        row["csat"] = d.csat(satisfied=row["satisfied"], responses=row["responses"])
        row["avg_first_response"] = (
            row["fr_seconds"] // row["first_responses"] if row["first_responses"] else None
        )
        row["avg_resolution"] = row["res_seconds"] // row["resolved"] if row["resolved"] else None
        agents.append(row)

    deflected = (
        DeflectionRollup.objects.filter(local_date__gte=start, local_date__lte=end).aggregate(
            n=Sum("chats")
        )["n"]
        or 0
    )
    return {
        **base,
        "totals": {
            "tickets": totals["tickets"],
            "open": totals["open_tickets"],
            "resolved": totals["resolved"],
            "surveys_sent": totals["surveys_sent"],
            "responses": totals["responses"],
            "deflected_chats": deflected,
            "first_response": durations(DurationMetric.FIRST_RESPONSE, "all"),
            "resolution": durations(DurationMetric.RESOLUTION, "all"),
            "first_response_sla": d.percentage(
                totals["first_response_sla_met"], totals["first_responses"]
            ),
            "resolution_sla": d.percentage(totals["resolution_sla_met"], totals["resolved"]),
        },
        "channels": channels,
        "categories": categories,
        "heatmap": heat,
        "agents": agents,
    }


def public_statistics() -> dict:
    """Reports handled to date, per channel, CSAT per channel and average. No personal data."""
    rows = {
        row["channel"]: row
        for row in DailyRollup.objects.values("channel")
        .annotate(tickets=Sum("tickets"), responses=Sum("responses"), satisfied=Sum("satisfied"))
        .order_by()
    }
    per_channel = {
        c: rows.get(c, {"tickets": 0, "responses": 0, "satisfied": 0}) for c in d.CHANNELS
    }
    return {
        "total": sum(row["tickets"] for row in per_channel.values()),
        "channels": [
            {
                "channel": c,
                "tickets": row["tickets"],
                "csat": d.csat(satisfied=row["satisfied"], responses=row["responses"]),
            }
            for c, row in per_channel.items()
        ],
        "channel_average": d.channel_average(
            (row["satisfied"], row["responses"]) for row in per_channel.values()
        ),
        "overall": d.csat(
            satisfied=sum(r["satisfied"] for r in per_channel.values()),
            responses=sum(r["responses"] for r in per_channel.values()),
        ),
    }


# The public page is anonymous and busy; the program's figures change slowly and their counts
# scan large tables, so every process shares one answer for this long.
PUBLIC_PROGRAM_CACHE_SECONDS = 300


def public_program_figures() -> dict:
    """The program's figures for the public page: participants selected, trainings completed,
    incentives paid (how many payments and rupiah). Cached in the shared cache."""

    def compute() -> dict:
        paid = IncentivePayment.objects.filter(status=PaymentStatus.PAID).aggregate(
            count=Count("pk"), amount=Coalesce(Sum("amount"), 0)
        )
        return {
            "participants": Application.objects.filter(status=ApplicationStatus.SELECTED).count(),
            "trainings_completed": Purchase.objects.filter(status=PurchaseStatus.COMPLETED).count(),
            "incentives_paid": paid["count"],
            "incentives_paid_amount": paid["amount"],
        }

    return cache.get_or_set("reports:public_program", compute, PUBLIC_PROGRAM_CACHE_SECONDS)
