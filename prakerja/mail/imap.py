"""Polling the contact center's mailbox over IMAP (stdlib `imaplib`), from the scheduler.

Each poll takes up to MAIL_POLL_BATCH unseen messages, oldest first, reads each without marking
it (BODY.PEEK), hands it to `mail_ingest` and only then flags it \\Seen: a crash in between
leaves it unseen, and the next poll's ingest recognises it by Message-ID. IDLE is not used: the
scheduler's interval bounds the delay, which e-mail tolerates.
"""

import imaplib
import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings

from .services import IngestResult, mail_ingest

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Inbox:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    mailbox: str

    @classmethod
    def from_url(cls, url: str) -> "Inbox":
        """`imap://user:pass@host:143/INBOX` or `imaps://...:993/...` (parts URL-encoded)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("EMAIL_INBOX_URL must look like imaps://user:pass@host:993/INBOX")
        tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            tls=tls,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        )

    def connect(self) -> imaplib.IMAP4:
        if self.tls:
            conn = imaplib.IMAP4_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS)
        else:
            conn = imaplib.IMAP4(self.host, self.port, timeout=TIMEOUT_SECONDS)
        conn.login(self.user, self.password)
        return conn


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def inbox_poll(*, url: str = "", limit: int | None = None) -> list[IngestResult]:
    """Ingest the unseen messages of the mailbox at `url` (default EMAIL_INBOX_URL)."""
    url = url or settings.EMAIL_INBOX_URL
    if not url:
        return []
    inbox = Inbox.from_url(url)
    limit = limit or settings.MAIL_POLL_BATCH
    results = []
    conn = inbox.connect()
    try:
        conn.select(_quoted(inbox.mailbox))
        _status, data = conn.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split()[:limit]:
            _status, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is None:  # expunged by someone else meanwhile
                continue
            results.append(mail_ingest(raw=raw))
            conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            logger.warning("mail.imap_logout_failed")
    if results:
        logger.info("mail.polled", extra={"messages": len(results)})
    return results
