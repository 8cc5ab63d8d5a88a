"""Reports API: the published summary figures (supervisors, PMO, and their integrations)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema

from prakerja.core import clock
from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import Forbidden, ValidationFailed
from prakerja.core.roles import STAFF_ROLES, has_role

from . import selectors

router = Router(tags=["reports"])
MAX_RANGE_DAYS = 10 * 366


class ChannelCounts(Schema):
    chat: int
    phone: int
    web: int


class MonthOut(Schema):
    month: str
    total: int
    by_channel: ChannelCounts


class CsatOut(Schema):
    chat: float | None
    phone: float | None
    web: float | None
    channel_average: float | None
    overall: float | None
    responses: int
    response_rate: float | None


class SummaryOut(Schema):
    start: str
    end: str
    total: int
    months: int
    monthly_average: float | None
    by_channel: ChannelCounts
    by_month: list[MonthOut]
    csat: CsatOut


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
    "range spans, whole or part.",
)
def summary(request, start: dt.date | None = None, end: dt.date | None = None):
    if not has_role(request.auth, *STAFF_ROLES):
        raise Forbidden()
    start, end = resolve_range(start, end)
    return selectors.summary(start=start, end=end)
