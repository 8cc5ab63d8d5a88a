import datetime as dt

import pytest
import time_machine

from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import Application
from prakerja.programs.services import wave_join
from prakerja.switches.models import Switch, SwitchWindow
from prakerja.switches.selectors import switch_state

from .factories import WaveFactory
from .test_waves import verified_participant

pytestmark = pytest.mark.django_db


def window_form(switch, rows, *, message="Ditutup.", override=""):
    existing = list(switch.windows.all())
    data = {
        "override": override,
        "message": message,
        "windows-TOTAL_FORMS": str(len(rows)),
        "windows-INITIAL_FORMS": str(len(existing)),
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "1000",
    }
    for i, (start, end) in enumerate(rows):
        if i < len(existing):
            data[f"windows-{i}-id"] = str(existing[i].pk)
        data[f"windows-{i}-switch"] = str(switch.pk)
        data[f"windows-{i}-active_from_0"], data[f"windows-{i}-active_from_1"] = start or ("", "")
        data[f"windows-{i}-active_until_0"], data[f"windows-{i}-active_until_1"] = end or ("", "")
    return data


def test_pmo_sets_a_switch_in_wib_in_the_admin_and_it_is_audited(client):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    switch = Switch.objects.get(name="registration")
    url = f"/admin/switches/switch/{switch.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, window_form(switch, [(None, ("2021-12-15", "23:59:00"))]))
    assert response.status_code == 302, response.content.decode()[:2000]
    window = SwitchWindow.objects.get(switch=switch)
    assert window.active_until == dt.datetime(2021, 12, 15, 16, 59, tzinfo=dt.UTC)
    assert AuditLog.objects.filter(action="switch.update", object_id=str(switch.pk)).exists()
    with time_machine.travel(dt.datetime(2021, 12, 15, 16, 58, 59, tzinfo=dt.UTC), tick=False):
        assert switch_state("registration").active is True
    with time_machine.travel(dt.datetime(2021, 12, 15, 16, 59, tzinfo=dt.UTC), tick=False):
        assert switch_state("registration").active is False


def test_admin_refuses_overlapping_windows(client):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    switch = Switch.objects.get(name="registration")
    data = window_form(
        switch,
        [
            (("2022-01-01", "00:00:00"), ("2022-01-10", "00:00:00")),
            (("2022-01-05", "00:00:00"), None),
        ],
    )
    response = client.post(f"/admin/switches/switch/{switch.pk}/change/", data)
    assert response.status_code == 200
    assert "tumpang tindih" in response.content.decode()


def test_supervisor_cannot_change_switches(client):
    client.force_login(user_with_role(Role.SUPERVISOR))
    switch = Switch.objects.get(name="registration")
    assert client.post(f"/admin/switches/switch/{switch.pk}/change/", {}).status_code == 403


def test_selection_admin_action_and_funnel_page(client):
    wave = WaveFactory(quota=1)
    wave_join(participant=verified_participant(), wave=wave)
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get(f"/admin/programs/wave/{wave.pk}/funnel/").status_code == 200
    with time_machine.travel(wave.closes_at + dt.timedelta(minutes=1), tick=False):
        response = client.post(
            "/admin/programs/wave/",
            {"action": "run_selection", "_selected_action": [wave.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert Application.objects.get().status == "selected"
