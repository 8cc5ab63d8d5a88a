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


@pytest.fixture
def seeded(transactional_db):
    """Data migrations' rows (roles, categories, hours, shifts) for transactional tests.

    A transactional test's flush empties them; `serialized_rollback` cannot restore them after
    another app's transactional test re-created content types. The seed functions are idempotent.
    """
    from importlib import import_module

    from django.apps import apps

    import_module("prakerja.core.migrations.0002_roles").create_roles(apps, None)
    import_module("prakerja.helpdesk.migrations.0002_seed").seed(apps, None)
