"""Report pages (supervisors, PMO), exports, and the public service statistics page."""

import dataclasses
import datetime as dt
from functools import partial

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from prakerja.core import charts, clock
from prakerja.core.errors import ValidationFailed
from prakerja.core.exports import export_response
from prakerja.core.formatting import Month, number, percent
from prakerja.core.roles import STAFF_ROLES, role_required
from prakerja.core.widgets import DateInput
from prakerja.helpdesk.models import Category

from . import selectors, staffing
from .api import resolve_range
from .definitions import CHANNELS
from .tables import WEEKDAYS, channel_label, minutes, report_tables
from .wallboard import wallboard as wallboard_data


class RangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())


class StaffingForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("phone", gettext_lazy("Phone")), ("chat", gettext_lazy("Live chat"))],
    )
    aht_seconds = forms.IntegerField(
        label=gettext_lazy("Average handling time (s)"), min_value=1, max_value=86_400
    )
    service_level = forms.IntegerField(
        label=gettext_lazy("Service level target (%)"), min_value=1, max_value=99
    )
    answer_seconds = forms.IntegerField(
        label=gettext_lazy("Answered within (s)"), min_value=0, max_value=86_400
    )
    interval_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Interval"),
        coerce=int,
        choices=[(60, gettext_lazy("1 hour")), (120, gettext_lazy("2 hours"))],
    )
    concurrency = forms.IntegerField(
        label=gettext_lazy("Chats per agent at once"), min_value=1, max_value=20, required=False
    )


def _range(request) -> tuple[RangeForm, dt.date, dt.date, str]:
    form = RangeForm(request.GET or None)
    start = end = None
    error = ""
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        start, end = resolve_range(start, end)
    except ValidationFailed as exc:
        error = " ".join(str(m) for msgs in exc.errors.values() for m in msgs)
        start, end = resolve_range(None, None)
    if not form.is_bound:
        form = RangeForm(initial={"start": start, "end": end})
    return form, start, end, error


def _report(start, end) -> dict:
    data = selectors.report(start=start, end=end)
    data["operations"] = selectors.contact_metrics(start=start, end=end)
    names = {c.slug: c.name for c in Category.objects.all()}
    for row in data["categories"]:
        row["name"] = names.get(row["category"], row["category"])
    return data


def _bars(items: list[tuple[str, float | None]], *, title: str, fmt=number) -> SafeString:
    return charts.bar_chart(
        [label for label, _v in items],
        [charts.Series(title, [v for _l, v in items])],
        title=title,
        fmt=fmt,
    )


def _charts(data: dict) -> dict[str, SafeString]:
    c = data["csat"]
    csat_items = [(channel_label(ch), c[ch]) for ch in CHANNELS]
    csat_items += [(_("Channel average"), c["channel_average"]), (_("Overall"), c["overall"])]
    months = [Month.parse(m["month"]) for m in data["by_month"]]
    return {
        "channels": _bars(
            [(channel_label(ch), data["by_channel"][ch]) for ch in CHANNELS],
            title=_("Reports by channel"),
        ),
        "months": charts.line_chart(
            charts.month_axis(months),
            [charts.Series(_("Reports"), [m["total"] for m in data["by_month"]])],
            title=_("Reports by month"),
        ),
        "categories": _bars(
            [(r["name"], r["tickets"]) for r in data["categories"]],
            title=_("Reports by category"),
        ),
        "csat": _bars(csat_items, title=_("CSAT (%)"), fmt=percent),
        "heatmap": charts.heatmap(
            data["heatmap"], row_labels=WEEKDAYS(), title=_("Reports by day of week and hour")
        ),
        "times": _bars(
            [
                (_("First response median"), minutes(data["totals"]["first_response"]["median"])),
                (_("First response p90"), minutes(data["totals"]["first_response"]["p90"])),
                (_("Resolution median"), minutes(data["totals"]["resolution"]["median"])),
                (_("Resolution p90"), minutes(data["totals"]["resolution"]["p90"])),
            ],
            title=_("Business minutes"),
            fmt=partial(number, decimals=0),
        ),
    }


@role_required(*STAFF_ROLES)
@require_GET
def index(request):
    form, start, end, error = _range(request)
    data = _report(start, end)
    tables = {t.key: t for t in report_tables(data)}
    chart_svgs = _charts(data)
    query = f"start={start.isoformat()}&end={end.isoformat()}"
    return render(
        request,
        "reports/index.html",
        {
            "form": form,
            "error": error,
            "start": start,
            "end": end,
            "data": data,
            "tables": tables,
            "charts": chart_svgs,
            "query": query,
            "answer_targets": settings.REPORTS_ANSWER_TARGET_SECONDS,
        },
    )


@role_required(*STAFF_ROLES)
@require_GET
def export_csv(request):
    return _export(request, "csv")


@role_required(*STAFF_ROLES)
@require_GET
def export_xlsx(request):
    return _export(request, "xlsx")


def _export(request, fmt: str):
    _form, start, end, _error = _range(request)
    return export_response(
        fmt=fmt,
        tables=report_tables(_report(start, end)),
        filename=f"prakerja-report-{start.isoformat()}-{end.isoformat()}",
        period=f"{start.isoformat()} – {end.isoformat()}",
    )


@require_GET
def public_statistics(request):
    stats = selectors.public_statistics()
    for row in stats["channels"]:
        row["label"] = channel_label(row["channel"])
    chart = _bars(
        [(row["label"], row["csat"]) for row in stats["channels"]]
        + [(_("Average"), stats["channel_average"])],
        title=_("Satisfaction (CSAT, %)"),
        fmt=percent,
    )
    return render(
        request,
        "reports/public.html",
        {"stats": stats, "chart": chart, "program": selectors.public_program_figures()},
    )


@role_required(*STAFF_ROLES)
@require_GET
def wallboard(request):
    return render(
        request,
        "reports/wallboard.html",
        {**wallboard_data(), "refresh_seconds": settings.REPORTS_WALLBOARD_REFRESH_SECONDS},
    )


@role_required(*STAFF_ROLES)
@require_GET
def wallboard_live(request):
    """The board's figures alone, fetched again by the page every few seconds."""
    return render(request, "reports/_wallboard_live.html", wallboard_data())


def _staffing_chart(plan) -> SafeString:
    times = [timezone.localtime(i.start) for i in plan.intervals]
    return charts.line_chart(
        charts.time_axis(times),
        [
            charts.Series(_("Agents required"), [i.required_agents for i in plan.intervals]),
            charts.Series(_("Agents on the roster"), [i.rostered_agents for i in plan.intervals]),
        ],
        title=_("Agents required and on the roster, per interval"),
    )


@role_required(*STAFF_ROLES)
@require_GET
def staffing_page(request):
    """The staffing planner: agents required per interval by Erlang C beside the roster, with the
    shortfall marked. The same calculation as `GET /api/v1/reports/staffing`."""
    initial = {
        "date": clock.local_now().date(),
        "channel": "phone",
        "aht_seconds": 300,
        "service_level": 80,
        "answer_seconds": 20,
        "interval_minutes": 60,
    }
    form = StaffingForm(request.GET or initial)
    plan = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = staffing.plan_for(
                date=data["date"],
                channel=data["channel"],
                aht_seconds=data["aht_seconds"],
                target=data["service_level"] / 100,
                answer_seconds=data["answer_seconds"],
                interval_minutes=data["interval_minutes"],
                concurrency=data["concurrency"],
            )
        except ValidationFailed as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
    rows = [
        {
            **dataclasses.asdict(i),
            "gap": i.rostered_agents - i.required_agents,
            "short_by": max(0, i.required_agents - i.rostered_agents),
        }
        for i in (plan.intervals if plan else [])
    ]
    return render(
        request,
        "reports/staffing.html",
        {
            "form": form,
            "plan": plan,
            "rows": rows,
            "short": sum(1 for r in rows if r["gap"] < 0),
            "chart": _staffing_chart(plan) if plan else "",
        },
        status=200 if plan is not None else 422,
    )
