"""Resident memory per known URL: archiver's crawl state vs Scrapy's in-memory dupefilter.

    python benchmarks/state_memory.py --urls 1000000

Each row runs in a fresh child process and reports the growth of VmRSS while it learns
N distinct article URLs, then how fast it answers "seen?" for known URLs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def urls(n: int) -> list[str]:
    return [f"https://www.devnews-mirror.test/news/{i}.html" for i in range(n)]


def run_scrapy(n: int) -> dict[str, float]:
    from scrapy import Request
    from scrapy.dupefilters import RFPDupeFilter

    dupefilter = RFPDupeFilter()
    before = rss_bytes()
    start = time.perf_counter()
    for u in urls(n):
        dupefilter.request_seen(Request(u))
    learn = time.perf_counter() - start
    grown = rss_bytes() - before
    probe = urls(min(n, 100_000))
    start = time.perf_counter()
    for u in probe:
        dupefilter.request_seen(Request(u))
    return {
        "bytes_per_url": grown / n,
        "learn_per_s": n / learn,
        "lookups_per_s": len(probe) / (time.perf_counter() - start),
    }


def run_archiver(n: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from archiver.state.crawl import ARTICLE, CrawlState, fingerprint

    with tempfile.TemporaryDirectory() as tmp:
        state = CrawlState(Path(tmp) / "state.sqlite")
        before = rss_bytes()
        start = time.perf_counter()
        for i, u in enumerate(urls(n)):
            state.add(fingerprint(u), ARTICLE, 0, {"url": u, "callback": "parse_article"})
            if i % 50_000 == 0:
                state.commit()
        state.commit()
        learn = time.perf_counter() - start
        grown = rss_bytes() - before
        probe = urls(min(n, 100_000))
        start = time.perf_counter()
        for u in probe:
            state.status_of(fingerprint(u))
        lookups = len(probe) / (time.perf_counter() - start)
        state.close()
    return {"bytes_per_url": grown / n, "learn_per_s": n / learn, "lookups_per_s": lookups}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--child", choices=("scrapy", "archiver"))
    args = parser.parse_args()
    if args.child:
        result = run_scrapy(args.urls) if args.child == "scrapy" else run_archiver(args.urls)
        print(json.dumps(result))
        return
    rows = {}
    for name in ("scrapy", "archiver"):
        out = subprocess.run(
            [sys.executable, __file__, "--urls", str(args.urls), "--child", name],
            capture_output=True,
            text=True,
            check=True,
        )
        rows[name] = json.loads(out.stdout)
    base = rows["scrapy"]["bytes_per_url"]
    print(
        f"{'state for N=' + format(args.urls, ','):<40} {'RSS bytes/URL':>14} "
        f"{'vs scrapy':>10} {'learn/s':>10} {'lookups/s':>10}"
    )
    labels = {
        "scrapy": "Scrapy RFPDupeFilter (in-memory set)",
        "archiver": "archiver CrawlState (SQLite WAL)",
    }
    for name, row in rows.items():
        ratio = row["bytes_per_url"] / base if base else float("nan")
        print(
            f"{labels[name]:<40} {row['bytes_per_url']:>14.1f} {ratio:>9.2f}x "
            f"{row['learn_per_s']:>10,.0f} {row['lookups_per_s']:>10,.0f}"
        )


if __name__ == "__main__":
    main()
