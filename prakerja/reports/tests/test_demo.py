import io

import pytest

from prakerja.reports import demo
from prakerja.reports.models import TicketFact

pytestmark = pytest.mark.django_db


def test_demo_history_is_loaded_once(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_ROWS", 200)
    demo.seed(stdout=io.StringIO())
    assert TicketFact.objects.count() == demo.DEMO_ROWS
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "already loaded" in out.getvalue()
    assert TicketFact.objects.count() == demo.DEMO_ROWS
