"""Settlement with platforms: a statement per platform and month, closed once, consistent with the
ledger; the PMO's page and downloads, the platform's own page and API."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum
from openpyxl import load_workbook

from prakerja.core import clock
from prakerja.core.errors import Conflict
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.payouts import ledger, settlement
from prakerja.payouts.models import LedgerAccount, PlatformStatement, PlatformStatementLine
from prakerja.training.models import Purchase, PurchaseStatus
from prakerja.training.tests.factories import CourseFactory, PlatformFactory, PurchaseFactory

from .test_ledger import assert_books_balance

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)
IN_FEB = dt.datetime(2026, 2, 10, 3, 0, tzinfo=dt.UTC)  # 10:00 in Jakarta
IN_MAR = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


def at(day: int, month: int = 1, hour: int = 10) -> dt.datetime:
    return clock.local_datetime(2026, month, day, hour, 0)


def redeemed(course, when, price=None):
    return PurchaseFactory(
        course=course,
        price=price or course.price,
        purchased_at=when - dt.timedelta(days=1),
        status=PurchaseStatus.REDEEMED,
        redeemed_at=when,
    )


@pytest.fixture
def platforms():
    """Platform A: two vouchers redeemed in January, one in February, one bought and not
    redeemed, one cancelled; platform B: one redeemed in January."""
    a = CourseFactory(platform=PlatformFactory(name="Alfa"), price=500_000)
    b = CourseFactory(platform=PlatformFactory(name="Beta"), price=300_000)
    jan = [redeemed(a, at(5)), redeemed(a, at(31, hour=23), price=400_000)]
    feb = [redeemed(a, at(3, month=2))]
    PurchaseFactory(course=a, purchased_at=at(6))
    PurchaseFactory(
        course=a, purchased_at=at(7), status=PurchaseStatus.CANCELLED, cancelled_at=at(8)
    )
    b_jan = redeemed(b, at(20))
    return {"a": a.platform, "b": b.platform, "jan": jan, "feb": feb, "b_jan": b_jan}


def by_slug(statements):
    return {s.platform.slug: s for s in statements}


@time_machine.travel(IN_FEB, tick=False)
def test_an_open_month_counts_its_redeemed_vouchers(platforms):
    jan = by_slug(settlement.statements_for_month(month=JAN))
    a, b = jan[platforms["a"].slug], jan[platforms["b"].slug]
    assert (a.closed, a.redeemed_count, a.amount) == (False, 2, 900_000)
    assert (b.redeemed_count, b.amount) == (1, 300_000)
    lines = settlement.statement_lines(statement=a)
    assert [p.pk for p in lines] == [p.pk for p in platforms["jan"]]
    assert [p.line_amount for p in lines] == [500_000, 400_000]
    feb = by_slug(settlement.statements_for_month(month=FEB))[platforms["a"].slug]
    assert (feb.redeemed_count, feb.amount) == (1, 500_000)


@time_machine.travel(IN_FEB, tick=False)
def test_a_statement_is_closed_once_and_frozen(platforms):
    statement, created = settlement.platform_statement_close(platform=platforms["a"], month=JAN)
    assert created
    assert (statement.redeemed_count, statement.amount) == (2, 900_000)
    again, created = settlement.platform_statement_close(platform=platforms["a"], month=JAN)
    assert (again.pk, created) == (statement.pk, False)
    assert PlatformStatementLine.objects.filter(statement=statement).count() == 2
    assert AuditLog.objects.filter(action="platform_statement.close").count() == 1
    # A redemption of January committed after the closing is not lost: February's takes it.
    late = redeemed(platforms["feb"][0].course, at(31, hour=22))
    closed = by_slug(settlement.statements_for_month(month=JAN))[platforms["a"].slug]
    assert (closed.closed, closed.redeemed_count, closed.amount) == (True, 2, 900_000)
    with pytest.raises(Conflict) as refused:
        settlement.platform_statement_close(platform=platforms["a"], month=FEB)
    assert refused.value.code == "month_not_over"
    with time_machine.travel(IN_MAR, tick=False):
        feb, _created = settlement.platform_statement_close(platform=platforms["a"], month=FEB)
        assert feb.redeemed_count == 2
        assert set(feb.lines.values_list("purchase_id", flat=True)) == {
            platforms["feb"][0].pk,
            late.pk,
        }
        settlement.platform_statement_close(platform=platforms["b"], month=FEB)
        with pytest.raises(Conflict) as refused:
            settlement.platform_statement_close(platform=platforms["b"], month=JAN)
        assert refused.value.code == "later_month_closed"


@time_machine.travel(IN_FEB, tick=False)
def test_statements_agree_with_the_ledger(platforms):
    """Owed to platforms (the ledger) = bought and not cancelled - settled by statements;
    settled = the closed statements; the training spent figure does not move on settlement."""
    ledger.ledger_sync()
    spent_before = ledger.budget_report(start=JAN, end=FEB)["training_spent"]
    assert call_command_out("close_platform_statements") == "closed 2"
    assert call_command_out("close_platform_statements") == "closed 0"
    ledger.ledger_sync()
    assert_books_balance()
    balances = ledger.account_balances()
    bought = Purchase.objects.exclude(status=PurchaseStatus.CANCELLED).aggregate(
        total=Sum("price")
    )["total"]
    settled = PlatformStatement.objects.aggregate(total=Sum("amount"))["total"]
    assert settled == 900_000 + 300_000
    assert balances[LedgerAccount.PLATFORMS_SETTLED] == settled
    assert balances[LedgerAccount.PLATFORMS_PAYABLE] == bought - settled
    # what is still owed: the February voucher and the one bought and not yet redeemed
    assert bought - settled == 500_000 + 500_000
    assert ledger.budget_report(start=JAN, end=FEB)["training_spent"] == spent_before
    jan = by_slug(settlement.statements_for_month(month=JAN))
    assert jan[platforms["a"].slug].settled_to_date == 900_000
    assert (
        by_slug(settlement.statements_for_month(month=dt.date(2025, 12, 1)))[
            platforms["a"].slug
        ].settled_to_date
        == 0
    )


def call_command_out(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_close_command_refuses_a_bad_month():
    with pytest.raises(CommandError, match="bad_month"):
        call_command("close_platform_statements", month="2026-13")


@time_machine.travel(IN_FEB, tick=False)
def test_pmo_page_and_downloads(client, platforms, django_assert_max_num_queries):
    settlement.platform_statement_close(platform=platforms["a"], month=JAN)
    ledger.ledger_sync()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    with django_assert_max_num_queries(15):
        page = client.get("/pmo/penyelesaian-mitra/?month=2026-01")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-platform="{platforms["a"].slug}" data-closed="1"' in html
    assert f'data-platform="{platforms["b"].slug}" data-closed="0"' in html
    # by default the previous month
    assert 'value="2026-01"' in client.get("/pmo/penyelesaian-mitra/").content.decode()
    assert client.get("/pmo/penyelesaian-mitra/?month=januari").status_code == 200
    download = client.get(
        f"/pmo/penyelesaian-mitra/?month=2026-01&platform={platforms['a'].slug}&format=csv"
    )
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    vouchers = [r[0] for r in rows if r]
    assert [p.voucher_code for p in platforms["jan"]] == [
        v for v in vouchers if v in {p.voucher_code for p in platforms["jan"]}
    ]
    assert platforms["b_jan"].voucher_code not in vouchers
    assert ["900000"] in [r[1:] for r in rows if len(r) == 2]
    book = load_workbook(
        io.BytesIO(
            client.get(
                f"/pmo/penyelesaian-mitra/?month=2026-01&platform={platforms['b'].slug}&format=xlsx"
            ).content
        )
    )
    lines = book[book.sheetnames[1]]
    assert lines.cell(row=3, column=1).value == platforms["b_jan"].voucher_code
    assert lines.cell(row=3, column=5).value == 300_000
    missing = "/pmo/penyelesaian-mitra/?month=2026-01&platform=nope&format=csv"
    assert client.get(missing).status_code == 404
    client.force_login(user_with_role(Role.SUPERVISOR))
    assert client.get("/pmo/penyelesaian-mitra/").status_code == 403


@time_machine.travel(IN_FEB, tick=False)
def test_statement_exports_neutralise_formulas(client, platforms):
    course = platforms["feb"][0].course
    course.title = '=HYPERLINK("http://evil.test","klik")'
    course.save()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    url = f"/pmo/penyelesaian-mitra/?month=2026-01&platform={platforms['a'].slug}&format="
    cells = [
        c for row in csv.reader(io.StringIO(client.get(url + "csv").content.decode())) for c in row
    ]
    assert "'" + course.title in cells
    book = load_workbook(io.BytesIO(client.get(url + "xlsx").content))
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


@time_machine.travel(IN_FEB, tick=False)
def test_a_platform_sees_only_its_own_statements(client, platforms):
    settlement.platform_statement_close(platform=platforms["b"], month=JAN)
    client.force_login(platforms["a"].user)
    partner = client.get("/mitra/").content.decode()
    assert 'id="partner-statements"' in partner
    assert 'href="/mitra/penyelesaian/2026-02/"' in partner
    assert 'data-month="2026-01"' not in partner  # B's closed January is not A's
    page = client.get("/mitra/penyelesaian/2026-01/")
    html = page.content.decode()
    assert page.status_code == 200
    assert all(p.voucher_code in html for p in platforms["jan"])
    assert platforms["b_jan"].voucher_code not in html
    download = client.get("/mitra/penyelesaian/2026-01/?format=csv").content.decode()
    assert platforms["jan"][0].voucher_code in download
    assert platforms["b_jan"].voucher_code not in download
    assert client.get("/mitra/penyelesaian/2026-1/").status_code == 404
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get("/mitra/penyelesaian/2026-01/").status_code == 403
    client.logout()
    assert client.get("/mitra/penyelesaian/2026-01/").status_code == 302


@time_machine.travel(IN_FEB, tick=False)
def test_partner_statement_api(client, platforms):
    settlement.platform_statement_close(platform=platforms["a"], month=JAN)
    token = api_token_create(user=platforms["a"].user, name="erp")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = client.get("/api/v1/partner/statements/2026-01", **auth).json()
    assert {k: body[k] for k in ("platform", "month", "status", "redeemed_count", "amount")} == {
        "platform": platforms["a"].slug,
        "month": "2026-01",
        "status": "closed",
        "redeemed_count": 2,
        "amount": 900_000,
    }
    assert [line["voucher_code"] for line in body["lines"]] == [
        p.voucher_code for p in platforms["jan"]
    ]
    assert body["lines"][1]["amount"] == 400_000
    second = client.get("/api/v1/partner/statements/2026-01?offset=1&limit=1", **auth).json()
    assert [line["amount"] for line in second["lines"]] == [400_000]
    feb = client.get("/api/v1/partner/statements/2026-02", **auth).json()
    assert (feb["status"], feb["redeemed_count"]) == ("open", 1)
    bad = client.get("/api/v1/partner/statements/2026-13", **auth)
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_month")
    other = api_token_create(user=user_with_role(Role.PMO_ADMIN), name="x")[1]
    refused = client.get("/api/v1/partner/statements/2026-01", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_a_platform")
