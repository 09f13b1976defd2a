"""Row 4 of benchmarks/run.py: trafilatura.extract over the article files listed in a file."""

from __future__ import annotations

import sys
from pathlib import Path

import trafilatura


def main() -> None:
    paths = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    for path in paths:
        trafilatura.extract(Path(path).read_bytes(), url=None)


if __name__ == "__main__":
    main()
