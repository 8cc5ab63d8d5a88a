"""The supervisors' wallboard: waiting contacts per channel, agents, today's queue metrics equal to
the report's, tickets at SLA risk; live in a browser."""

import datetime as dt
import threading

import pytest
import time_machine
from django.test import TestCase
from playwright.sync_api import expect

from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk import services as helpdesk
from prakerja.livechat import services as chats
from prakerja.livechat.tests.factories import on_shift_agent
from prakerja.livechat.tests.live import open_all_day
from prakerja.reports import selectors
from prakerja.reports.wallboard import wallboard
from prakerja.telephony.services import call_event_record

AT = clock.local_datetime(2026, 3, 10, 10, 0)  # a Tuesday, open, the morning shift


@pytest.fixture
def busy_morning():
    with (
        time_machine.travel(AT - dt.timedelta(minutes=30), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        chats.chat_start(requester=None, name="A", email="a@example.test", question="Saldo?")
        helpdesk.ticket_create(
            channel="web",
            subject="Sertifikat",
            description="Belum terbit",
            category_slug="other",
            name="B",
            email="b@example.test",
            route=False,
        )
        call_event_record(
            event="newCall",
            call_id="r-1",
            direction="in",
            from_number="081234567890",
            to_number="08001503001",
        )
    with time_machine.travel(AT, tick=False):
        yield on_shift_agent(username="sari", at=AT)


@pytest.mark.django_db
def test_board_counts_waiting_contacts_agents_and_sla(busy_morning, django_assert_max_num_queries):
    with time_machine.travel(AT, tick=False):
        with django_assert_max_num_queries(30):
            board = wallboard()
        today = selectors.contact_metrics(start=AT.date(), end=AT.date())
    waiting = {q["channel"]: q for q in board["waiting"]}
    assert (waiting["chat"]["waiting"], waiting["chat"]["longest_wait"]) == (1, 1800)
    assert (waiting["phone"]["waiting"], waiting["phone"]["longest_wait"]) == (1, 1800)
    assert (waiting["web"]["waiting"], waiting["web"]["longest_wait"]) == (1, 1800)
    assert board["agent_counts"] == {"on_shift": 1, "online": 1, "busy": 0, "away": 0, "offline": 0}
    [row] = board["agents"]
    assert (row["user"].username, row["chats"], row["chat_capacity"]) == ("sari", 0, 3)
    assert board["today"] == today  # the same figures as the report for today
    assert board["sla"]["count"] == 0


@pytest.mark.django_db
def test_page_for_supervisors_and_pmo_only(client, busy_morning):
    for role, status in [
        (Role.SUPERVISOR, 200),
        (Role.PMO_ADMIN, 200),
        (Role.AGENT, 403),
        (Role.PARTICIPANT, 403),
    ]:
        client.force_login(user_with_role(role, username=f"u-{role}"))
        assert client.get("/laporan/papan/").status_code == status
        assert client.get("/laporan/papan/live/").status_code == status
    client.logout()
    assert client.get("/laporan/papan/").status_code == 302


@pytest.mark.django_db
def test_page_shows_the_figures(client, busy_morning):
    client.force_login(user_with_role(Role.SUPERVISOR, username="spv"))
    html = client.get("/laporan/papan/live/").content.decode()
    assert 'data-waiting="chat"' in html
    assert "1.800 s" in html  # Indonesian thousands
    assert busy_morning.get_full_name() in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_queued_chat_appears_on_the_open_wallboard(page, live_server, settings, tmp_path):
    settings.REPORTS_WALLBOARD_REFRESH_SECONDS = 1
    open_all_day()  # so the chat queues whatever time the suite runs
    user_with_role(Role.SUPERVISOR, username="sup-w", password="secret-pass-123")
    page.goto("/masuk/?next=/laporan/papan/")
    page.fill("input[name=username]", "sup-w")
    page.fill("input[name=password]", "secret-pass-123")
    page.click("main button[type=submit]")
    page.wait_for_url("**/laporan/papan/")
    chat_count = page.locator("[data-waiting=chat] .kpi-value")
    assert chat_count.inner_text() == "0"
    # From another thread: Playwright's event loop runs in this one.
    visitor = threading.Thread(
        target=chats.chat_start,
        kwargs={
            "requester": None,
            "name": "Wati",
            "email": "w@example.test",
            "question": "Voucher?",
        },
    )
    visitor.start()
    visitor.join()
    expect(chat_count).to_have_text("1", timeout=10_000)
    for width, height in [(412, 915), (1366, 900)]:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=tmp_path / f"wallboard-{width}.png", full_page=True)
