"""The schedule reads behind the PMO console: coming changes, on-periods, the fingerprint."""

import datetime as dt

import pytest

from prakerja.core import clock
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import (
    schedule_changes,
    switch_fingerprint,
    switch_on_periods,
)
from prakerja.switches.services import switch_set_schedule

pytestmark = pytest.mark.django_db
D = clock.local_datetime


def test_changes_follow_the_windows_and_join_touching_ones():
    windows = [
        (None, D(2021, 12, 15, 23, 59)),
        (D(2022, 1, 3, 8), D(2022, 1, 10)),
        (D(2022, 1, 10), D(2022, 1, 31, 23, 59, 59)),
    ]
    changes = schedule_changes(windows=windows, override="", start=D(2021, 12, 10))
    assert changes == [
        (D(2021, 12, 15, 23, 59), False),
        (D(2022, 1, 3, 8), True),
        (D(2022, 1, 31, 23, 59, 59), False),
    ]
    assert schedule_changes(windows=windows, override="", start=D(2021, 12, 10), limit=1) == [
        (D(2021, 12, 15, 23, 59), False)
    ]
    # at the exact second of a change it has happened: the next one is listed
    assert schedule_changes(windows=windows, override="", start=D(2021, 12, 15, 23, 59))[0] == (
        D(2022, 1, 3, 8),
        True,
    )


@pytest.mark.parametrize("override", ["on", "off"])
def test_an_override_leaves_no_change(override):
    assert (
        schedule_changes(windows=[(None, D(2022, 1, 1))], override=override, start=D(2021, 1, 1))
        == []
    )


def test_on_periods_are_clipped_to_the_range_and_follow_the_override():
    switch_set_schedule(
        name=SwitchName.REGISTRATION,
        windows=[(None, D(2021, 12, 15, 23, 59)), (D(2022, 1, 3), None)],
        override=None,
        message="",
        actor=None,
    )
    start, end = D(2021, 12, 1), D(2022, 1, 31)
    assert switch_on_periods(SwitchName.REGISTRATION, start=start, end=end) == [
        (start, D(2021, 12, 15, 23, 59)),
        (D(2022, 1, 3), end),
    ]
    switch_set_schedule(
        name=SwitchName.REGISTRATION, windows=[], override="on", message="", actor=None
    )
    assert switch_on_periods(SwitchName.REGISTRATION, start=start, end=end) == [(start, end)]
    # a switch without a row is on
    assert switch_on_periods(SwitchName.ACCOUNT_LINKING, start=start, end=end) == [(start, end)]


def test_the_fingerprint_changes_with_the_stored_schedule_only():
    def store(message: str, until=None):
        switch_set_schedule(
            name=SwitchName.REGISTRATION,
            windows=[(None, until)],
            override=None,
            message=message,
            actor=None,
        )
        return switch_fingerprint(SwitchName.REGISTRATION)

    stored = store("Ditutup.")
    assert store("Ditutup.") == stored  # saved again unchanged
    assert store("Ditutup!") != stored
    assert store("Ditutup.", until=D(2022, 1, 1) + dt.timedelta(seconds=1)) != stored
