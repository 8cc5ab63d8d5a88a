"""Benchmark: e-mails ingested per second by one worker, against parsing alone in the same run.

    /path/to/venv/bin/python bench/email_ingest.py                   # 3,000 messages
    /path/to/venv/bin/python bench/email_ingest.py --messages 23000  # a 2021 day's e-mail
    /path/to/venv/bin/python bench/email_ingest.py --imap-url imap://user:pass@127.0.0.1:14143/INBOX

Target: a day's 23,000 e-mails (2021) in well under an hour on one worker, i.e. well over
6.4 messages/s.

In one process, on a throwaway PostgreSQL database (`--database-url`, created, migrated, dropped
at the end) with production settings (database task backend: the intake and send tasks are
queued in the ingest's transaction, as in production, and left for the task worker):

1. A realistic mix is generated (`--seed`): 70% new messages (half plain text, half HTML-only
   with quoted history, some with a PNG attachment), 20% requesters' replies (reference in the
   subject, In-Reply-To our acknowledgement), 10% not tickets (auto-replies, bounces).
   (The acknowledgement is the task worker's to send, so a reply's In-Reply-To names the
   requester's first message, which threads the same way.)
2. Baseline: `parsing.parse` alone over every message (stdlib `email` + nh3), no database.
3. The real thing: `services.mail_ingest` over every message, one after another (what the IMAP
   poll or `manage.py mail_ingest` does per message): parse, classify, match the thread, open or
   reply to the ticket with its first message, attachments, the record, the queued tasks.
4. With `--imap-url` (e.g. the private Dovecot `.ci/dovecot start DIR` starts): the same
   messages APPENDed to a fresh mailbox, then `imap.inbox_poll` until it is empty: ingest with
   the IMAP round trips.

Prints messages/s for each and the ratio, and the time one worker would take for 23,000.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAY_2021 = 23_000

SUBJECTS = [
    "Saldo pelatihan belum masuk",
    "Tidak bisa login ke dasbor",
    "Sertifikat pelatihan belum terbit",
    "Insentif belum cair ke e-wallet",
    "Cara penautan rekening bank",
    "Nomor HP sudah terdaftar",
]
WORDS = [
    "saya",
    "sudah",
    "mengikuti",
    "pelatihan",
    "dan",
    "menyelesaikan",
    "semua",
    "modul",
    "tetapi",
    "insentif",
    "belum",
    "masuk",
    "ke",
    "rekening",
    "e-wallet",
    "mohon",
    "bantuan",
    "untuk",
    "mengecek",
    "status",
    "pembayaran",
    "terima",
    "kasih",
    "kartu",
    "prakerja",
    "nomor",
    "peserta",
    "gelombang",
    "sertifikat",
    "penautan",
    "akun",
    "verifikasi",
]


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), "navy").save(out, format="PNG")
    return out.getvalue()


def generate(count: int, seed: int) -> list[tuple[str, bytes | None]]:
    """(kind, raw) per message; a reply's raw is made at ingest time (it needs a reference)."""
    from prakerja.mail.tests.builders import raw_bounce, raw_mail

    rnd = random.Random(seed)  # noqa: S311 - benchmark data
    image = png()
    messages = []
    for i in range(count):
        roll = rnd.random()
        sender = f"Peserta {i} <peserta{i}@warga.example>"
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(30, 200)))
        subject = rnd.choice(SUBJECTS)
        if roll < 0.35:
            attachments = [("bukti.png", "image/png", image)] if rnd.random() < 0.1 else []
            messages.append(
                (
                    "new",
                    raw_mail(sender=sender, subject=subject, text=text, attachments=attachments),
                )
            )
        elif roll < 0.70:
            html = (
                f"<html><body><p>{text}</p><p>Salam,<br>Peserta {i}</p>"
                "<div>On Mon, Prakerja wrote:</div><blockquote><p>Kami telah menerima "
                "laporan Anda.</p></blockquote><img src='https://tracker.example/p.gif'></body></html>"
            )
            messages.append(("new", raw_mail(sender=sender, subject=subject, text=None, html=html)))
        elif roll < 0.90:
            messages.append(("reply", None))
        elif roll < 0.95:
            messages.append(
                (
                    "auto",
                    raw_mail(
                        sender=sender,
                        subject="Out of office",
                        headers={"Auto-Submitted": "auto-replied"},
                    ),
                )
            )
        else:
            messages.append(
                (
                    "bounce",
                    raw_bounce(
                        failed=f"hilang{i}@warga.example",
                        original_message_id=f"x{i}@prakerja.example",
                    ),
                )
            )
    return messages


def realise(messages, opened: list[tuple[str, str, str]], rnd) -> list[bytes]:
    """Replies answer a ticket opened earlier in the run (its sender, reference, our id)."""
    from prakerja.mail.tests.builders import raw_mail

    out = []
    for kind, raw in messages:
        if kind == "reply":
            if not opened:
                continue
            sender, reference, ack_id = rnd.choice(opened)
            raw = raw_mail(
                sender=sender,
                subject=f"Re: Laporan {reference}",
                text="Masih belum masuk, mohon dicek lagi.\n\n> Kami sudah menerima laporan Anda.",
                in_reply_to=f"<{ack_id}>",
            )
        out.append(raw)
    return out


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/prakerja_bench_email"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--imap-url", default="", help="also measure through this IMAP server")
    args = parser.parse_args()

    import psycopg

    admin_url, _, db_name = args.database_url.rpartition("/")
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    media = Path(tempfile.mkdtemp(prefix="bench-email-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
            "SITE_URL": "https://prakerja.example",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "MEDIA_ROOT": str(media),
            "MAIL_ADDRESS": "Pengaduan <pengaduan@prakerja.example>",
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from prakerja.mail.imap import Inbox, inbox_poll
        from prakerja.mail.parsing import parse
        from prakerja.mail.services import mail_ingest

        print(f"load average: {os.getloadavg()[0]:.2f}; {args.messages:,} messages", flush=True)
        rnd = random.Random(args.seed)  # noqa: S311
        generated = generate(args.messages, args.seed)
        # Tickets to reply to: open a few first (not timed), so replies have something to answer.
        opened = []
        for raw in [raw for kind, raw in generated if kind == "new"][:50]:
            result = mail_ingest(raw=raw)
            mail = parse(raw)
            opened.append((mail.from_address, result.reference, mail.message_id))
        raws = realise(generated, opened, rnd)
        size = sum(len(r) for r in raws)
        print(f"  {len(raws):,} messages, {size / len(raws) / 1024:.1f} KiB average", flush=True)

        started = time.perf_counter()
        for raw in raws:
            parse(raw, authserv_id=settings.MAIL_AUTHSERV_ID)
        parse_s = time.perf_counter() - started
        print(
            f"parse alone:  {rate(len(raws), parse_s):8.1f} messages/s ({parse_s:.1f} s)",
            flush=True,
        )

        outcomes: dict[str, int] = {}
        started = time.perf_counter()
        for raw in raws:
            result = mail_ingest(raw=raw)
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        ingest_s = time.perf_counter() - started
        ingest_rate = rate(len(raws), ingest_s)
        print(
            f"mail_ingest:  {ingest_rate:8.1f} messages/s ({ingest_s:.1f} s) {outcomes}", flush=True
        )
        print(
            f"  ratio to parsing: {ingest_rate / rate(len(raws), parse_s):.2f}x; "
            f"{DAY_2021:,} messages on one worker: {DAY_2021 / ingest_rate / 60:.1f} min",
            flush=True,
        )

        if args.imap_url:
            inbox = Inbox.from_url(args.imap_url)
            name = f"bench-{uuid.uuid4().hex[:8]}"
            conn = inbox.connect()
            conn.create(name)
            # Fresh Message-IDs: the ones above are already taken (and would be answered from
            # the record, which would flatter the figure).
            fresh = [r.replace(b"Message-ID: <", b"Message-ID: <i", 1) for r in raws]
            for raw in fresh:
                conn.append(name, None, None, raw)
            url = args.imap_url.rsplit("/", 1)[0] + f"/{name}"
            taken = 0
            started = time.perf_counter()
            while True:
                batch = inbox_poll(url=url)
                if not batch:
                    break
                taken += len(batch)
            poll_s = time.perf_counter() - started
            conn.delete(name)
            conn.logout()
            poll_rate = rate(taken, poll_s)
            print(
                f"IMAP poll:    {poll_rate:8.1f} messages/s ({poll_s:.1f} s, {taken:,} taken)",
                flush=True,
            )
            print(
                f"  {DAY_2021:,} messages on one worker: {DAY_2021 / poll_rate / 60:.1f} min",
                flush=True,
            )
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
