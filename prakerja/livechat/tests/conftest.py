import pytest
import time_machine

from prakerja.core import clock


@pytest.fixture
def open_hours():
    """10:00 WIB on a normal day: chat open, Pagi shift. Ticks, so websocket timeouts work."""
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 10, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def frozen_open_hours():
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 10, 0), tick=False) as traveller:
        yield traveller
