"""A one-line progress bar for long offline runs: drawn on a terminal, silent in a pipe.

Lines printed to stderr while the bar is shown (a skipped page's reason) first clear the
bar's line, so they never end up glued to it; the bar is redrawn on the next update.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

# Redraw at most this often: a terminal repaint per page would cost more than parsing it.
REDRAW_SECONDS = 0.1
CLEAR_LINE = "\r\x1b[K"


class _ClearingStream:
    """stderr as seen while the bar is up: each write first erases the bar's line."""

    def __init__(self, bar: ProgressBar) -> None:
        self.bar = bar

    def write(self, text: str) -> int:
        self.bar.clear()
        return self.bar.stream.write(text)

    def flush(self) -> None:
        self.bar.stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self.bar.stream, name)


class ProgressBar:
    """`N pages · X pages/s · A articles · S skipped · F failed`, redrawn in place."""

    def __init__(self, stream: TextIO, *, enabled: bool | None = None, unit: str = "pages") -> None:
        self.stream = stream
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.unit = unit
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.shown = False
        self.counts = (0, 0, 0, 0)

    def update(self, done: int, *, written: int = 0, skipped: int = 0, failed: int = 0) -> None:
        self.counts = (done, written, skipped, failed)
        now = time.monotonic()
        if self.enabled and now - self.last_draw >= REDRAW_SECONDS:
            self.draw(now)

    def line(self, now: float | None = None) -> str:
        done, written, skipped, failed = self.counts
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        return (
            f"{done} {self.unit} · {done / elapsed:.1f} {self.unit}/s · {written} articles · "
            f"{skipped} skipped · {failed} failed"
        )

    def draw(self, now: float | None = None) -> None:
        self.stream.write(CLEAR_LINE + self.line(now))
        self.stream.flush()
        self.shown = True
        self.last_draw = now or time.monotonic()

    def clear(self) -> None:
        if self.shown:
            self.stream.write(CLEAR_LINE)
            self.shown = False

    def close(self) -> None:
        """Leave the final counts on their own line (a terminal only)."""
        if self.enabled:
            self.draw()
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def progress_bar(unit: str = "pages") -> Iterator[ProgressBar]:
    """A bar on stderr for the block; stderr writes inside it keep the bar's line clean."""
    bar = ProgressBar(sys.stderr, unit=unit)
    if not bar.enabled:
        yield bar
        return
    try:
        with contextlib.redirect_stderr(_ClearingStream(bar)):  # type: ignore[type-var]
            yield bar
    finally:
        bar.close()
