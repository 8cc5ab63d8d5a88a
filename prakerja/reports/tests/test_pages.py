import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from prakerja.core import clock
from prakerja.core.clock import local_datetime
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.payouts.models import IncentivePayment, PaymentStatus
from prakerja.payouts.tests.factories import LinkedAccountFactory
from prakerja.reports.services import chat_deflection_record
from prakerja.training.tests.factories import CardFactory, PurchaseFactory

from .factories import agent, reply_at, resolve_at, ticket_at

pytestmark = pytest.mark.django_db
RANGE = {"start": "2026-01-01", "end": "2026-12-31"}


@pytest.fixture
def data():
    staff = agent("andi")
    for i, channel in enumerate(["chat", "phone", "web", "web"]):
        at = local_datetime(2026, 1 + i, 5, 9, 0)
        t = ticket_at(at, channel=channel, assignee=staff, phone="+6281234567890")
        t = reply_at(t, at + dt.timedelta(minutes=5), staff)
        if i < 3:
            resolve_at(t, at + dt.timedelta(minutes=65), staff)
    chat_deflection_record(at=local_datetime(2026, 2, 1, 10))
    return staff


@pytest.fixture
def supervisor_client(client):
    client.force_login(user_with_role(Role.SUPERVISOR, username="sup1"))
    return client


def test_page_for_supervisors_with_charts_tables_and_definitions(
    supervisor_client, data, django_assert_num_queries
):
    # Fixed: reads rollups, not tickets (the queue metrics: their rollup, deflections, and the
    # last days' calls and chats live).
    with django_assert_num_queries(20):
        response = supervisor_client.get("/laporan/", RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart') == 6  # the six charts (the page has icons too)
    assert 'role="img"' in html
    for key in ("totals", "channels", "queues", "months", "categories", "heatmap", "agents"):
        assert f'data-table="{key}"' in html
    assert 'data-kpi="total">4<' in html
    assert "andi" in html  # per-agent productivity
    assert "rata-rata tertimbang" not in html  # sanity: definitions are unweighted mean wording
    assert "4 atau 5" in html  # definition of satisfied, in Indonesian


def test_page_refuses_agents_and_anonymous(client, data):
    assert client.get("/laporan/").status_code == 302
    client.force_login(agent("budi"))
    assert client.get("/laporan/").status_code == 403
    assert client.get("/laporan/ekspor.csv").status_code == 403


def test_csv_export_has_every_table(supervisor_client, data):
    response = supervisor_client.get("/laporan/ekspor.csv", RANGE)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    flat = [r for r in rows if r]
    assert ["Laporan", "4"] in [r[:2] for r in flat]  # Totals: Reports = 4 (Indonesian labels)
    months = flat.index(["Per bulan"])
    assert flat[months + 2][:2] == ["2026-01", "1"]
    assert any(r[0] == "andi" and r[1] == "4" and r[2] == "3" for r in flat)


def test_xlsx_export(supervisor_client, data):
    response = supervisor_client.get("/laporan/ekspor.xlsx", RANGE)
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 7
    months = book[book.sheetnames[2]]
    assert [c.value for c in months[3]][:2] == ["2026-01", 1]


def test_deflected_chats_are_counted():
    from prakerja.livechat.services import chat_deflect
    from prakerja.reports.selectors import report

    chat_deflect(requester=None, name="Ani", email="", question="Cara daftar?", article="/faq/1")
    today = clock.local_now().date()
    assert report(start=today, end=today)["totals"]["deflected_chats"] == 1


def test_public_statistics_page_has_no_personal_data(client, data):
    response = client.get("/statistik/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 pengaduan" in html
    assert "andi" not in html
    assert "warga@example.test" not in html


def test_exports_write_formula_like_names_as_text(supervisor_client):
    """A category or agent name starting with = + - @ must not run as a formula in Excel."""
    from prakerja.helpdesk.models import Category

    evil = '=HYPERLINK("http://evil.test","klik")'
    Category.objects.create(slug="evil", name_id=evil, name_en=evil)
    staff = agent("@SUM(1+1)")
    at = local_datetime(2026, 1, 5, 9, 0)
    ticket_at(at, category="evil", assignee=staff)
    rows = list(
        csv.reader(
            io.StringIO(supervisor_client.get("/laporan/ekspor.csv", RANGE).content.decode())
        )
    )
    cells = [cell for row in rows for cell in row]
    assert "'" + evil in cells
    assert "'@SUM(1+1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    book = load_workbook(io.BytesIO(supervisor_client.get("/laporan/ekspor.xlsx", RANGE).content))
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert "'" + evil in values
    assert not [v for v in values if isinstance(v, str) and v[:1] in ("=", "+", "@")]
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_public_statistics_show_the_program_figures(client):
    card = CardFactory()
    PurchaseFactory(card=card, completed=True)
    PurchaseFactory(card=card)  # bought, not completed
    account = LinkedAccountFactory(user=card.participant)
    for number, status in [(1, PaymentStatus.PAID), (2, PaymentStatus.PAID), (3, "scheduled")]:
        IncentivePayment.objects.create(
            participant=card.participant,
            card=card,
            kind="incentive",
            number=number,
            amount=600_000,
            due_on=clock.local_now().date(),
            status=status,
            linked_account=account,
            scheduled_at=clock.now(),
        )

    def figures(html):
        return {
            key: html.split(f'data-figure="{key}">', 1)[1].split("<", 1)[0]
            for key in ("participants", "trainings_completed", "incentives_paid")
        }

    html = client.get("/statistik/").content.decode()
    assert figures(html) == {
        "participants": "1",
        "trainings_completed": "1",
        "incentives_paid": "2",
    }
    assert "Rp\u00a01.200.000" in html
    CardFactory()  # the page is cached: a new participant shows later, not now
    assert figures(client.get("/statistik/").content.decode())["participants"] == "1"
