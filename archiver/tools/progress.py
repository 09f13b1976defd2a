"""`parse`'s progress line on a terminal (tqdm; silent when stderr is a pipe or a file):
`18342 pages · 412.7 pages/s · 17020 articles · 1301 skipped · 21 failed`.

A line printed while the bar is up (a skipped page's reason) goes through `ProgressBar.say`,
which clears the bar's line first (tqdm.write), so the two never end up glued together.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from tqdm import tqdm

# Redraw at most this often: a terminal repaint per page would cost more than parsing it.
REDRAW_SECONDS = 0.1
UNCUT = 10_000


class ProgressBar:
    """Counts pages and what became of them; drawn by tqdm when `stream` is a terminal."""

    def __init__(self, stream: TextIO, *, enabled: bool | None = None, unit: str = "pages") -> None:
        self.stream = stream
        self.unit = unit
        size = _size(stream)
        # tqdm draws, throttles, clears and redraws; the line is ours (`{desc}`), so it reads
        # like the crawl's progress lines. `disable=None`: off unless a terminal.
        self.bar = tqdm(
            file=stream,
            disable=None if enabled is None else not enabled,
            mininterval=REDRAW_SECONDS,
            bar_format="{desc}",
            # A terminal that reports no size (a bare pty) would get an empty line from tqdm.
            ncols=size.columns or UNCUT,
            nrows=size.lines or UNCUT,
        )

    def update(self, done: int, *, written: int = 0, skipped: int = 0, failed: int = 0) -> None:
        if self.bar.disable:  # a pipe or a file: nothing is drawn, nothing to format
            return
        elapsed = max(self.bar.format_dict["elapsed"], 1e-9)
        self.bar.set_description_str(
            f"{done} {self.unit} · {done / elapsed:.1f} {self.unit}/s · "
            f"{written} articles · {skipped} skipped · {failed} failed",
            refresh=False,
        )
        self.bar.update(done - self.bar.n)

    def say(self, line: str) -> None:
        """A line of its own on the bar's stream, above the bar."""
        self.bar.write(line, file=self.stream)

    def close(self) -> None:
        """Leave the final counts on their own line (a terminal only)."""
        self.bar.close()


def _size(stream: TextIO) -> os.terminal_size:
    try:
        return os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return os.terminal_size((0, 0))


@contextlib.contextmanager
def progress_bar(unit: str = "pages") -> Iterator[ProgressBar]:
    """A bar on stderr for the block."""
    bar = ProgressBar(sys.stderr, unit=unit)
    try:
        yield bar
    finally:
        bar.close()
