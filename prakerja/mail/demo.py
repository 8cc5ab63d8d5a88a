"""Demo mail (idempotent: each message has a fixed Message-ID, which the ingest takes once): a
requester's question that opens an e-mail ticket, an out-of-office answer and a broken message
kept for a supervisor (`/agen/surel/`)."""

from .services import mail_ingest

MESSAGES = [
    b"From: Dewi Lestari <dewi.lestari@example.test>\r\n"
    b"To: pengaduan@prakerja.local\r\n"
    b"Subject: Insentif belum masuk ke e-wallet\r\n"
    b"Message-ID: <demo-question@example.test>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Selamat siang,\r\n\r\nSaya sudah menyelesaikan pelatihan bulan lalu, tetapi insentif belum\r\n"
    b"masuk ke e-wallet saya. Mohon bantuannya.\r\n\r\n-- \r\nDewi Lestari\r\n",
    b"From: Budi <budi@example.test>\r\n"
    b"To: pengaduan@prakerja.local\r\n"
    b"Subject: Sedang cuti / Out of office\r\n"
    b"Message-ID: <demo-ooo@example.test>\r\n"
    b"Auto-Submitted: auto-replied\r\n\r\n"
    b"Saya sedang cuti sampai tanggal 10.\r\n",
    b"From: <@@>\r\nMessage-ID: <demo-broken@example.test>\r\n"
    b'Content-Type: multipart/mixed; boundary="x\r\n\r\n--x\r\nbroken',
]


def seed(*, stdout) -> None:
    lines = [mail_ingest(raw=raw).line for raw in MESSAGES]
    stdout.write(f"mail: demo e-mails -> {', '.join(lines)}")
