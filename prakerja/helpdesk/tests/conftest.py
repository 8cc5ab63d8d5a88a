import pytest
import time_machine

from prakerja.core import clock


@pytest.fixture
def open_hours():
    """Freeze time at 10:00 WIB on a normal day (open, Pagi shift)."""
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def reseeded(db):
    """Re-run the data migrations (roles, helpdesk seeds) when an earlier transactional test
    flushed them. Browser tests need this: with Playwright's event loop running in the test
    thread, Django's per-context connection lacks the serialized copy serialized_rollback uses."""
    from importlib import import_module

    from django.apps import apps as global_apps

    from prakerja.helpdesk.models import Category

    if Category.objects.exists():
        return
    import_module("prakerja.core.migrations.0002_roles").create_roles(global_apps, None)
    import_module("prakerja.helpdesk.migrations.0002_seed").seed(global_apps, None)
    import_module("prakerja.helpdesk.migrations.0003_seed_knowledge_base").seed(global_apps, None)
