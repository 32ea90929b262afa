"""Progress lines on stderr while a search runs (at most a few per second), and plain-text tables."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, enabled: bool = True):
        # a terminal gets one line rewritten twice a second; a log gets a line every 5 s
        self.tty = sys.stderr.isatty()
        self.label, self.enabled, self.every_s = label, enabled, 0.5 if self.tty else 5.0
        self.t0 = self.last = time.perf_counter()

    def tick(self, done: int, extra: str = ""):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last >= self.every_s:
            self.last = now
            rate = done / max(now - self.t0, 1e-9)
            msg = f"  {self.label}: {done} ({rate:,.0f}/s) {extra}"
            sys.stderr.write(f"\r{msg.ljust(100)[:100]}" if self.tty else msg + "\n")
            sys.stderr.flush()

    def done(self):
        if self.enabled and self.tty:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def table(rows: list[tuple], header: tuple) -> str:
    """A Markdown table (readable as plain text too)."""
    rows = [tuple(str(c) for c in r) for r in rows]
    header = tuple(str(c) for c in header)
    w = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (x + 2) for x in w) + "|"] +
                     [line(r) for r in rows])
