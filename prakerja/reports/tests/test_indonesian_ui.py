"""Staff pages in Indonesian show labels, never the codes behind them (presence, channel)."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from prakerja.core import clock
from prakerja.helpdesk import services as helpdesk
from prakerja.helpdesk.models import PresenceStatus
from prakerja.helpdesk.tests.factories import on_shift_agent, supervisor

AT = clock.local_datetime(2026, 3, 10, 10, 0)  # a Tuesday, open, the morning shift
CODES = re.compile(r"\b(online|offline|away|web|email|pending|verified|open|resolved)\b")


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"(?s)<(script|style|template)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def staffed_morning():
    with time_machine.travel(AT - dt.timedelta(minutes=5), tick=False):
        helpdesk.ticket_create(
            channel="web",
            subject="Sertifikat",
            description="Belum terbit",
            category_slug="other",
            name="B",
            email="b@example.test",
            route=False,
        )
    with time_machine.travel(AT, tick=False):
        on_shift_agent(username="sari", at=AT)
        on_shift_agent(username="budi", at=AT, status=PresenceStatus.AWAY)
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["helpdesk:supervisor", "reports:wallboard"])
def test_staff_boards_in_indonesian_show_no_codes(client, staffed_morning, url_name):
    client.force_login(supervisor())
    client.cookies["django_language"] = "id"
    with time_machine.travel(AT, tick=False):
        text = visible_text(client.get(reverse(url_name)))
    assert "Daring" in text
    assert "Sedang istirahat" in text
    assert CODES.findall(text) == []


@pytest.mark.django_db
def test_wallboard_names_the_channel_of_unassigned_tickets(client, staffed_morning):
    client.force_login(supervisor())
    client.cookies["django_language"] = "id"
    with time_machine.travel(AT, tick=False):
        text = visible_text(client.get(reverse("reports:wallboard")))
    assert "Tiket belum ditugaskan (Formulir pengaduan)" in text
