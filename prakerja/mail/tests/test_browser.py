"""The e-mail journey in a real browser: a requester's e-mail becomes a ticket, the agent reads
it with the quoted history folded away, answers, and the answer goes out threaded."""

import pytest
from django.core import mail as django_mail
from django.test import TestCase

from prakerja.helpdesk.tests.factories import agent
from prakerja.mail.models import OutboundMail
from prakerja.mail.services import mail_ingest

from .builders import raw_mail

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def test_agent_reads_an_email_folded_and_answers_it_threaded(page):
    with TestCase.captureOnCommitCallbacks(execute=True):
        reference = mail_ingest(
            raw=raw_mail(
                message_id="<tanya@warga.example>",
                text=(
                    "Sertifikat saya belum terbit.\n\n"
                    "On Mon, 9 Mar 2026, Prakerja wrote:\n> Riwayat lama yang dikutip."
                ),
                html=(
                    "<p>Sertifikat saya belum terbit.</p>"
                    "<img src='https://tracker.example/pixel.gif'>"
                ),
            )
        ).reference
    staff = agent(username="agen-surel", full_name="Agen Surel")
    staff.set_password("secret-pass-123")
    staff.save()
    page.goto("/masuk/?next=/agen/")
    page.fill("#id_username", "agen-surel")
    page.fill("#id_password", "secret-pass-123")
    page.click("main button[type=submit]")
    page.wait_for_url("**/agen/")
    page.goto(f"/agen/tiket/{reference}/")
    thread = page.locator(".thread")
    assert thread.get_by_text("Sertifikat saya belum terbit.").is_visible()
    quoted = thread.get_by_text("Riwayat lama yang dikutip.")
    assert not quoted.is_visible()  # folded
    thread.locator("details.msg-quoted summary").click()
    assert quoted.is_visible()
    assert not any("tracker.example" in url for url in page.requests_seen)

    django_mail.outbox.clear()
    page.fill("#id_body", "Sertifikat Anda sudah terbit hari ini.")
    page.click("#reply-form button[type=submit]")
    thread.get_by_text("sudah terbit hari ini").wait_for()
    [sent] = [m for m in django_mail.outbox if "sudah terbit hari ini" in m.body]
    reply = OutboundMail.objects.filter(ticket__reference=reference).latest("id")
    assert sent.extra_headers["Message-ID"] == f"<{reply.message_id}>"
    assert sent.extra_headers["In-Reply-To"] == "<tanya@warga.example>"
    assert reference in sent.subject
