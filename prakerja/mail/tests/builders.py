"""Raw RFC 5322 messages for tests and the benchmark."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from prakerja.core import clock


def raw_mail(
    *,
    sender: str = "Siti Aminah <siti@example.test>",
    to: str = "pengaduan@prakerja.test",
    subject: str = "Saldo pelatihan belum masuk",
    text: str | None = "Halo, saldo pelatihan saya belum masuk sejak kemarin.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = message_id or make_msgid(domain="example.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def raw_bounce(*, failed: str, original_message_id: str, status: str = "5.1.1") -> bytes:
    """A delivery-status notification (RFC 3464) as Postfix sends it."""
    return (
        "From: MAILER-DAEMON@mx.example.test (Mail Delivery System)\r\n"
        "To: pengaduan@prakerja.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        f"Message-ID: <{make_msgid(domain='mx.example.test').strip('<>')}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.test\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\n"
        "Action: failed\r\n"
        f"Status: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_message_id}>\r\n"
        "Subject: We received your report\r\n"
        "--B--\r\n"
    ).encode()
