import io

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from PIL import Image

from prakerja.helpdesk import services as helpdesk
from prakerja.helpdesk.models import Attachment, Channel, MessageKind, Ticket, TicketStatus
from prakerja.mail.models import BouncingAddress, InboundMail, OutboundMail, Outcome
from prakerja.mail.services import mail_ingest

from .builders import raw_bounce, raw_mail


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def ingest(django_capture_on_commit_callbacks):
    def run(raw: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            return mail_ingest(raw=raw)

    return run


@pytest.mark.django_db
def test_a_new_message_opens_an_email_ticket_and_is_acknowledged_threaded(ingest):
    raw = raw_mail(message_id="<first@example.test>")
    result = ingest(raw)
    ticket = Ticket.objects.get(reference=result.reference)
    assert result.outcome == Outcome.TICKET
    assert ticket.channel == Channel.EMAIL
    assert ticket.requester_email == "siti@example.test"
    assert ticket.requester_name == "Siti Aminah"
    assert ticket.subject == "Saldo pelatihan belum masuk"
    assert ticket.messages.get().body.startswith("Halo, saldo pelatihan")
    # The acknowledgement answers the message, threaded, with the reference in the subject.
    [sent] = django_mail.outbox
    assert ticket.reference in sent.subject
    assert sent.to == ["siti@example.test"]
    assert sent.extra_headers["In-Reply-To"] == "<first@example.test>"
    assert sent.extra_headers["References"] == "<first@example.test>"
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    outbound = OutboundMail.objects.get(ticket=ticket)
    assert sent.extra_headers["Message-ID"] == f"<{outbound.message_id}>"
    assert outbound.status == "sent"
    assert sent.alternatives[0].mimetype == "text/html"
    assert ticket.reference in sent.alternatives[0].content


@pytest.mark.django_db
def test_the_category_is_guessed_from_the_knowledge_base_else_other(ingest):
    guessed = ingest(
        raw_mail(
            subject="Pertanyaan",
            text="Bagaimana cara penautan rekening e-wallet dan rekening bank saya untuk insentif?",
        )
    )
    other = ingest(raw_mail(subject="Zzz", text="qwerty asdfgh"))
    assert Ticket.objects.get(reference=other.reference).category.slug == "other"
    assert Ticket.objects.get(reference=guessed.reference).category.slug != "other"


@pytest.mark.django_db
def test_a_reply_lands_in_its_ticket_by_in_reply_to(ingest):
    first = ingest(raw_mail(message_id="<a1@example.test>"))
    ticket = Ticket.objects.get(reference=first.reference)
    ack = OutboundMail.objects.get(ticket=ticket)
    reply = ingest(
        raw_mail(
            subject="Re: something else entirely",
            text="Ini tambahan informasinya.\n\nOn Mon, Prakerja wrote:\n> We received",
            in_reply_to=f"<{ack.message_id}>",
            references=f"<a1@example.test> <{ack.message_id}>",
        )
    )
    assert reply.outcome == Outcome.REPLY
    assert reply.reference == ticket.reference
    assert ticket.messages.filter(from_requester=True).count() == 2
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_is_matched_by_the_reference_in_the_subject(ingest):
    first = ingest(raw_mail())
    reply = ingest(raw_mail(subject=f"Re: laporan {first.reference}", text="Masih belum."))
    assert reply.reference == first.reference
    assert reply.outcome == Outcome.REPLY


@pytest.mark.django_db
def test_a_reply_from_another_address_opens_a_new_ticket(ingest):
    """A forged or foreign sender never writes into someone else's ticket."""
    first = ingest(raw_mail(message_id="<orig@example.test>"))
    forged = ingest(
        raw_mail(
            sender="Penipu <penipu@evil.test>",
            subject=f"Re: {first.reference}",
            in_reply_to="<orig@example.test>",
            text="Kirimkan NIK Anda.",
        )
    )
    assert forged.outcome == Outcome.TICKET
    assert forged.reference != first.reference
    assert Ticket.objects.get(reference=first.reference).messages.count() == 1


@pytest.mark.django_db
def test_a_reply_to_a_resolved_ticket_reopens_it_and_to_a_closed_one_opens_a_new_one(ingest):
    first = ingest(raw_mail())
    ticket = Ticket.objects.get(reference=first.reference)
    helpdesk.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=None)
    again = ingest(raw_mail(subject=f"Re: {first.reference}", text="Belum selesai."))
    ticket.refresh_from_db()
    assert again.reference == ticket.reference
    assert ticket.status == TicketStatus.OPEN
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
    later = ingest(raw_mail(subject=f"Re: {first.reference}", text="Masalah baru."))
    assert later.outcome == Outcome.TICKET
    assert later.reference != first.reference


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-reply"),
        ({"X-Autoreply": "yes"}, "auto-reply"),
        ({"Precedence": "bulk"}, "auto-reply"),
        ({"X-Loop": "no-reply@prakerja.local"}, "loop"),
    ],
)
@pytest.mark.django_db
def test_auto_replies_bulk_and_loops_are_counted_not_ticketed(ingest, headers, reason):
    result = ingest(raw_mail(subject="Out of office", headers=headers))
    assert result.line == f"ignored: {reason}"
    assert not Ticket.objects.exists()
    assert InboundMail.objects.get().outcome == reason


@pytest.mark.django_db
def test_many_received_hops_is_a_loop(ingest):
    raw = b"".join(b"Received: from a by b; Mon, 1 Jan 2026 00:00:00 +0000\r\n" for _ in range(30))
    assert ingest(raw + raw_mail()).line == "ignored: loop"


@pytest.mark.django_db
def test_mail_from_our_own_address_is_not_a_ticket(ingest, settings):
    settings.MAIL_ADDRESS = "Pengaduan <pengaduan@prakerja.test>"
    assert ingest(raw_mail(sender="pengaduan@prakerja.test")).line == "ignored: own-address"
    assert ingest(raw_mail(sender="no-reply@prakerja.local")).line == "ignored: own-address"
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_bounce_marks_the_address_and_later_e_mails_are_not_sent(ingest):
    first = ingest(raw_mail(sender="hilang@example.test"))
    ticket = Ticket.objects.get(reference=first.reference)
    ack = OutboundMail.objects.get(ticket=ticket)
    bounce = ingest(raw_bounce(failed="hilang@example.test", original_message_id=ack.message_id))
    assert bounce.line == "ignored: bounce"
    inbound = InboundMail.objects.get(outcome=Outcome.BOUNCE)
    assert inbound.ticket == ticket  # the supervisor sees which ticket it was about
    assert BouncingAddress.objects.get().address == "hilang@example.test"
    note = ticket.messages.get(kind=MessageKind.INTERNAL)  # the agent is told
    assert "tidak dapat terkirim" in note.body
    django_mail.outbox.clear()
    agent_reply = helpdesk.ticket_reply(ticket=ticket, author=None, body="Kami cek.")
    assert agent_reply.pk
    # on_commit ran inside the fixture's capture only; run this one's
    from prakerja.mail.tasks import mail_send

    outbound = OutboundMail.objects.filter(ticket=ticket).latest("id")
    assert mail_send.call(outbound_id=outbound.pk) == "skipped"
    assert django_mail.outbox == []
    # Mail from the address again shows it works.
    ingest(raw_mail(sender="hilang@example.test", subject=f"Re: {first.reference}"))
    assert not BouncingAddress.objects.exists()


@pytest.mark.django_db
def test_a_delayed_delivery_notice_is_a_bounce_but_marks_nothing(ingest):
    ingest(raw_bounce(failed="lambat@example.test", original_message_id="x@y", status="4.4.1"))
    assert InboundMail.objects.get().outcome == Outcome.BOUNCE
    assert not BouncingAddress.objects.exists()


@pytest.mark.django_db
def test_the_same_message_twice_is_taken_once(ingest):
    raw = raw_mail(message_id="<dup@example.test>")
    first = ingest(raw)
    second = ingest(raw)
    assert first == second
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without headers",
        b"Subject: no sender\r\n\r\nbody",
        b"From: not an address\r\nSubject: x\r\n\r\nbody",
        b'From: <broken@@>\r\nContent-Type: multipart/mixed; boundary="x\r\n\r\n--x\r\n',
    ],
)
@pytest.mark.django_db
def test_unreadable_messages_are_kept_whole_for_a_supervisor(ingest, raw):
    result = ingest(raw)
    assert result.line == "ignored: unreadable"
    inbound = InboundMail.objects.get()
    assert inbound.outcome == Outcome.UNREADABLE
    with inbound.raw.open("rb") as kept:
        assert kept.read() == raw
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_an_undecodable_charset_is_read_as_far_as_it_goes(ingest):
    raw = (
        b"From: a@example.test\r\nSubject: charset\r\nMessage-ID: <cs@example.test>\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nSaldo \xe9 hilang\r\n"
    )
    result = ingest(raw)
    assert result.outcome == Outcome.TICKET
    assert "Saldo" in Ticket.objects.get().messages.get().body


@pytest.mark.django_db
def test_too_large_messages_are_kept_not_ticketed(ingest, settings):
    settings.MAIL_MAX_BYTES = 2000
    raw = raw_mail(text="x" * 5000, message_id="<big@example.test>")
    assert ingest(raw).line == "ignored: too-large"
    inbound = InboundMail.objects.get()
    assert inbound.message_id == "big@example.test"
    assert inbound.size == len(raw)
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_html_is_reduced_to_safe_text_and_remote_images_dropped(ingest):
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Saldo <b>belum</b> masuk</p><img src='https://tracker.example/p.gif'>"
        "<script>alert(1)</script><a href='javascript:x'>klik</a></body></html>"
    )
    result = ingest(raw_mail(text=None, html=html))
    body = Ticket.objects.get(reference=result.reference).messages.get().body
    assert body == "Saldo belum masuk\nklik"


@pytest.mark.django_db
def test_attachments_follow_the_web_forms_rules(ingest):
    result = ingest(
        raw_mail(
            attachments=[
                ("bukti.png", "image/png", png_bytes()),
                ("virus.exe", "application/octet-stream", b"MZ\x90\x00"),
            ]
        )
    )
    ticket = Ticket.objects.get(reference=result.reference)
    [stored] = Attachment.objects.filter(ticket=ticket)
    assert stored.original_name == "bukti.png"
    assert stored.content_type == "image/png"
    note = ticket.messages.get(kind=MessageKind.INTERNAL)
    assert "virus.exe" in note.body


@pytest.mark.django_db
def test_a_failed_dmarc_verdict_is_kept_and_flagged_to_the_agent(ingest, settings):
    settings.MAIL_AUTHSERV_ID = "mx.prakerja.test"
    result = ingest(
        raw_mail(
            headers={
                "Authentication-Results": "mx.prakerja.test; spf=fail; dmarc=fail "
                "(p=reject) header.from=bank.example"
            }
        )
    )
    ticket = Ticket.objects.get(reference=result.reference)
    assert InboundMail.objects.get().dmarc == "fail"
    note = ticket.messages.get(kind=MessageKind.INTERNAL)
    assert "DMARC" in note.body


@pytest.mark.django_db
def test_a_sender_added_authentication_result_is_not_believed(ingest, settings):
    """Only our server's header counts: a pass written by the sender further down is ignored."""
    settings.MAIL_AUTHSERV_ID = "mx.prakerja.test"
    raw = raw_mail(headers={"Authentication-Results": "forger.example; dmarc=pass"})
    ingest(raw)
    assert InboundMail.objects.get().dmarc == ""


@pytest.mark.django_db
def test_a_long_message_is_cut_and_kept_whole(ingest):
    result = ingest(raw_mail(text="panjang " * 3000))
    ticket = Ticket.objects.get(reference=result.reference)
    assert len(ticket.messages.get(from_requester=True).body) <= 10_000
    inbound = InboundMail.objects.get()
    assert inbound.raw
    assert "dipotong" in ticket.messages.get(kind=MessageKind.INTERNAL).body


@pytest.mark.django_db
def test_the_command_prints_the_reference_or_the_reason_last(tmp_path, capsys, settings):
    path = tmp_path / "m.eml"
    path.write_bytes(raw_mail())
    call_command("mail_ingest", str(path))
    reference = capsys.readouterr().out.strip().splitlines()[-1]
    assert Ticket.objects.get(reference=reference).channel == Channel.EMAIL
    path.write_bytes(raw_mail(headers={"Auto-Submitted": "auto-replied"}))
    call_command("mail_ingest", str(path))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "ignored: auto-reply"


@pytest.mark.django_db
def test_control_characters_never_reach_the_database(ingest):
    raw = raw_mail(subject="Nul", text="ok").replace(b"ok", b"saldo\x00 hilang\x07")
    raw = raw.replace(b"Subject: Nul", b"Subject: Nul\x00byte")
    result = ingest(raw)
    ticket = Ticket.objects.get(reference=result.reference)
    assert ticket.subject == "Nulbyte"
    assert ticket.messages.get().body == "saldo hilang"


@pytest.mark.django_db
def test_an_unexpected_failure_keeps_the_message_and_rolls_back(ingest, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("prakerja.mail.services._attachments_add", broken)
    raw = raw_mail(message_id="<bug@example.test>")
    result = ingest(raw)
    assert result.line == "ignored: unreadable"
    assert not Ticket.objects.exists()  # the half-made ticket went with the rollback
    inbound = InboundMail.objects.get()
    assert inbound.reason == "RuntimeError: bug"
    with inbound.raw.open("rb") as kept:
        assert kept.read() == raw


def test_the_poll_is_scheduled_only_when_a_mailbox_is_configured(settings):
    from django.apps import apps

    from prakerja.core import scheduler

    assert "mail.poll" not in [job.name for job in scheduler.jobs_named()]
    settings.EMAIL_INBOX_URL = "imaps://u:p@imap.example:993/INBOX"
    try:
        apps.get_app_config("mail").ready()
        [job] = scheduler.jobs_named(["mail.poll"])
        assert job.every == settings.MAIL_POLL_EVERY_SECONDS
    finally:
        scheduler._jobs.pop("mail.poll", None)


def test_an_inbox_url_is_read_with_its_encoded_parts():
    from prakerja.mail.imap import Inbox

    inbox = Inbox.from_url(
        "imaps://pengaduan%40prakerja.go.id:p%40ss%2Fword@imap.example/Masuk%20Baru"
    )
    assert (inbox.user, inbox.password) == ("pengaduan@prakerja.go.id", "p@ss/word")
    assert (inbox.host, inbox.port, inbox.tls, inbox.mailbox) == (
        "imap.example",
        993,
        True,
        "Masuk Baru",
    )
    assert Inbox.from_url("imap://u:p@h/").port == 143
    with pytest.raises(ValueError, match="EMAIL_INBOX_URL"):
        Inbox.from_url("pop3://u:p@h/")
