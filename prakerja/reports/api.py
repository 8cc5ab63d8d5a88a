"""Reports API: the published summary figures (supervisors, PMO, and their integrations)."""

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from prakerja.core import clock
from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import Forbidden, ValidationFailed
from prakerja.core.roles import STAFF_ROLES, has_role

from . import selectors, staffing

router = Router(tags=["reports"])
MAX_RANGE_DAYS = 10 * 366


class ChannelCounts(Schema):
    chat: int
    phone: int
    web: int
    email: int


class MonthOut(Schema):
    month: str
    total: int
    by_channel: ChannelCounts


class CsatOut(Schema):
    chat: float | None
    phone: float | None
    web: float | None
    email: float | None
    channel_average: float | None
    overall: float | None
    responses: int
    response_rate: float | None


class QueueMetricsOut(Schema):
    offered: int
    answered: int
    abandoned: int
    average_speed_of_answer: float | None
    abandonment_rate: float | None
    service_level: float | None


class OperationsOut(Schema):
    phone: QueueMetricsOut
    chat: QueueMetricsOut
    chats_started: int
    deflected: int
    deflection_rate: float | None


class SummaryOut(Schema):
    start: str
    end: str
    total: int
    months: int
    monthly_average: float | None
    by_channel: ChannelCounts
    by_month: list[MonthOut]
    csat: CsatOut
    operations: OperationsOut


def resolve_range(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """Default: this year so far (WIB). Refuses reversed or over-long ranges."""
    today = clock.local_now().date()
    start = start or today.replace(month=1, day=1)
    end = end or (today if start.year == today.year else start.replace(month=12, day=31))
    if end < start:
        raise ValidationFailed(errors={"end": [_("The end date is before the start date.")]})
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationFailed(errors={"end": [_("The range may span at most ten years.")]})
    return start, end


@router.get(
    "/reports/summary",
    response={200: SummaryOut, **errors(401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Volume and CSAT for a date range (supervisors and PMO)",
    description="Dates are WIB calendar days, inclusive. CSAT values are percentages rounded to "
    "one decimal; a channel with no responses is null and left out of channel_average (the "
    "unweighted mean of the channels' CSAT). overall is satisfied/responses over all channels; "
    "response_rate is responses/surveys sent. monthly_average is total / calendar months the "
    "range spans, whole or part. operations: for calls and chats that waited in the queue, "
    "service_level is the percentage answered within the target (20 s phone, 60 s chat by "
    "default), average_speed_of_answer the mean seconds to answer, abandonment_rate the "
    "percentage that gave up waiting; deflection_rate is chats solved by an article / chats "
    "started.",
)
def summary(request, start: dt.date | None = None, end: dt.date | None = None):
    if not has_role(request.auth, *STAFF_ROLES):
        raise Forbidden()
    start, end = resolve_range(start, end)
    return {
        **selectors.summary(start=start, end=end),
        "operations": selectors.contact_metrics(start=start, end=end),
    }


class StaffingIntervalOut(Schema):
    start: dt.datetime
    arrivals: float
    required_agents: int
    rostered_agents: int


class StaffingOut(Schema):
    date: dt.date
    channel: str
    forecast: bool
    intervals: list[StaffingIntervalOut]


@router.get(
    "/reports/staffing",
    response={200: StaffingOut, **errors(401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Agents required per interval by Erlang C, beside the roster (supervisors and PMO)",
    description="Arrivals are the actual counts for a past date (imported history included) and, "
    "for today or a later date, the mean of the same weekday in the last four weeks "
    "(`forecast: true`). `required_agents` is the smallest whole number of agents for which "
    "Erlang C answers `service_level` of contacts within `answer_seconds`. For chat, an agent "
    "serves `concurrency` chats at once (default LIVECHAT_MAX_CHATS_PER_AGENT). Intervals are "
    "whole hours dividing the day, from midnight WIB; `rostered_agents` are on a shift covering "
    "the interval's start. 422 for a date before 2000 or more than a year ahead.",
)
def staffing_plan(
    request,
    date: dt.date,
    channel: str = "phone",
    aht_seconds: int = Query(300, ge=1, le=86_400),
    service_level: float = Query(0.8, gt=0, lt=1),
    answer_seconds: int = Query(20, ge=0, le=86_400),
    interval_minutes: int = 60,
    concurrency: int | None = Query(None, ge=1, le=20),
):
    if not has_role(request.auth, *STAFF_ROLES):
        raise Forbidden()
    plan = staffing.plan_for(
        date=date,
        channel=channel,
        aht_seconds=aht_seconds,
        target=service_level,
        answer_seconds=answer_seconds,
        interval_minutes=interval_minutes,
        concurrency=concurrency,
    )
    return {"date": date, "channel": channel, **dataclasses.asdict(plan)}
