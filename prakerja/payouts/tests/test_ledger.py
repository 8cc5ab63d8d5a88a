import datetime as dt

import pytest
import time_machine
from django.db.models import Sum

from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.payouts import incentives, ledger
from prakerja.payouts.models import LedgerAccount, LedgerEntry
from prakerja.training.models import Card
from prakerja.training.services import cards_revoke_due, purchase_cancel
from prakerja.training.tests.factories import CardFactory, PurchaseFactory

from .factories import LinkedAccountFactory
from .test_incentives import NOW, reviewed

pytestmark = pytest.mark.django_db


def assert_books_balance():
    assert ledger.ledger_unbalanced() == []
    assert LedgerEntry.objects.values("source", "source_id", "event").distinct().count() * 2 == (
        LedgerEntry.objects.count()
    )


@pytest.fixture
def journey():
    """Money moving the way the program moves it: an allocation, cards, purchases (one cancelled),
    a revoked card, incentives scheduled and one paid."""
    with time_machine.travel(NOW, tick=False):
        ledger.budget_allocate(amount=100_000_000, note="APBN")
        paid = reviewed()  # card 1,000,000; purchase 500,000; four incentives scheduled
        Card.objects.filter(participant=paid).update(balance=500_000)  # what the factory skipped
        LinkedAccountFactory(user=paid)
        incentives.incentives_disburse()  # the first incentive paid
        card = CardFactory()
        purchase = PurchaseFactory(card=card, price=300_000)
        Card.objects.filter(pk=card.pk).update(balance=700_000)
        purchase_cancel(purchase=purchase, actor=card.participant)
        unused = CardFactory()
        Card.objects.filter(pk=unused.pk).update(first_purchase_deadline=NOW - dt.timedelta(1))
        cards_revoke_due()
        return {"paid": paid}


@time_machine.travel(NOW, tick=False)
def test_every_movement_is_two_legs_summing_to_zero_and_posted_once(journey):
    assert ledger.ledger_sync() > 0
    assert_books_balance()
    assert ledger.ledger_sync() == 0
    balances = ledger.account_balances()
    assert sum(balances.values()) == 0
    assert balances[LedgerAccount.INCENTIVES_PAID] == 600_000
    assert balances[LedgerAccount.INCENTIVES_PAYABLE] == 3 * 600_000
    assert balances[LedgerAccount.PLATFORMS_PAYABLE] == 500_000  # the cancelled one came back
    assert balances[LedgerAccount.RETURNED] == 1_000_000
    # the card balances account is what the live cards hold
    live = Card.objects.filter(revoked_at__isnull=True).aggregate(total=Sum("balance"))["total"]
    assert balances[LedgerAccount.CARD_BALANCES] == live


@time_machine.travel(NOW, tick=False)
def test_budget_report_api(client, journey):
    ledger.ledger_sync()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    response = client.get("/api/v1/reports/budget?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "allocated": 100_000_000,
        "committed": 3 * 1_000_000 + 4 * 600_000,
        "training_spent": 500_000,
        "incentives_paid": 600_000,
        "outstanding": 3 * 600_000,
        "returned": 1_000_000,
    }
    before = client.get("/api/v1/reports/budget?from=2026-01-01&to=2026-02-28").json()
    assert before["committed"] == 0
    assert client.get("/api/v1/reports/budget?from=2026-04-01&to=2026-03-01").status_code == 422
    assert client.get("/api/v1/reports/budget?from=yesterday").status_code == 422
    client.force_login(user_with_role(Role.SUPERVISOR))
    assert client.get("/api/v1/reports/budget").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_budget_page_and_csv(client, journey, django_assert_max_num_queries):
    ledger.ledger_sync()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    with django_assert_max_num_queries(20):
        page = client.get("/pmo/anggaran/?from=2026-03-01&to=2026-03-31")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="budget-figures"' in html
    assert "Rp\u00a0100.000.000" in html
    # the charts: per month spent and paid (one point each), per wave committed and spent
    charts = html[html.index('id="budget-charts"') :]
    assert charts.count('<svg class="chart') == 2
    assert charts.count("<polyline") == 0  # a single month has points, no line
    assert charts.count("<circle") == 2
    assert "<title>Mar 2026 · " in charts
    assert 'href="/pmo/anggaran/"' in client.get("/pmo/anggaran/").content.decode()
    csv = client.get("/pmo/anggaran/?from=2026-03-01&to=2026-03-31&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "wave,month,allocated,committed,training_spent,incentives_paid,returned"
    assert any(line.startswith(",2026-03,100000000,") for line in lines)
    assert client.get("/pmo/anggaran/?from=nonsense").status_code == 200
    client.force_login(journey["paid"])
    assert client.get("/pmo/anggaran/").status_code == 403
