"""The journeys the issue names: a guest submits the form and tracks the ticket; an agent answers
it from the workspace; the requester sees the reply."""

import re

import pytest
from django.core import mail

from prakerja.helpdesk.models import Ticket

from .factories import agent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def submit_complaint(page):
    page.goto("/pengaduan/")
    page.fill("#id_name", "Siti Aminah")
    page.fill("#id_email", "siti@example.test")
    page.fill("#id_phone", "081234567890")
    page.select_option("#id_category", "certificate")
    page.fill("#id_subject", "Sertifikat belum muncul")
    # The knowledge base suggests an article while the requester types (htmx).
    page.get_by_role("link", name=re.compile("sertifikat", re.I)).first.wait_for()
    page.fill("#id_description", "Pelatihan sudah selesai, sertifikat belum ada.")
    page.click("#complaint-form button[type=submit]")
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    return reference


def test_guest_submits_the_form_and_tracks_the_ticket(page, browser, live_server):
    reference = submit_complaint(page)
    assert any(reference in m.subject for m in mail.outbox)

    # Another browser (no session) tracks it with reference + e-mail.
    other = browser.new_context(base_url=live_server.url)
    track = other.new_page()
    track.goto("/pengaduan/lacak/")
    track.fill("#id_reference", reference.lower())
    track.fill("#id_email", "wrong@example.test")
    track.click("main button[type=submit]")
    assert track.locator(".error-summary li").count() == 1
    assert track.evaluate("document.activeElement.className") == "error-summary"
    track.fill("#id_email", "siti@example.test")
    track.click("main button[type=submit]")
    track.wait_for_url(f"**/pengaduan/lacak/{reference}/")
    assert "Pelatihan sudah selesai" in track.locator(".thread").inner_text()
    other.close()


def test_agent_answers_from_the_workspace_and_requester_sees_it(page, browser, live_server):
    reference = submit_complaint(page)
    staff = agent(username="agen-uji", full_name="Agen Uji")
    staff.set_password("secret-pass-123")
    staff.save()

    desk = browser.new_context(base_url=live_server.url)
    agent_page = desk.new_page()
    agent_page.goto("/masuk/?next=/agen/")
    agent_page.fill("#id_username", "agen-uji")
    agent_page.fill("#id_password", "secret-pass-123")
    agent_page.click("main button[type=submit]")
    agent_page.wait_for_url("**/agen/")
    agent_page.click(".inbox-tabs [data-queue=unassigned]")
    agent_page.locator(".inbox-tabs [data-queue=unassigned][aria-current]").wait_for()
    agent_page.get_by_role("link", name=reference).click()
    agent_page.locator(f'#conv[data-reference="{reference}"]').wait_for()
    agent_page.wait_for_url(f"**/agen/tiket/{reference}/?queue=unassigned&channel=")
    # Keyboard: "r" focuses the reply box, Ctrl+Enter sends it (htmx swaps the thread in place).
    agent_page.locator("body").press("r")
    agent_page.keyboard.type("Sertifikat Anda sudah kami kirim ulang.")
    agent_page.keyboard.press("Control+Enter")
    agent_page.locator(".thread").get_by_text("sudah kami kirim ulang").wait_for()
    desk.close()

    ticket = Ticket.objects.get(reference=reference)
    assert ticket.status == "open"
    assert ticket.first_response_at is not None

    # The requester (same browser that submitted) opens the tracking page and sees the reply.
    page.goto(f"/pengaduan/lacak/{reference}/")
    assert "sudah kami kirim ulang" in page.locator(".thread").inner_text()
    page.fill("#id_body", "Terima kasih, sudah masuk.")
    page.click("main form button[type=submit]")
    page.locator(".thread").get_by_text("sudah masuk").wait_for()
