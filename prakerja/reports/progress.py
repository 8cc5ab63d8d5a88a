"""A plain-text progress bar for management commands (no dependency; redraws one line)."""

import sys
import time


class ProgressBar:
    def __init__(self, *, total: int, label: str, stream=None, unit: str = "", width: int = 30):
        self.total, self.label, self.unit, self.width = max(total, 1), label, unit, width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, done: int, *, count: int | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < (0.2 if self._tty else 5.0):
            return
        self._last_draw = now
        share = min(1.0, done / self.total)
        filled = int(share * self.width)
        rate = ""
        if count is not None and now > self.started:
            rate = f"  {count:,} {self.unit} ({count / (now - self.started):,.0f}/s)"
        line = f"{self.label:<12} [{'#' * filled}{'.' * (self.width - filled)}] {share:6.1%}{rate}"
        self.stream.write(("\r" if self._tty else "") + line + ("" if self._tty else "\n"))
        self.stream.flush()

    def finish(self, *, count: int | None = None) -> None:
        self.update(self.total, count=count, force=True)
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
