"""The report as tables: what the page shows under each chart and what CSV/XLSX export."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from prakerja.core.formatting import Month
from prakerja.helpdesk.models import Channel

from .definitions import CHANNELS

WEEKDAYS = lambda: [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]  # noqa: E731


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]


def minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def channel_label(channel: str) -> str:
    return str(dict(Channel.choices).get(channel, channel))


def report_tables(data: dict) -> list[Table]:
    t = data["totals"]
    csat = data["csat"]
    return [
        Table(
            "totals",
            _("Totals"),
            [_("Measure"), _("Value")],
            [
                [_("Reports"), data["total"]],
                [_("Calendar months spanned"), data["months"]],
                [_("Monthly average"), data["monthly_average"]],
                [_("Resolved"), t["resolved"]],
                [_("Backlog (still open)"), t["open"]],
                [_("Deflected chats (solved by an article)"), t["deflected_chats"]],
                [_("Surveys sent"), t["surveys_sent"]],
                [_("Survey responses"), t["responses"]],
                [_("Response rate (%)"), csat["response_rate"]],
                [_("CSAT, channel average (%)"), csat["channel_average"]],
                [_("CSAT, overall (%)"), csat["overall"]],
                [
                    _("First response, median (business minutes)"),
                    minutes(t["first_response"]["median"]),
                ],
                [_("First response, p90 (business minutes)"), minutes(t["first_response"]["p90"])],
                [_("Resolution, median (business minutes)"), minutes(t["resolution"]["median"])],
                [_("Resolution, p90 (business minutes)"), minutes(t["resolution"]["p90"])],
                [_("First response within SLA (%)"), t["first_response_sla"]],
                [_("Resolution within SLA (%)"), t["resolution_sla"]],
            ],
        ),
        Table(
            "channels",
            _("By channel"),
            [
                _("Channel"),
                _("Reports"),
                _("Backlog"),
                _("Surveys sent"),
                _("Responses"),
                _("CSAT (%)"),
                _("Response rate (%)"),
                _("First response median (min)"),
                _("First response p90 (min)"),
                _("Resolution median (min)"),
                _("Resolution p90 (min)"),
                _("First response SLA (%)"),
                _("Resolution SLA (%)"),
            ],
            [
                [
                    channel_label(c["channel"]),
                    c["tickets"],
                    c["open"],
                    c["surveys_sent"],
                    c["responses"],
                    c["csat"],
                    c["response_rate"],
                    minutes(c["first_response"]["median"]),
                    minutes(c["first_response"]["p90"]),
                    minutes(c["resolution"]["median"]),
                    minutes(c["resolution"]["p90"]),
                    c["first_response_sla"],
                    c["resolution_sla"],
                ]
                for c in data["channels"]
            ],
        ),
        Table(
            "months",
            _("By month"),
            [_("Month"), _("Reports"), *(channel_label(c) for c in CHANNELS)],
            [
                [Month.parse(m["month"]), m["total"], *(m["by_channel"][c] for c in CHANNELS)]
                for m in data["by_month"]
            ],
        ),
        Table(
            "queues",
            _("Calls and chats in the queue"),
            [
                _("Channel"),
                _("Offered"),
                _("Answered"),
                _("Abandoned"),
                _("Service level (%)"),
                _("Average speed of answer (s)"),
                _("Abandonment rate (%)"),
            ],
            [
                [
                    channel_label(channel),
                    q["offered"],
                    q["answered"],
                    q["abandoned"],
                    q["service_level"],
                    q["average_speed_of_answer"],
                    q["abandonment_rate"],
                ]
                for channel, q in ((c, data["operations"][c]) for c in ("phone", "chat"))
            ]
            + [
                [
                    _("Deflection rate (%)"),
                    data["operations"]["deflection_rate"],
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            ],
        ),
        Table(
            "categories",
            _("By category"),
            [_("Category"), _("Reports"), _("Responses"), _("CSAT (%)")],
            [
                [r.get("name") or r["category"], r["tickets"], r["responses"], r["csat"]]
                for r in data["categories"]
            ],
        ),
        Table(
            "heatmap",
            _("By day of week and hour (WIB)"),
            [_("Day"), *[f"{h:02d}" for h in range(24)]],
            [[day, *row] for day, row in zip(WEEKDAYS(), data["heatmap"], strict=True)],
        ),
        Table(
            "agents",
            _("Per-agent productivity"),
            [
                _("Agent"),
                _("Reports"),
                _("Resolved"),
                _("Still open"),
                _("Responses"),
                _("CSAT (%)"),
                _("Average first response (min)"),
                _("Average resolution (min)"),
            ],
            [
                [
                    a["agent"],
                    a["tickets"],
                    a["resolved"],
                    a["open"],
                    a["responses"],
                    a["csat"],
                    minutes(a["avg_first_response"]),
                    minutes(a["avg_resolution"]),
                ]
                for a in data["agents"]
            ],
        ),
    ]
