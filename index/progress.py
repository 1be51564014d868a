"""A progress line for long work: a bar, counts, rate and ETA, written to a stream."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Redraws at most a few times a second on a terminal, every 10 s elsewhere."""

    def __init__(
        self,
        total: float,
        unit: str = "",
        stream: TextIO | None = None,
        scale: float = 1.0,
        label: str = "",
    ):
        self.total = max(total, 0)
        self.unit = unit
        self.scale = scale  # shown value = done / scale (bytes -> MB)
        self.label = label
        self.stream = stream or sys.stderr
        self.done = 0.0
        self.start = time.monotonic()
        self._tty = getattr(self.stream, "isatty", lambda: False)()
        self._last = 0.0 if self._tty else self.start  # a pipe gets a line every 10 s
        self.note = ""

    def update(self, amount: float, note: str = "") -> None:
        """Count amount more done."""
        self.done += amount
        if note:
            self.note = note
        now = time.monotonic()
        if now - self._last >= (0.2 if self._tty else 10.0):
            self._last = now
            self._draw(now)

    def _draw(self, now: float, end: str = "") -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        frac = min(self.done / self.total, 1.0) if self.total else 0.0
        eta = (self.total - self.done) / rate if rate > 0 and self.total else 0.0
        bar = "#" * int(frac * 24)
        shown = (
            f"{self.done / self.scale:,.1f}/{self.total / self.scale:,.1f}"
            if self.scale != 1
            else f"{int(self.done):,}/{int(self.total):,}"
        )
        line = (
            f"{self.label}[{bar:<24}] {frac:4.0%} {shown} {self.unit} "
            f"{rate / self.scale:,.1f} {self.unit}/s ETA {_clock(eta)} {self.note}"
        )
        if self._tty:
            self.stream.write("\r" + line[:160].ljust(100) + end)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state (and end the line on a terminal)."""
        self._draw(time.monotonic(), end="\n" if self._tty else "")


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
