"""A PMO preview shows the site at another time and never writes with that time."""

import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.core.errors import PreviewReadOnly
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import Application, ApplicationStatus
from prakerja.programs.services import wave_run_selection
from prakerja.switches.models import Switch

from .factories import WaveFactory
from .test_waves import verified_participant

pytestmark = pytest.mark.django_db
NOW = clock.local_datetime(2026, 3, 2, 10)
CLOSES = clock.local_datetime(2026, 3, 5, 23, 59)
PREVIEW = "2026-03-07T09:00:00"


@pytest.fixture
def open_wave():
    wave = WaveFactory(opens_at=NOW - dt.timedelta(days=1), closes_at=CLOSES, quota=5)
    Application.objects.create(wave=wave, participant=verified_participant(), joined_at=NOW)
    return wave


@pytest.fixture
def previewing(client):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    with time_machine.travel(NOW, tick=False):
        assert client.post("/pmo/pratinjau/", {"at": PREVIEW}).status_code == 302
        yield client


def test_admin_selection_is_refused_during_a_preview_after_the_closing_time(previewing, open_wave):
    response = previewing.post(
        "/admin/programs/wave/",
        {"action": "run_selection", "_selected_action": [open_wave.pk]},
    )
    assert response.status_code == 403
    assert 'id="preview-read-only"' in response.content.decode()
    open_wave.refresh_from_db()
    assert open_wave.selection_ran_at is None
    application = open_wave.applications.get()
    assert application.status == ApplicationStatus.PENDING
    assert application.decided_at is None
    assert not AuditLog.objects.filter(action="wave.select").exists()


def test_api_writes_are_refused_with_a_code_during_a_preview(previewing):
    response = previewing.put(
        "/api/v1/switches/registration",
        {"windows": [], "override": "off", "message": "Tutup."},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "preview_read_only"
    assert not Switch.objects.filter(override="off").exists()
    # reading is what the preview is for
    assert previewing.get("/api/v1/switches").status_code == 200


def test_a_service_writing_inside_a_preview_is_refused_and_rolls_back(open_wave):
    pmo = user_with_role(Role.PMO_ADMIN)
    with (
        time_machine.travel(NOW, tick=False),
        clock.preview_at(CLOSES + dt.timedelta(days=1)),
        pytest.raises(PreviewReadOnly),
    ):
        wave_run_selection(wave=open_wave, actor=pmo)
    open_wave.refresh_from_db()
    assert open_wave.selection_ran_at is None
    assert open_wave.applications.get().decided_at is None


def test_stopping_the_preview_and_logging_out_stay_possible(previewing, open_wave):
    assert previewing.post("/pmo/pratinjau/", {"stop": "1"}).status_code == 302
    # back on the real clock the wave is still open: the admin refuses for that reason instead
    response = previewing.post(
        "/admin/programs/wave/",
        {"action": "run_selection", "_selected_action": [open_wave.pk]},
        follow=True,
    )
    assert response.status_code == 200
    open_wave.refresh_from_db()
    assert open_wave.selection_ran_at is None
    previewing.post("/pmo/pratinjau/", {"at": PREVIEW})
    assert previewing.post("/keluar/").status_code == 302
    assert previewing.get("/pmo/pratinjau/").status_code == 302  # logged out, to the log-in page


def test_preview_page_names_switches_by_their_label(previewing):
    previewing.cookies["django_language"] = "id"
    html = previewing.get("/pmo/pratinjau/").content.decode()
    assert "Pendaftaran akun baru:" in html
    assert "Penautan rekening:" in html
    assert "registration:" not in html
