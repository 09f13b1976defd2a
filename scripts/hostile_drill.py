"""Hostile-page drill: every corpus case in its own process, with its time and peak memory.

    python scripts/hostile_drill.py                 # the table
    python scripts/hostile_drill.py --examples 5000 # plus a long property-based run

Each case must give its expected record or reason within 10 s and 2 GiB (issue 6); the
table shows how far inside that each one stays. Slow by design: not part of the suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_BUDGET_S = 10.0
MEMORY_BUDGET_MB = 2048


def run_case(name: str) -> dict[str, object]:
    """Child process: build the page, parse it once, report outcome, seconds and peak RSS."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile.cases import BY_NAME, FETCHED_AT, URL

    from archiver.extract import parse_page
    from archiver.serialize import json_line

    case = BY_NAME[name]
    page = case.build()
    start = time.perf_counter()
    result = parse_page(page, URL, fetched_at=FETCHED_AT)
    if result.article is not None:
        json.loads(json_line(result.article))
    seconds = time.perf_counter() - start
    outcome = "record" if result.article is not None else str(result.reason)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return {
        "case": name,
        "bytes": len(page),
        "expect": case.expect,
        "got": outcome,
        "seconds": seconds,
        "peak_mb": peak_mb,
    }


def drill() -> bool:
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile.cases import CASES

    print(f"{'case':30} {'bytes':>11} {'outcome':>18} {'seconds':>8} {'peak MB':>8}")
    ok = True
    for case in CASES:
        proc = subprocess.run(
            [sys.executable, __file__, "--case", case.name],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{case.name:30} FAILED\n{proc.stderr[-2000:]}")
            ok = False
            continue
        row = json.loads(proc.stdout.splitlines()[-1])
        good = (
            row["got"] == row["expect"]
            and row["seconds"] < TIME_BUDGET_S
            and row["peak_mb"] < MEMORY_BUDGET_MB
        )
        ok &= good
        mark = "" if good else "  <-- expected " + str(row["expect"])
        print(
            f"{row['case']:30} {row['bytes']:>11} {row['got']:>18} {row['seconds']:>8.2f} "
            f"{row['peak_mb']:>8}{mark}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument(
        "--examples",
        type=int,
        default=0,
        help="also run the property-based tests with this many examples",
    )
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    ok = drill()
    if args.examples:
        env = {**os.environ, "HOSTILE_EXAMPLES": str(args.examples)}
        selection = "mutated or any_text"
        ok &= (
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "tests/test_hostile.py", "-k", selection],
                cwd=ROOT,
                env=env,
                check=False,
            ).returncode
            == 0
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
