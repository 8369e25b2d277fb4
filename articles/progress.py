import sys
import time


class ProgressBar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, stream=None, *, label="", min_total=50):
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = self.stream.isatty()
        self.min_total = min_total
        self.total = self.done = 0
        self.started = self.last_draw = 0.0

    def start(self, total):
        self.total, self.done = total, 0
        self.started = time.monotonic()
        self.enabled = self.enabled and total >= self.min_total

    def advance(self, step=1):
        self.done += step
        now = time.monotonic()
        # Redrawing more than ten times a second costs time and shows nothing.
        if self.enabled and (now - self.last_draw > 0.1 or self.done == self.total):
            self.last_draw = now
            self.draw(now)

    def draw(self, now):
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        rate = self.done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label}[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} ({rate:,.0f}/s)"
        )
        self.stream.flush()

    def finish(self):
        if self.enabled:
            self.draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
