import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum
from openpyxl import load_workbook

from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.payouts import incentives, ledger
from prakerja.payouts.models import BudgetAllocation, LedgerAccount, LedgerEntry
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
    start = html.index('id="budget-charts"')
    charts = html[start : html.index("</div>", start)]
    assert charts.count('<svg class="chart') == 2
    assert charts.count("<polyline") == 0  # a single month has points, no line
    assert charts.count("<circle") == 2
    assert "<title>Mar 2026 · " in charts
    assert 'href="/pmo/anggaran/"' in client.get("/pmo/anggaran/").content.decode()
    csv = client.get("/pmo/anggaran/?from=2026-02-01&to=2026-03-31&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    header = "allocated,committed,training_spent,incentives_paid,outstanding,returned"
    months = lines.index("month," + header)
    assert lines[months + 1] == "2026-02,0,0,0,0,0,0"
    assert lines[months + 2] == "2026-03,100000000,5400000,500000,600000,1800000,1000000"
    waves = lines[lines.index("wave," + header) + 1 :]
    assert waves[-1] == ",100000000,0,0,0,0,0"  # the program-wide allocation
    assert sum(int(line.split(",")[2]) for line in waves) == 5_400_000
    assert client.get("/pmo/anggaran/?from=nonsense").status_code == 200
    client.force_login(journey["paid"])
    assert client.get("/pmo/anggaran/").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_budget_breakdown_adds_up_to_the_period(journey):
    """Per month and per wave, each figure sums to the period's (outstanding: the last month's
    equals the period's, and the waves' sum to it)."""
    ledger.ledger_sync()
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    figures = ledger.budget_report(start=start, end=end)
    breakdown = ledger.budget_breakdown(start=start, end=end)
    assert [row["month"] for row in breakdown["months"]] == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    for key in ("allocated", "committed", "training_spent", "incentives_paid", "returned"):
        assert sum(row[key] for row in breakdown["months"]) == figures[key], key
        assert sum(row[key] for row in breakdown["waves"]) == figures[key], key
    assert breakdown["months"][-1]["outstanding"] == figures["outstanding"] == 1_800_000
    assert sum(row["outstanding"] for row in breakdown["waves"]) == figures["outstanding"]
    assert breakdown["waves"][-1]["wave"] is None  # the program-wide allocation comes last


@time_machine.travel(NOW, tick=False)
def test_budget_api_breakdown_is_optional(client, journey):
    ledger.ledger_sync()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    plain = client.get("/api/v1/reports/budget?from=2026-03-01&to=2026-03-31").json()
    assert "months" not in plain
    full = client.get("/api/v1/reports/budget?from=2026-03-01&to=2026-03-31&breakdown=true")
    body = full.json()
    assert {k: v for k, v in body.items() if k not in ("months", "waves")} == plain
    assert body["months"] == [
        {
            "month": "2026-03-01",
            "allocated": 100_000_000,
            "committed": 5_400_000,
            "training_spent": 500_000,
            "incentives_paid": 600_000,
            "outstanding": 1_800_000,
            "returned": 1_000_000,
        }
    ]


@time_machine.travel(NOW, tick=False)
def test_budget_xlsx_has_the_three_tables(client, journey):
    ledger.ledger_sync()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    response = client.get("/pmo/anggaran/?from=2026-03-01&to=2026-03-31&format=xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    months = book[book.sheetnames[1]]
    assert [c.value for c in months[2]][:2] == ["month", "allocated"]
    assert [c.value for c in months[3]][:2] == ["2026-03", 100_000_000]


def test_budget_allocate_command_is_idempotent_by_reference():
    out = io.StringIO()
    call_command("budget_allocate", amount=5_000_000, reference="DIPA-1", note="x", stdout=out)
    call_command("budget_allocate", amount=5_000_000, reference="DIPA-1", stdout=out)
    assert BudgetAllocation.objects.get().amount == 5_000_000
    assert out.getvalue().splitlines()[1].startswith("already allocated")
    with pytest.raises(CommandError, match="reference_used"):
        call_command("budget_allocate", amount=6_000_000, reference="DIPA-1", stdout=out)
    with pytest.raises(CommandError, match="bad_amount"):
        call_command("budget_allocate", amount=0, stdout=out)
    with pytest.raises(CommandError, match="wave_not_found"):
        call_command("budget_allocate", amount=1, wave=999, stdout=out)
    assert AuditLog.objects.filter(action="budget.allocate").count() == 1


def test_budget_allocate_form(client):
    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    data = {"amount": "7000000", "reference": "DIPA-2", "note": "APBN", "wave": ""}
    assert client.post("/pmo/anggaran/alokasi/", data).status_code == 302
    assert client.post("/pmo/anggaran/alokasi/", data).status_code == 302  # a double submit
    allocation = BudgetAllocation.objects.get()
    assert (allocation.amount, allocation.reference, allocation.wave) == (7_000_000, "DIPA-2", None)
    assert AuditLog.objects.get(action="budget.allocate").actor == pmo
    for bad, status, code in [
        ({**data, "amount": "-5", "reference": "DIPA-3"}, 422, "bad_amount"),
        ({**data, "amount": "abc", "reference": "DIPA-3"}, 422, "bad_amount"),
        ({**data, "reference": ""}, 422, "reference_required"),
        ({**data, "wave": "999", "reference": "DIPA-3"}, 422, "wave_not_found"),
        ({**data, "amount": "8000000"}, 409, "reference_used"),
    ]:
        response = client.post("/pmo/anggaran/alokasi/", bad)
        assert response.status_code == status, bad
        assert f'data-code="{code}"' in response.content.decode()
    assert BudgetAllocation.objects.count() == 1
    client.force_login(user_with_role(Role.SUPERVISOR))
    assert client.post("/pmo/anggaran/alokasi/", {**data, "reference": "X"}).status_code == 403
