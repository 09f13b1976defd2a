"""Run a module as `python -m` would and print, at exit, this process's own user CPU apart
from its children's: `python own_cpu.py scrapy crawl articles ...` tells the crawl's reactor
process from its parse workers (forked children, counted in wait4's total).

realsite.py reads the line; the module's exit status and output are left as they are."""

from __future__ import annotations

import atexit
import resource
import runpy
import sys

MARK = "own user CPU s:"


def report() -> None:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    print(f"{MARK} {own:.3f}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    atexit.register(report)
    del sys.argv[0]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
