"""The report definitions, as pure functions (documented on the report page too).

- A response is *satisfied* when its rating is 4 or 5.
- CSAT of a channel = satisfied responses / responses in that channel x 100.
- Channel average = the unweighted mean of the channels' CSAT; a channel with no responses has no
  CSAT (None) and is left out of the mean.
- Overall CSAT = satisfied / responses over every channel together.
- Response rate = responses / surveys sent x 100.
- Monthly average volume = reports in the range / calendar months the range spans, whole or part.
- Every ticket counts on the Asia/Jakarta (WIB) date it was created.

Percentages are rounded to one decimal, half away from zero (so 62.25 -> 62.3, as people round).
Durations use histograms (`duration_bucket`), so medians and p90 never scan raw rows.
"""

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from prakerja.core.clock import JAKARTA
from prakerja.helpdesk.models import Channel

SATISFIED_MIN_RATING = 4
# Every channel a ticket can come in on, in display order (chat, phone, web, e-mail).
CHANNELS = tuple(Channel.values)


def is_satisfied(rating: int) -> bool:
    return rating >= SATISFIED_MIN_RATING


def round1(value: float | Decimal | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percentage(part: int, whole: int) -> float | None:
    """part / whole x 100 rounded to one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return round1(Decimal(part) * 100 / Decimal(whole))


def csat(*, satisfied: int, responses: int) -> float | None:
    return percentage(satisfied, responses)


def channel_average(counts: Iterable[tuple[int, int]]) -> float | None:
    """Unweighted mean of the channels' CSAT from (satisfied, responses) per channel, ignoring
    channels without responses. Computed exactly, rounded once at the end: chat 2/3 and phone 1/2
    give (66.67 + 50) / 2 = 58.3, not the 58.4 a mean of the rounded figures would give."""
    shares = [Fraction(satisfied, responses) for satisfied, responses in counts if responses]
    if not shares:
        return None
    mean = sum(shares, Fraction(0)) * 100 / len(shares)
    return round1(Decimal(mean.numerator) / Decimal(mean.denominator))


def response_rate(*, responses: int, sent: int) -> float | None:
    return percentage(responses, sent)


def months_spanned(start: dt.date, end: dt.date) -> int:
    """Calendar months touched by [start, end] (inclusive), whole or part: Jan 31-Feb 1 is 2."""
    if end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_keys(start: dt.date, end: dt.date) -> list[str]:
    keys, year, month = [], start.year, start.month
    for _ in range(months_spanned(start, end)):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def monthly_average(total: int, start: dt.date, end: dt.date) -> float | None:
    months = months_spanned(start, end)
    return round1(Decimal(total) / months) if months else None


def local_date_hour(at: dt.datetime) -> tuple[dt.date, int]:
    """The WIB calendar date and hour a moment counts on (23:30 WIB on Jan 31 is Jan 31)."""
    local = at.astimezone(JAKARTA)
    return local.date(), local.hour


def local_day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00 WIB, day after end 00:00 WIB) as aware datetimes."""
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=JAKARTA)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=JAKARTA)
    return lo, hi


# --- Duration histograms --------------------------------------------------------------------------
# Bucket edges in business seconds: by the minute up to 2 h, by 10 minutes up to 24 h, by the
# hour up to 30 days, then one overflow bucket. Medians and p90 are exact to the bucket.
_MINUTE_BUCKETS = 120  # [0, 7200) by 60 s
_TEN_MINUTE_BUCKETS = (24 * 3600 - 7200) // 600  # [7200, 86400) by 600 s
_HOUR_BUCKETS = (30 * 24 * 3600 - 86400) // 3600  # [86400, 30 d) by 3600 s
OVERFLOW_BUCKET = _MINUTE_BUCKETS + _TEN_MINUTE_BUCKETS + _HOUR_BUCKETS


def duration_bucket(seconds: int) -> int:
    seconds = max(0, int(seconds))
    if seconds < 7200:
        return seconds // 60
    if seconds < 86400:
        return _MINUTE_BUCKETS + (seconds - 7200) // 600
    if seconds < 30 * 86400:
        return _MINUTE_BUCKETS + _TEN_MINUTE_BUCKETS + (seconds - 86400) // 3600
    return OVERFLOW_BUCKET


def bucket_upper_seconds(bucket: int) -> int:
    """The exclusive upper edge of a bucket (the overflow bucket reports its lower edge)."""
    if bucket < _MINUTE_BUCKETS:
        return (bucket + 1) * 60
    bucket -= _MINUTE_BUCKETS
    if bucket < _TEN_MINUTE_BUCKETS:
        return 7200 + (bucket + 1) * 600
    bucket -= _TEN_MINUTE_BUCKETS
    if bucket < _HOUR_BUCKETS:
        return 86400 + (bucket + 1) * 3600
    return 30 * 86400


def histogram_percentile(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The smallest bucket upper edge at or below which `fraction` of the values lie.

    Nearest-rank definition: the value at rank ceil(fraction x n); reported as its bucket's upper
    edge (so "median 5 min" means half were answered within 5 business minutes).
    """
    total = sum(count for count in histogram.values() if count > 0)
    if total == 0:
        return None
    rank = max(1, math.ceil(Decimal(str(fraction)) * total))  # exact, no float error
    seen = 0
    for bucket in sorted(histogram):
        seen += max(0, histogram[bucket])
        if seen >= rank:
            return bucket_upper_seconds(bucket)
    return None  # pragma: no cover - unreachable: rank <= total
