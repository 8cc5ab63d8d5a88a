"""The PMO console: who may open it, the switch schedule's review-then-confirm flow, waves,
selection, announcements and the activity feed, each write audited through the services."""

import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import Announcement, ApplicationStatus, Wave
from prakerja.switches.models import Switch, SwitchName
from prakerja.switches.selectors import switch_state
from prakerja.switches.services import switch_set_schedule

from .factories import WaveFactory
from .test_waves import verified_participant

pytestmark = pytest.mark.django_db
NOW = clock.local_datetime(2021, 12, 10, 10)
OFF_AT = clock.local_datetime(2021, 12, 15, 23, 59)
CONSOLE_PAGES = [
    "/pmo/",
    "/pmo/aktivitas/",
    "/pmo/sakelar/registration/",
    "/pmo/gelombang/",
    "/pmo/pengumuman/",
    "/pmo/roster/",
    "/pmo/pratinjau/",
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pmo(client):
    user = user_with_role(Role.PMO_ADMIN, username="pmo")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    client.user = user
    return client


@pytest.fixture
def registration_on():
    """Registration on with no end, as the demo seeds it."""
    return switch_set_schedule(
        name=SwitchName.REGISTRATION,
        windows=[(None, None)],
        override=None,
        message="Pendaftaran ditutup.",
        actor=None,
    )


def schedule_post(*, until: str, message: str = "Pendaftaran ditutup.", **extra) -> dict:
    """The schedule form with its one stored window [open, until) and two blank rows."""
    return {
        "w-TOTAL_FORMS": "3",
        "w-INITIAL_FORMS": "1",
        "w-MIN_NUM_FORMS": "0",
        "w-MAX_NUM_FORMS": "1000",
        "w-0-active_from": "",
        "w-0-active_until": until,
        "w-1-active_from": "",
        "w-1-active_until": "",
        "w-2-active_from": "",
        "w-2-active_until": "",
        "override": "",
        "message": message,
        **extra,
    }


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_console_pages_send_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/?next=")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.AGENT, Role.SUPERVISOR])
def test_console_pages_refuse_every_role_but_the_pmo(client, path, role):
    client.force_login(user_with_role(role))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_console_pages_render_for_the_pmo_with_the_console_menu(pmo, registration_on, path):
    response = pmo.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="console-menu"' in body
    for link in ('href="/pmo/gelombang/"', 'href="/pmo/roster/"', 'href="/pmo/aktivitas/"'):
        assert link in body


def test_console_writes_refuse_other_roles(client, registration_on):
    client.force_login(user_with_role(Role.SUPERVISOR))
    data = schedule_post(until="2021-12-15T23:59:00", confirm="1")
    assert client.post("/pmo/sakelar/registration/", data).status_code == 403
    assert switch_state(SwitchName.REGISTRATION, at=OFF_AT).active


def test_unknown_switch_is_404(pmo):
    assert pmo.get("/pmo/sakelar/nope/").status_code == 404


# --- The console page --------------------------------------------------------------------------


def test_console_shows_the_next_change_its_message_and_the_timeline(pmo):
    switch_set_schedule(
        name=SwitchName.REGISTRATION,
        windows=[(None, OFF_AT)],
        override=None,
        message="Pendaftaran ditutup.",
        actor=None,
    )
    WaveFactory(number=7, opens_at=NOW - dt.timedelta(days=2), closes_at=NOW + dt.timedelta(days=3))
    body = pmo.get("/pmo/").content.decode()
    assert "New-account registration OFF from 15 Dec 2021 23:59:00 WIB" in body
    assert "Pendaftaran ditutup." in body
    assert 'id="timeline"' in body
    # the registration bar ends at the change; the wave's bar is its joining period
    assert "on 3 Dec 2021 00:00:00 – 15 Dec 2021 23:59:00 WIB" in body
    assert "Wave 7" in body
    assert 'name="at" value="2021-12-15T23:59:00"' in body  # preview at that moment


def test_console_names_the_change_in_indonesian_to_the_second(client, registration_on):
    switch_set_schedule(
        name=SwitchName.REGISTRATION,
        windows=[(None, OFF_AT)],
        override=None,
        message="",
        actor=None,
    )
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert "15 Des 2021 23.59.00 WIB" in client.get("/pmo/").content.decode()


def test_timeline_range_is_chosen_in_the_query_and_bad_values_fall_back(pmo, registration_on):
    body = pmo.get("/pmo/?from=2022-01-01&days=30").content.decode()
    assert "1 Jan 2022 – 31 Jan 2022" in body
    assert pmo.get("/pmo/?from=garbage&days=-4").status_code == 200


def test_console_page_reads_a_fixed_number_of_queries(
    pmo, registration_on, django_assert_max_num_queries
):
    for number in range(1, 6):
        WaveFactory(number=number)
        AuditLog.objects.create(at=NOW, action="wave.update", object_type="w", object_id="1")
    with django_assert_max_num_queries(12):
        assert pmo.get("/pmo/").status_code == 200


# --- Switch schedule: review, then confirm -----------------------------------------------------


def test_review_names_each_change_to_the_second_and_writes_nothing(pmo, registration_on):
    response = pmo.post(
        "/pmo/sakelar/registration/", schedule_post(until="2021-12-15T23:59:00", review="1")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Confirm the schedule" in body
    assert "New-account registration OFF from 15 Dec 2021 23:59:00 WIB" in body
    assert "Participants read" in body
    assert "Pendaftaran ditutup." in body
    assert 'name="fingerprint"' in body
    assert switch_state(SwitchName.REGISTRATION, at=OFF_AT).active
    assert not AuditLog.objects.filter(action="switch.update", actor=pmo.user).exists()


def test_confirm_saves_through_the_service_and_audits(pmo, registration_on):
    review = pmo.post(
        "/pmo/sakelar/registration/", schedule_post(until="2021-12-15T23:59:00", review="1")
    )
    fingerprint = review.context["fingerprint"]
    response = pmo.post(
        "/pmo/sakelar/registration/",
        schedule_post(until="2021-12-15T23:59:00", confirm="1", fingerprint=fingerprint),
    )
    assert response.status_code == 302
    assert response["Location"] == "/pmo/"
    assert switch_state(SwitchName.REGISTRATION, at=OFF_AT - dt.timedelta(seconds=1)).active
    closed = switch_state(SwitchName.REGISTRATION, at=OFF_AT)
    assert not closed.active
    assert closed.message == "Pendaftaran ditutup."
    entry = AuditLog.objects.get(action="switch.update", actor=pmo.user)
    assert entry.after["windows"] == [
        {"active_from": None, "active_until": OFF_AT.astimezone(dt.UTC).isoformat()}
    ]
    # the activity feed shows it
    assert "switch.update" in pmo.get("/pmo/aktivitas/").content.decode()


def test_confirm_is_refused_when_the_schedule_changed_since_the_review(pmo, registration_on):
    review = pmo.post(
        "/pmo/sakelar/registration/", schedule_post(until="2021-12-15T23:59:00", review="1")
    )
    fingerprint = review.context["fingerprint"]
    switch_set_schedule(
        name=SwitchName.REGISTRATION,
        windows=[(None, None)],
        override="off",
        message="Ditutup oleh PMO lain.",
        actor=None,
    )
    response = pmo.post(
        "/pmo/sakelar/registration/",
        schedule_post(until="2021-12-15T23:59:00", confirm="1", fingerprint=fingerprint),
    )
    assert response.status_code == 409
    assert "Review it again" in response.content.decode()
    assert Switch.objects.get(name=SwitchName.REGISTRATION).override == "off"
    # the page shown is a fresh review, whose fingerprint confirms
    again = pmo.post(
        "/pmo/sakelar/registration/",
        schedule_post(
            until="2021-12-15T23:59:00", confirm="1", fingerprint=response.context["fingerprint"]
        ),
    )
    assert again.status_code == 302
    assert Switch.objects.get(name=SwitchName.REGISTRATION).override == ""


def test_review_warns_when_the_switch_flips_the_moment_it_is_confirmed(pmo, registration_on):
    data = schedule_post(until="", review="1")
    data["override"] = "off"
    body = pmo.post("/pmo/sakelar/registration/", data).content.decode()
    assert "turns OFF the moment you confirm" in body
    assert "forced off" in body


def test_a_window_added_in_a_blank_row_and_one_removed(pmo, registration_on):
    data = schedule_post(until="", review="1")
    data["w-0-remove"] = "on"
    data["w-1-active_from"] = "2022-01-03T08:00:00"
    data["w-1-active_until"] = "2022-01-31T23:59:59"
    body = pmo.post("/pmo/sakelar/registration/", data).content.decode()
    assert "turns OFF the moment you confirm" in body
    assert "New-account registration ON from 3 Jan 2022 08:00:00 WIB" in body
    assert "New-account registration OFF from 31 Jan 2022 23:59:59 WIB" in body


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"w-1-active_from": "2022-01-05T00:00:00", "w-1-active_until": "2022-01-01T00:00:00"},
            "A window must start before it ends.",
        ),
        ({"w-1-active_from": "2022-01-01T00:00:00"}, "Windows must not overlap."),
        ({"w-1-active_from": "tomorrow"}, "Enter a valid date/time."),
    ],
)
def test_bad_windows_are_422_on_the_form(pmo, registration_on, row, message):
    response = pmo.post(
        "/pmo/sakelar/registration/", {**schedule_post(until="", review="1"), **row}
    )
    assert response.status_code == 422
    assert message in response.content.decode()


def test_back_to_editing_keeps_what_was_typed(pmo, registration_on):
    response = pmo.post(
        "/pmo/sakelar/registration/", schedule_post(until="2021-12-15T23:59:00", edit="1")
    )
    assert response.status_code == 200
    assert 'value="2021-12-15T23:59:00"' in response.content.decode()


def test_the_console_is_read_only_during_a_preview(pmo, registration_on):
    assert pmo.post("/pmo/pratinjau/", {"at": "2021-12-16T00:00:00"}).status_code == 302
    response = pmo.post(
        "/pmo/sakelar/registration/",
        schedule_post(until="2021-12-15T23:59:00", confirm="1", fingerprint="x"),
    )
    assert response.status_code == 403
    assert 'id="preview-read-only"' in response.content.decode()


# --- Waves, selection, announcements -----------------------------------------------------------


def wave_post(prefix: str, **values) -> dict:
    base = {
        "number": "12",
        "title": "Gelombang 12",
        "opens_at": "2021-12-20T00:00:00",
        "closes_at": "2021-12-23T23:59:59",
        "quota": "1000",
    }
    return {f"{prefix}-{k}": v for k, v in {**base, **values}.items()}


def test_pmo_creates_a_wave_in_wib_and_it_is_audited(pmo):
    response = pmo.post("/pmo/gelombang/", wave_post("new"))
    assert response.status_code == 302
    wave = Wave.objects.get(number=12)
    assert wave.opens_at == clock.local_datetime(2021, 12, 20)
    assert wave.closes_at == clock.local_datetime(2021, 12, 23, 23, 59, 59)
    assert AuditLog.objects.filter(action="wave.create", actor=pmo.user).exists()
    assert "Gelombang 12" in pmo.get("/pmo/gelombang/").content.decode()


def test_wave_closing_before_opening_is_422(pmo):
    response = pmo.post("/pmo/gelombang/", wave_post("new", closes_at="2021-12-19T00:00:00"))
    assert response.status_code == 422
    assert not Wave.objects.exists()


def test_pmo_edits_the_quota(pmo):
    wave = WaveFactory(number=12)
    response = pmo.post("/pmo/gelombang/12/", wave_post("wave", quota="5"))
    assert response.status_code == 302
    wave.refresh_from_db()
    assert wave.quota == 5
    entry = AuditLog.objects.get(action="wave.update", actor=pmo.user)
    assert entry.after["quota"] == 5


def test_selection_is_confirmed_with_the_publication_time_then_runs(pmo):
    wave = WaveFactory(
        number=3, opens_at=NOW - dt.timedelta(days=5), closes_at=NOW - dt.timedelta(days=1), quota=1
    )
    first, second = verified_participant(), verified_participant()
    for participant in (first, second):
        wave.applications.create(participant=participant, joined_at=NOW - dt.timedelta(days=2))
    assert 'action="/pmo/gelombang/3/seleksi/"' in pmo.get("/pmo/gelombang/3/").content.decode()

    review = pmo.post("/pmo/gelombang/3/seleksi/", {"sel-announce_at": "2021-12-20T10:00:00"})
    assert review.status_code == 200
    assert "Participants see the results from 20 Dec 2021 10:00:00 WIB." in review.content.decode()
    wave.refresh_from_db()
    assert wave.selection_ran_at is None

    done = pmo.post(
        "/pmo/gelombang/3/seleksi/", {"sel-announce_at": "2021-12-20T10:00:00", "confirm": "1"}
    )
    assert done.status_code == 302
    wave.refresh_from_db()
    assert wave.selection_ran_at == NOW
    assert wave.announce_at == clock.local_datetime(2021, 12, 20, 10)
    assert wave.applications.filter(status=ApplicationStatus.SELECTED).count() == 1
    assert AuditLog.objects.filter(action="wave.select", actor=pmo.user).exists()


def test_selection_of_an_open_wave_is_refused_with_the_reason(pmo):
    WaveFactory(number=4)
    response = pmo.post("/pmo/gelombang/4/seleksi/", {"confirm": "1"}, follow=True)
    assert "Selection can run only after the wave closes." in response.content.decode()
    assert Wave.objects.get(number=4).selection_ran_at is None


def test_pmo_schedules_an_announcement_and_edits_it(pmo):
    response = pmo.post(
        "/pmo/pengumuman/",
        {
            "title": "Gelombang 12 dibuka",
            "body": "Pendaftaran gelombang 12 dibuka.",
            "publish_at": "2021-12-20T00:00:00",
            "expires_at": "",
            "show_banner": "on",
            "while_switch_on": "registration",
        },
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.publish_at == clock.local_datetime(2021, 12, 20)
    assert AuditLog.objects.filter(action="announcement.create", actor=pmo.user).exists()
    listing = pmo.get("/pmo/pengumuman/").content.decode()
    assert "Scheduled" in listing
    assert 'name="at" value="2021-12-20T00:00:00"' in listing  # preview when it goes live

    edit = pmo.post(
        f"/pmo/pengumuman/{announcement.pk}/",
        {"title": "Gelombang 12 dibuka!", "body": "x", "publish_at": "2021-12-20T00:00:00"},
    )
    assert edit.status_code == 302
    assert Announcement.objects.get().title == "Gelombang 12 dibuka!"
    assert AuditLog.objects.filter(action="announcement.update").exists()


def test_announcement_expiring_before_it_is_published_is_422(pmo):
    response = pmo.post(
        "/pmo/pengumuman/",
        {
            "title": "t",
            "body": "b",
            "publish_at": "2021-12-20T00:00:00",
            "expires_at": "2021-12-19T00:00:00",
        },
    )
    assert response.status_code == 422
    assert not Announcement.objects.exists()


def test_unknown_wave_and_announcement_are_404(pmo):
    assert pmo.get("/pmo/gelombang/99/").status_code == 404
    assert pmo.get("/pmo/pengumuman/99/").status_code == 404


# --- Activity ----------------------------------------------------------------------------------


def test_activity_feed_lists_console_kinds_only_and_filters_and_pages(pmo):
    for n in range(55):
        AuditLog.objects.create(
            at=NOW, action="wave.update", object_type="programs.wave", object_id=str(n)
        )
    AuditLog.objects.create(at=NOW, action="ticket.reply", object_type="t", object_id="1")
    AuditLog.objects.create(
        at=NOW, action="roster.import", object_type="r", object_id="import", after={"created": 3}
    )
    page = pmo.get("/pmo/aktivitas/")
    entries = page.context["activity"]["entries"]
    assert len(entries) == 50
    assert all(not e["entry"].action.startswith("ticket.") for e in entries)
    assert entries[0]["entry"].action == "roster.import"
    assert entries[0]["changed"] == ["created"]
    older = pmo.get(f"/pmo/aktivitas/?before={page.context['activity']['more']}")
    assert len(older.context["activity"]["entries"]) == 6
    only_roster = pmo.get("/pmo/aktivitas/?kind=roster.").context["activity"]["entries"]
    assert [e["entry"].action for e in only_roster] == ["roster.import"]
