"""Structured logs: one JSON object per line, with the request id; NIKs never reach a log."""

import json
import logging
import re
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# 16 digits (NIK, KK), as typed: run together or grouped by single spaces, dashes or dots
# ("3201 2345 6789 0123", "3201-2345-6789-0123", "3201.2345.6789.0123").
NIK_PATTERN = re.compile(r"(?<!\d)\d(?:[ \u00a0.\-]?\d){15}(?!\d)")


def _mask_digits(match: re.Match) -> str:
    seen = 0
    out = []
    for char in match.group(0):
        if char.isdigit():
            seen += 1
            out.append("*" if 6 < seen <= 12 else char)
        else:
            out.append(char)
    return "".join(out)


def mask_nik(text: str) -> str:
    """Mask every 16-digit number (NIK/KK), in any of the forms people type it, to its first 6
    and last 4 digits; separators stay where they were."""
    return NIK_PATTERN.sub(_mask_digits, text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class MaskNikFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_nik(record.getMessage())
        record.args = ()
        return True


class JsonFormatter(logging.Formatter):
    RESERVED = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        payload.update(
            {
                k: v
                for k, v in vars(record).items()
                if k not in self.RESERVED and not k.startswith("_")
            }
        )
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return mask_nik(json.dumps(payload, default=str, ensure_ascii=False))
