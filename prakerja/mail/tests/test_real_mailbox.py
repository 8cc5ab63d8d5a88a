"""Against a real IMAP server (Dovecot, started by .ci/run) and a real SMTP receiver (aiosmtpd
in a thread): mail delivered into the mailbox by IMAP APPEND, the poller making tickets, an
agent's reply sent over SMTP and the requester's answer to it threaded back."""

import imaplib
import socket
import uuid
from email import message_from_bytes, policy
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import TestCase

from prakerja.helpdesk import services as helpdesk
from prakerja.helpdesk.models import Ticket
from prakerja.mail.imap import Inbox, inbox_poll
from prakerja.mail.models import BouncingAddress, InboundMail, Outcome

from .builders import raw_bounce, raw_mail

pytestmark = [pytest.mark.mail, pytest.mark.django_db]


class Received:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    handler = Received()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MAIL_ADDRESS = "Pengaduan <pengaduan@prakerja.test>"
    yield handler
    controller.stop()


@pytest.fixture
def mailbox():
    """A mailbox of its own on the server (parallel tests never take each other's mail); yields
    (url, append)."""
    inbox = Inbox.from_url(settings.TEST_IMAP_URL)
    name = f"test-{uuid.uuid4().hex[:12]}"
    conn = inbox.connect()
    conn.create(name)

    def append(raw: bytes) -> None:
        status, _data = conn.append(name, None, None, raw)
        assert status == "OK"

    parts = urlsplit(settings.TEST_IMAP_URL)
    yield urlunsplit(parts._replace(path=f"/{name}")), append
    conn.delete(name)
    conn.logout()


def poll(url):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return inbox_poll(url=url)


def test_the_poller_makes_tickets_and_replies_thread_both_ways(mailbox, smtp, open_hours):
    url, append = mailbox
    append(raw_mail(message_id="<start@warga.example>"))
    [result] = poll(url)
    ticket = Ticket.objects.get(reference=result.reference)
    assert result.outcome == Outcome.TICKET
    assert poll(url) == []  # taken messages are flagged \Seen
    [ack] = smtp.messages
    assert ack["In-Reply-To"] == "<start@warga.example>"
    assert ticket.reference in ack["Subject"]
    assert ack["Reply-To"] == "Pengaduan <pengaduan@prakerja.test>"
    assert {p.get_content_type() for p in ack.walk()} >= {"text/plain", "text/html"}

    with TestCase.captureOnCommitCallbacks(execute=True):
        helpdesk.ticket_reply(ticket=ticket, author=None, body="Saldo akan masuk besok.")
    reply = smtp.messages[-1]
    assert reply["In-Reply-To"] == "<start@warga.example>"
    assert ack["Message-ID"] in reply["References"]
    assert "Saldo akan masuk besok." in reply.get_body(("plain",)).get_content()

    # The requester answers from their mail program: In-Reply-To our reply, subject "Re: ...".
    append(
        raw_mail(
            subject=f"Re: {reply['Subject']}",
            text="Baik, terima kasih.\n\n> Saldo akan masuk besok.",
            in_reply_to=reply["Message-ID"],
            references=f"<start@warga.example> {reply['Message-ID']}",
        )
    )
    [answer] = poll(url)
    assert (answer.outcome, answer.reference) == (Outcome.REPLY, ticket.reference)
    bodies = list(ticket.messages.filter(from_requester=True).values_list("body", flat=True))
    assert bodies[-1].startswith("Baik, terima kasih.")


def test_what_is_not_a_ticket_is_counted_and_nothing_is_lost(mailbox, smtp, open_hours):
    url, append = mailbox
    append(raw_mail(sender="Hilang <hilang@warga.example>", message_id="<h1@warga.example>"))
    [first] = poll(url)
    ack_id = smtp.messages[-1]["Message-ID"].strip("<>")
    append(raw_mail(subject="Sedang cuti", headers={"Auto-Submitted": "auto-replied"}))
    append(raw_bounce(failed="hilang@warga.example", original_message_id=ack_id))
    append(raw_mail(sender="pengaduan@prakerja.test", subject="Our own"))
    append(raw_mail(headers={"X-Loop": "pengaduan@prakerja.test"}))
    append(
        raw_mail(
            sender="penipu@evil.example",
            subject=f"Re: {first.reference}",
            in_reply_to="<h1@warga.example>",
        )
    )
    append(b'From: <@@>\r\nContent-Type: multipart/mixed; boundary="x\r\n\r\n--x\r\nbroken')
    results = poll(url)
    assert [r.line for r in results[:5]] == [
        "ignored: auto-reply",
        "ignored: bounce",
        "ignored: own-address",
        "ignored: loop",
        results[4].reference,
    ]
    assert results[4].reference != first.reference  # the forged reply is a ticket of its own
    assert results[5].line == "ignored: unreadable"
    assert BouncingAddress.objects.filter(address="hilang@warga.example").exists()
    assert InboundMail.objects.count() == 7
    kept = InboundMail.objects.get(outcome=Outcome.UNREADABLE)
    with kept.raw.open("rb") as raw:
        assert raw.read().startswith(b"From: <@@>")
    assert poll(url) == []


def test_a_wrong_password_is_an_error_not_a_silent_empty_poll(mailbox):
    url, _append = mailbox
    parts = urlsplit(url)
    wrong = parts._replace(netloc=f"{parts.username}:wrong@{parts.hostname}:{parts.port}")
    with pytest.raises(imaplib.IMAP4.error):
        inbox_poll(url=urlunsplit(wrong))
