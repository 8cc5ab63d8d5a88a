import pytest
import time_machine

from prakerja.core import clock


@pytest.fixture
def open_hours():
    """Freeze time at 10:00 WIB on a normal day (open, Pagi shift)."""
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 10, 0), tick=False) as traveller:
        yield traveller
