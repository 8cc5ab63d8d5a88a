"""A PMO logs in, lands on the console, schedules registration to close at an exact second,
confirms it, sees it on the timeline and previews the site at that moment."""

import datetime as dt
import os
from pathlib import Path

import pytest

from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.switches.models import SwitchName
from prakerja.switches.services import switch_set_schedule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
VIEWPORTS = {"phone": (412, 915), "desktop": (1366, 900)}


def shot(page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pmo_schedules_registration_off_and_sees_it_on_the_timeline_and_in_preview(
    seeded, page, live_server, tmp_path, viewport
):
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    switch_set_schedule(
        name=SwitchName.REGISTRATION, windows=[(None, None)], override=None, message="", actor=None
    )
    user_with_role(Role.PMO_ADMIN, username="pmo")
    day = clock.local_now().date() + dt.timedelta(days=2)
    off_at = clock.local_datetime(day.year, day.month, day.day, 23, 59)
    wording = f"{off_at:%-d %b %Y} 23:59:00 WIB"

    page.goto("/masuk/")
    page.fill("#id_username", "pmo")
    page.fill("#id_password", "secret-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/pmo/")
    assert page.locator(".staff-layout").count() == 1
    assert page.locator("#lc-launcher").count() == 0
    assert page.locator("#switch-registration .badge-open").is_visible()

    page.locator("#switch-registration").get_by_role("link", name="Edit schedule").click()
    page.fill("#id_w-0-active_until", f"{day.isoformat()}T23:59:00")
    page.fill("#id_message", "Pendaftaran ditutup sampai gelombang berikutnya.")
    shot(page, shots, f"{viewport}-0-edit")
    page.get_by_role("button", name="Review the changes").click()
    confirm = page.locator("#new-changes")
    confirm.wait_for()
    assert confirm.inner_text().startswith(f"New-account registration OFF from {wording}")
    shot(page, shots, f"{viewport}-1-confirm")

    page.get_by_role("button", name="Confirm and save").click()
    page.wait_for_url("**/pmo/")
    card = page.locator("#switch-registration")
    assert f"Next change: New-account registration OFF from {wording}" in card.inner_text()
    bar = page.locator("#timeline .tl-switch").first.locator(".tl-bar")
    assert bar.count() == 1
    assert f"– {wording}" in bar.get_attribute("title")
    box, track = bar.bounding_box(), page.locator("#timeline .tl-track").nth(1).bounding_box()
    assert 0 < box["width"] < track["width"]  # ends inside the range, at the scheduled second
    shot(page, shots, f"{viewport}-2-timeline")

    card.get_by_role("button", name="Preview at this moment").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("#registration-closed").inner_text() == (
        "Pendaftaran ditutup sampai gelombang berikutnya."
    )
    notice = page.locator(".banner-notice")
    assert wording in notice.inner_text()
    shot(page, shots, f"{viewport}-3-preview")

    # the console itself, in the preview, shows the switch off and the way out
    page.goto("/pmo/pratinjau/")
    assert "Previewing at" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Stop preview").click()
    page.goto("/")
    assert page.locator("#registration-closed").count() == 0
