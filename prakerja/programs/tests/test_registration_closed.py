"""While registration is off the site says when it reopens, and no banner says it is open."""

import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.switches.models import SwitchName
from prakerja.switches.tests.test_switches import set_schedule

from .factories import AnnouncementFactory

pytestmark = pytest.mark.django_db
OPENS = clock.local_datetime(2026, 5, 4, 9, 0)


@pytest.fixture
def scheduled_opening():
    set_schedule(windows=[(OPENS, None)], message="Pendaftaran ditutup sementara.")
    AnnouncementFactory(
        title="Pendaftaran akun dibuka",
        publish_at=OPENS - dt.timedelta(days=2),
        while_switch_on=SwitchName.REGISTRATION,
    )
    AnnouncementFactory(title="Jadwal pelatihan", publish_at=OPENS - dt.timedelta(days=2))


def test_before_the_opening_the_pages_say_when_registration_reopens(client, scheduled_opening):
    with time_machine.travel(OPENS - dt.timedelta(seconds=1), tick=False):
        home = client.get("/").content.decode()
        signup = client.get("/daftar/").content.decode()
        live = client.get("/api/v1/announcements?live_only=true").json()
        switch = client.get("/api/v1/switches").json()["registration"]
    assert switch["active"] is False
    for html in (home, signup):
        assert "Pendaftaran ditutup sementara." in html
        assert 'id="registration-reopens"' in html
        assert "4 Mei 2026 09.00 WIB" in html
    assert 'id="register-button"' not in home
    # the banner never contradicts the switch; other news stays
    assert "Pendaftaran akun dibuka" not in home
    assert "Jadwal pelatihan" in home
    assert [a["title"] for a in live] == ["Jadwal pelatihan"]


def test_from_the_opening_second_the_form_and_the_banner_are_back(client, scheduled_opening):
    with time_machine.travel(OPENS, tick=False):
        home = client.get("/").content.decode()
        signup = client.get("/daftar/").content.decode()
        live = client.get("/api/v1/announcements?live_only=true").json()
    assert 'id="register-button"' in home
    assert 'id="registration-reopens"' not in home
    assert "Pendaftaran akun dibuka" in home
    assert 'name="password"' in signup
    assert {a["title"] for a in live} == {"Pendaftaran akun dibuka", "Jadwal pelatihan"}


def test_closed_without_a_scheduled_opening_says_no_time(client):
    set_schedule(windows=[], override="off", message="Ditutup.")
    html = client.get("/daftar/").content.decode()
    assert "Ditutup." in html
    assert 'id="registration-reopens"' not in html
