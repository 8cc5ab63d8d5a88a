import pytest
from django.test import TestCase
from django.urls import reverse

from prakerja.helpdesk.tests.factories import agent, supervisor
from prakerja.mail.models import InboundMail, Outcome
from prakerja.mail.services import mail_ingest

from .builders import raw_mail

pytestmark = pytest.mark.django_db


def ingest(raw: bytes):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return mail_ingest(raw=raw)


def test_the_agent_sees_the_new_words_with_history_and_signature_folded(client, settings):
    settings.MAIL_AUTHSERV_ID = "mx.prakerja.test"
    text = (
        "Saldo saya belum masuk.\n\n--\nIbu S.\nKelurahan Menteng\n\n"
        "On Mon, 9 Mar 2026, Prakerja wrote:\n> Kami sudah menerima laporan Anda."
    )
    result = ingest(
        raw_mail(
            text=text,
            headers={"Authentication-Results": "mx.prakerja.test; dmarc=fail header.from=x"},
        )
    )
    client.force_login(agent())
    page = client.get(reverse("helpdesk:agent_ticket", args=[result.reference])).content.decode()
    own, folded = page.split('<details class="msg-quoted">', 1)
    assert "Saldo saya belum masuk." in own
    assert "Kelurahan Menteng" not in own
    assert "Kelurahan Menteng" in folded
    assert "&gt; Kami sudah menerima" in folded
    assert "DMARC" in page  # the warning note, before the agent answers


def test_supervisors_see_what_was_not_ticketed_and_download_kept_mail(client):
    ingest(raw_mail(headers={"Auto-Submitted": "auto-replied"}, subject="Cuti"))
    ingest(b"From: <@@>\r\n\r\n<script>alert(1)</script>")
    kept = InboundMail.objects.get(outcome=Outcome.UNREADABLE)
    client.force_login(agent(username="a1"))
    assert client.get(reverse("mail:supervisor")).status_code == 403
    assert client.get(reverse("mail:kept_download", args=[kept.pk])).status_code == 403
    client.force_login(supervisor(username="s1"))
    page = client.get(reverse("mail:supervisor")).content.decode()
    assert 'data-outcome="auto-reply"><td>Auto-reply</td><td>1<' in page.replace(
        "Balasan otomatis", "Auto-reply"
    )
    assert "Cuti" in page
    assert "<script>alert(1)</script>" not in page
    download = client.get(reverse("mail:kept_download", args=[kept.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).endswith(b"<script>alert(1)</script>")
    missing = client.get(reverse("mail:kept_download", args=[kept.pk + 100]))
    assert missing.status_code == 404


def test_the_demo_is_idempotent():
    from io import StringIO

    from prakerja.helpdesk.models import Ticket
    from prakerja.mail import demo

    for _ in range(2):
        demo.seed(stdout=StringIO())
    assert InboundMail.objects.count() == 3
    assert Ticket.objects.filter(channel="email").count() == 1
