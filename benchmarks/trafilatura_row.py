"""Row 4 of benchmarks/run.py: trafilatura.extract over the article files listed in a file."""

from __future__ import annotations

import sys
from pathlib import Path

import trafilatura


def main() -> None:
    paths = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    with_text = 0
    for path in paths:
        with_text += trafilatura.extract(Path(path).read_bytes(), url=None) is not None
    # run.py counts the pages this row really did from this line.
    print(f"extracted {len(paths)} pages: {with_text} with text")


if __name__ == "__main__":
    main()
