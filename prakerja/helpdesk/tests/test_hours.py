import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prakerja.core.clock import JAKARTA, local_datetime
from prakerja.helpdesk import hours
from prakerja.helpdesk.hours import Schedule
from prakerja.helpdesk.models import HoursException, WeeklyHours

DEFAULT = Schedule()


def test_default_schedule_open_08_to_20_every_day():
    assert not hours.is_open(local_datetime(2026, 3, 8, 7, 59), schedule=DEFAULT)
    assert hours.is_open(local_datetime(2026, 3, 8, 8, 0), schedule=DEFAULT)  # a Sunday
    assert hours.is_open(local_datetime(2026, 3, 8, 19, 59), schedule=DEFAULT)
    assert not hours.is_open(local_datetime(2026, 3, 8, 20, 0), schedule=DEFAULT)


def test_is_open_uses_the_jakarta_wall_clock_for_utc_input():
    at = dt.datetime(2026, 3, 8, 1, 30, tzinfo=dt.UTC)  # 08:30 WIB
    assert hours.is_open(at, schedule=DEFAULT)


def test_closes_at_and_next_open_at():
    at = local_datetime(2026, 3, 8, 12, 0)
    assert hours.closes_at(at, schedule=DEFAULT) == local_datetime(2026, 3, 8, 20, 0)
    assert hours.next_open_at(at, schedule=DEFAULT) == at
    night = local_datetime(2026, 3, 8, 21, 0)
    assert hours.closes_at(night, schedule=DEFAULT) is None
    assert hours.next_open_at(night, schedule=DEFAULT) == local_datetime(2026, 3, 9, 8, 0)
    early = local_datetime(2026, 3, 9, 6, 0)
    assert hours.next_open_at(early, schedule=DEFAULT) == local_datetime(2026, 3, 9, 8, 0)


def test_exceptions_override_the_weekly_schedule():
    schedule = Schedule(
        exceptions={
            dt.date(2026, 3, 9): None,
            dt.date(2026, 3, 10): (dt.time(10, 0), dt.time(12, 0)),
        }
    )
    assert hours.next_open_at(local_datetime(2026, 3, 8, 21), schedule=schedule) == (
        local_datetime(2026, 3, 10, 10, 0)
    )
    assert not hours.is_open(local_datetime(2026, 3, 10, 12, 30), schedule=schedule)


def test_business_seconds_across_close_and_overnight():
    start = local_datetime(2026, 3, 8, 19, 0)
    end = local_datetime(2026, 3, 9, 9, 0)
    assert hours.business_seconds_between(start, end, schedule=DEFAULT) == 2 * 3600
    assert hours.business_seconds_between(end, start, schedule=DEFAULT) == 0


def test_add_business_seconds_rolls_over_the_20_00_close():
    start = local_datetime(2026, 3, 8, 19, 0)
    # 4 business hours from 19:00: one hour tonight, three tomorrow from 08:00.
    assert hours.add_business_seconds(start, 4 * 3600, schedule=DEFAULT) == local_datetime(
        2026, 3, 9, 11, 0
    )
    # From the night, counting starts at the next opening.
    assert hours.add_business_seconds(
        local_datetime(2026, 3, 8, 23, 0), 1800, schedule=DEFAULT
    ) == local_datetime(2026, 3, 9, 8, 30)


def test_add_business_seconds_fails_when_never_open():
    with pytest.raises(ValueError, match="no opening"):
        hours.add_business_seconds(
            local_datetime(2026, 3, 8, 9), 60, schedule=Schedule(weekly=dict.fromkeys(range(7)))
        )


@given(
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
        lambda d: d.replace(tzinfo=JAKARTA)
    ),
    seconds=st.integers(min_value=0, max_value=30 * 24 * 3600),
)
def test_add_then_measure_round_trips(start, seconds):
    end = hours.add_business_seconds(start, seconds, schedule=DEFAULT)
    assert hours.business_seconds_between(start, end, schedule=DEFAULT) == seconds


# Sundays closed, Saturdays short, a holiday and a half day: windows that differ day by day.
VARIED = Schedule(
    weekly={**dict.fromkeys(range(5), (dt.time(8), dt.time(20))), 5: (dt.time(9), dt.time(13))}
    | {6: None},
    exceptions={
        dt.date(2026, 3, 20): None,
        dt.date(2026, 3, 24): (dt.time(10, 30), dt.time(15, 15, 30)),
    },
)
MARCH = st.datetimes(min_value=dt.datetime(2026, 3, 1), max_value=dt.datetime(2026, 4, 15)).map(
    lambda d: d.replace(tzinfo=JAKARTA)
)


def test_business_seconds_are_exact_to_the_microsecond():
    start = local_datetime(2026, 3, 9, 10, 0).replace(microsecond=700_000)
    end = local_datetime(2026, 3, 9, 12, 0).replace(microsecond=200_000)
    assert hours.business_seconds_between(start, end, schedule=DEFAULT) == 7199  # 7199.5 s
    end = end.replace(microsecond=700_000)
    assert hours.business_seconds_between(start, end, schedule=DEFAULT) == 7200


@given(start=MARCH, seconds=st.integers(min_value=0, max_value=20 * 24 * 3600))
def test_add_then_measure_round_trips_over_a_varied_schedule(start, seconds):
    end = hours.add_business_seconds(start, seconds, schedule=VARIED)
    assert hours.business_seconds_between(start, end, schedule=VARIED) == seconds


@given(start=MARCH, end=MARCH)
def test_the_report_imports_whole_second_clock_agrees_with_business_seconds_between(start, end):
    """The report import counts epoch seconds (`BusinessClock` in whole seconds); on the whole
    seconds it reads, it gives what every other caller gets from datetimes."""
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    in_seconds = hours.BusinessClock(VARIED)
    assert in_seconds.units_between(
        int(start.timestamp()), int(end.timestamp())
    ) == hours.business_seconds_between(start, end, schedule=VARIED)


@pytest.mark.django_db
def test_configured_schedule_is_read_from_the_database():
    WeeklyHours.objects.filter(weekday=6).update(is_closed=True)  # Sundays closed
    HoursException.objects.create(date=dt.date(2026, 3, 10), is_closed=True, note="test")
    hours.invalidate_schedule()
    assert not hours.is_open(local_datetime(2026, 3, 8, 10))  # Sunday
    assert hours.is_open(local_datetime(2026, 3, 9, 10))
    assert hours.next_open_at(local_datetime(2026, 3, 9, 21)) == local_datetime(2026, 3, 11, 8)
