import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import evaluate_schedule, switch_state
from prakerja.switches.services import switch_set_schedule

pytestmark = pytest.mark.django_db
WIB = clock.JAKARTA
OFF_AT = clock.local_datetime(2021, 12, 15, 23, 59)


def set_schedule(name="registration", windows=(), override=None, message="Ditutup."):
    return switch_set_schedule(
        name=name, windows=list(windows), override=override, message=message, actor=None
    )


SIGNUP = {
    "full_name": "Siti Aminah",
    "email": "siti@example.test",
    "password": "kuat-sekali-2021!",
    "phone": "0812-3456-7890",
}


def test_default_switches_are_on(client):
    body = client.get("/api/v1/switches").json()
    assert body["registration"] == {
        "active": True,
        "message": None,
        "active_until": None,
        "next_change_at": None,
    }
    assert body["account_linking"]["active"] is True


def test_signup_at_235859_succeeds_and_at_235900_is_refused(client):
    set_schedule(windows=[(None, OFF_AT)], message="Pendaftaran ditutup 15 Desember 23:59.")
    with time_machine.travel(OFF_AT - dt.timedelta(seconds=1), tick=False):
        response = client.post("/api/v1/accounts", SIGNUP, content_type="application/json")
        assert response.status_code == 201, response.content
    client.logout()
    with time_machine.travel(OFF_AT, tick=False):
        response = client.post(
            "/api/v1/accounts",
            {**SIGNUP, "email": "budi@example.test"},
            content_type="application/json",
        )
    assert response.status_code == 403
    assert response.json()["code"] == "registration_closed"
    assert response.json()["message"] == "Pendaftaran ditutup 15 Desember 23:59."


def test_get_switches_reports_until_and_next_change(client):
    reopen = clock.local_datetime(2022, 1, 10, 8, 0)
    set_schedule(windows=[(None, OFF_AT), (reopen, None)])
    with time_machine.travel(OFF_AT - dt.timedelta(minutes=5), tick=False):
        on = client.get("/api/v1/switches").json()["registration"]
    assert on["active"] is True
    assert dt.datetime.fromisoformat(on["active_until"]) == OFF_AT
    assert dt.datetime.fromisoformat(on["next_change_at"]) == OFF_AT
    with time_machine.travel(OFF_AT + dt.timedelta(days=1), tick=False):
        off = client.get("/api/v1/switches").json()["registration"]
    assert off["active"] is False
    assert off["message"] == "Ditutup."
    assert dt.datetime.fromisoformat(off["next_change_at"]) == reopen


def test_window_across_midnight_wib_is_evaluated_in_utc_correctly():
    # 22:00 WIB on the 1st to 02:00 WIB on the 2nd = 15:00-19:00 UTC on the 1st.
    start = clock.local_datetime(2024, 3, 1, 22, 0)
    end = clock.local_datetime(2024, 3, 2, 2, 0)
    windows = [(start, end)]

    def active(moment):
        return evaluate_schedule(windows=windows, override="", at=moment)[0]

    assert active(dt.datetime(2024, 3, 1, 15, 0, tzinfo=dt.UTC)) is True
    assert active(dt.datetime(2024, 3, 1, 14, 59, 59, tzinfo=dt.UTC)) is False
    assert active(clock.local_datetime(2024, 3, 2, 0, 0)) is True  # midnight WIB, inside
    assert active(dt.datetime(2024, 3, 1, 18, 59, 59, tzinfo=dt.UTC)) is True
    assert active(dt.datetime(2024, 3, 1, 19, 0, tzinfo=dt.UTC)) is False  # 02:00 WIB


def test_touching_windows_merge_into_one_block():
    a, b, c = (clock.local_datetime(2024, 1, d) for d in (1, 2, 3))
    active, until, nxt = evaluate_schedule(windows=[(b, c), (a, b)], override="", at=a)
    assert (active, until, nxt) == (True, c, c)


def test_override_pins_state_and_hides_next_change():
    a = clock.local_datetime(2024, 1, 1)
    assert evaluate_schedule(windows=[(a, None)], override="off", at=a) == (False, None, None)
    assert evaluate_schedule(windows=[], override="on", at=a) == (True, None, None)


def test_manual_override_off_refuses_signup_immediately(client):
    set_schedule(windows=[(None, None)], override="off", message="Sedang perawatan.")
    response = client.post("/api/v1/accounts", SIGNUP, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "registration_closed"


def test_put_switch_by_pmo_admin_replaces_schedule_and_audits(client):
    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    payload = {
        "windows": [
            {"active_from": None, "active_until": "2021-12-15T23:59:00+07:00"},
            {"active_from": "2022-01-10T08:00:00+07:00", "active_until": None},
        ],
        "override": None,
        "message": "Penautan rekening ditutup sementara.",
    }
    with time_machine.travel(OFF_AT + dt.timedelta(hours=1), tick=False):
        response = client.put(
            "/api/v1/switches/account_linking", payload, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["active"] is False
    assert body["message"] == "Penautan rekening ditutup sementara."
    assert body["override"] is None
    assert len(body["windows"]) == 2
    entry = AuditLog.objects.get(action="switch.update")
    assert entry.actor == pmo
    assert len(entry.before["windows"]) == 1
    assert entry.after["message"] == "Penautan rekening ditutup sementara."


@pytest.mark.parametrize(
    "windows",
    [
        [{"active_from": "2022-01-02T00:00:00+07:00", "active_until": "2022-01-01T00:00:00+07:00"}],
        [
            {
                "active_from": "2022-01-01T00:00:00+07:00",
                "active_until": "2022-01-05T00:00:00+07:00",
            },
            {"active_from": "2022-01-04T00:00:00+07:00", "active_until": None},
        ],
        [{"active_from": None, "active_until": None}, {"active_from": None, "active_until": None}],
    ],
    ids=["inverted", "overlapping", "two-open-ended"],
)
def test_put_switch_refuses_bad_windows_with_422(client, windows):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    response = client.put(
        "/api/v1/switches/registration",
        {"windows": windows, "override": None, "message": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "windows" in response.json()["errors"]
    assert switch_state(SwitchName.REGISTRATION).active is True


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.AGENT, Role.SUPERVISOR])
def test_put_switch_refused_for_everyone_but_pmo(client, role):
    client.force_login(user_with_role(role))
    response = client.put(
        "/api/v1/switches/registration",
        {"windows": [], "override": "off", "message": ""},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert switch_state(SwitchName.REGISTRATION).active is True


def test_put_switch_anonymous_is_401_and_unknown_name_422(client):
    assert (
        client.put("/api/v1/switches/registration", {}, content_type="application/json").status_code
        == 401
    )
    client.force_login(user_with_role(Role.PMO_ADMIN))
    response = client.put(
        "/api/v1/switches/nope",
        {"windows": [], "override": None, "message": ""},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_register_button_replaced_by_message_while_off(client):
    assert 'id="register-button"' in client.get("/").content.decode()
    set_schedule(
        windows=[(None, OFF_AT)], message="Pendaftaran dibuka lagi menjelang gelombang 23."
    )
    with time_machine.travel(OFF_AT, tick=False):
        html = client.get("/").content.decode()
        signup_page = client.get("/daftar/")
    assert 'id="register-button"' not in html
    assert "Pendaftaran dibuka lagi menjelang gelombang 23." in html
    assert "Pendaftaran dibuka lagi menjelang gelombang 23." in signup_page.content.decode()


def test_existing_users_still_log_in_and_see_dashboard_while_off(client):
    from prakerja.accounts.tests.factories import ParticipantFactory

    set_schedule(windows=[], override="off")
    set_schedule(name="account_linking", windows=[], override="off", message="Penautan ditutup.")
    ParticipantFactory(username="ani@example.test", email="ani@example.test")
    response = client.post(
        "/masuk/", {"username": "ani@example.test", "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    dashboard = client.get("/dasbor/").content.decode()
    assert 'id="link-account-button"' not in dashboard
    assert "Penautan ditutup." in dashboard


def test_pmo_preview_shows_the_site_at_a_future_time(client):
    set_schedule(windows=[(None, OFF_AT)], message="Ditutup untuk gelombang 22.")
    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    with time_machine.travel(OFF_AT - dt.timedelta(days=1), tick=False):
        assert "Ditutup untuk gelombang 22." not in client.get("/").content.decode()
        response = client.post("/pmo/pratinjau/", {"at": "2021-12-15T23:59:00"})
        assert response.status_code == 302
        html = client.get("/").content.decode()
        assert "Ditutup untuk gelombang 22." in html
        assert 'id="register-button"' not in html
        # the preview never leaks to the real clock of other visitors
        assert switch_state(SwitchName.REGISTRATION).active is True
        client.post("/pmo/pratinjau/", {"stop": "1"})
        assert "Ditutup untuk gelombang 22." not in client.get("/").content.decode()


def test_preview_page_is_for_pmo_admins_only(client):
    client.force_login(user_with_role(Role.SUPERVISOR))
    assert client.get("/pmo/pratinjau/").status_code == 403
