"""Every definition of the report, with hand-computed expectations."""

import datetime as dt

import pytest

from prakerja.core.clock import local_datetime
from prakerja.reports import definitions as d


def test_satisfied_is_four_or_five():
    assert [d.is_satisfied(r) for r in range(1, 6)] == [False, False, False, True, True]


def test_csat_of_a_channel_and_empty_channel():
    assert d.csat(satisfied=2, responses=3) == 66.7
    assert d.csat(satisfied=0, responses=4) == 0.0
    assert d.csat(satisfied=0, responses=0) is None


def test_rounding_is_half_up_to_one_decimal():
    # 1/8 = 12.5 exactly; 5/8 = 62.5; 1/16 = 6.25 -> 6.3 (half up, not banker's 6.2)
    assert d.percentage(1, 16) == 6.3
    assert d.percentage(5, 8) == 62.5
    assert d.percentage(1, 3) == 33.3
    assert d.percentage(2, 3) == 66.7


def test_channel_average_is_unweighted_and_skips_empty_channels():
    # chat 2/3 = 66.67, phone 1/2 = 50, web no responses -> (66.67 + 50) / 2 = 58.33
    assert d.channel_average([(2, 3), (1, 2), (0, 0)]) == 58.3
    # overall over the same responses is weighted: 3 / 5 = 60
    assert d.csat(satisfied=3, responses=5) == 60.0
    # a big channel does not dominate: 90/100 and 1/10 -> (90 + 10) / 2 = 50
    assert d.channel_average([(90, 100), (1, 10)]) == 50.0
    assert d.channel_average([(0, 0), (0, 0)]) is None


def test_response_rate():
    assert d.response_rate(responses=3, sent=8) == 37.5
    assert d.response_rate(responses=0, sent=0) is None


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), 12),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 1), 2),  # two part-months
        (dt.date(2026, 3, 10), dt.date(2026, 3, 20), 1),
        (dt.date(2025, 12, 15), dt.date(2026, 1, 15), 2),  # across a year end
        (dt.date(2026, 1, 15), dt.date(2026, 4, 14), 4),  # 90 days touching four months
        (dt.date(2026, 2, 1), dt.date(2026, 1, 1), 0),
    ],
)
def test_months_spanned_counts_part_months(start, end, months):
    assert d.months_spanned(start, end) == months


def test_monthly_average_over_part_months():
    # 1,000 reports from 15 Jan to 14 Apr span Jan, Feb, Mar, Apr -> 250.0
    assert d.monthly_average(1000, dt.date(2026, 1, 15), dt.date(2026, 4, 14)) == 250.0
    assert d.monthly_average(10, dt.date(2026, 1, 31), dt.date(2026, 2, 1)) == 5.0
    assert d.monthly_average(7, dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == 2.3


def test_month_keys():
    assert d.month_keys(dt.date(2025, 11, 30), dt.date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_time_zone_edge_last_evening_of_a_month_counts_in_that_month():
    at = local_datetime(2026, 1, 31, 23, 30)  # 16:30 UTC on Jan 31
    assert d.local_date_hour(at) == (dt.date(2026, 1, 31), 23)
    utc_next_day = dt.datetime(2026, 1, 31, 17, 30, tzinfo=dt.UTC)  # 00:30 WIB on Feb 1
    assert d.local_date_hour(utc_next_day) == (dt.date(2026, 2, 1), 0)
    lo, hi = d.local_day_bounds(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert lo == dt.datetime(2025, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert hi == dt.datetime(2026, 1, 31, 17, 0, tzinfo=dt.UTC)


def test_duration_buckets_and_percentiles():
    assert d.duration_bucket(0) == 0
    assert d.duration_bucket(59) == 0
    assert d.duration_bucket(60) == 1
    assert d.bucket_upper_seconds(d.duration_bucket(7199)) == 7200
    assert d.bucket_upper_seconds(d.duration_bucket(7200)) == 7800
    assert d.bucket_upper_seconds(d.duration_bucket(89999)) == 90000
    assert d.duration_bucket(10**9) == d.OVERFLOW_BUCKET
    # values (s): 30, 90, 150, 150, 400 -> minute buckets 0,1,2,2,6
    hist = {}
    for s in (30, 90, 150, 150, 400):
        b = d.duration_bucket(s)
        hist[b] = hist.get(b, 0) + 1
    assert d.histogram_percentile(hist, 0.5) == 180  # 3rd of 5 is 150 s -> within 3 min
    assert d.histogram_percentile(hist, 0.9) == 420  # 5th of 5 is 400 s -> within 7 min
    assert d.histogram_percentile({}, 0.5) is None
