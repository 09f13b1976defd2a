"""Crash drill: kill `scrapy crawl articles` at random moments, resume, check the archive.

    python benchmarks/kill_drill.py --articles 500 --kills 20 --signal KILL

Serves a generated seed-like site on 127.0.0.1, starts the crawl, sends the signal after a
random delay, and runs the same command again, `--kills` times, then once to the end.
Prints one line: kills, corrupt (lines json.loads rejects), duplicate and missing articles.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import generate

from archiver.crawl.fixture_site import StaticSite

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DrillResult:
    kills: int
    interrupted: int
    corrupt: int
    duplicate: int
    missing: int
    total: int
    final_returncode: int

    @property
    def ok(self) -> bool:
        return (
            self.corrupt == 0
            and self.duplicate == 0
            and self.interrupted > 0
            and self.missing == 0
            and self.final_returncode == 0
        )

    def line(self) -> str:
        return (
            f"signals: {self.kills} ({self.interrupted} mid-crawl), corrupt: {self.corrupt}, "
            f"duplicate: {self.duplicate}, "
            f"missing: {self.missing} of {self.total}"
        )


def crawl_command(url: str, archive: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "articles",
        "-a",
        f"start_url={url}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "LOG_LEVEL=WARNING",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s",
        "STATE_COMMIT_INTERVAL=0.2",
    ]


def count_archive(archive: Path) -> tuple[Counter[str], int]:
    """Records per canonical URL across every shard, and lines that are not JSON."""
    seen: Counter[str] = Counter()
    corrupt = 0
    # Closed shards only (.jsonl.gz, or .jsonl with gzip off): the final run closed them all.
    for path in sorted(archive.iterdir()):
        if not path.name.endswith((".jsonl.gz", ".jsonl")):
            continue
        data = (
            gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        )
        for line in data.splitlines():
            try:
                seen[json.loads(line)["canonical_url"]] += 1
            except (ValueError, KeyError, TypeError):
                corrupt += 1
    return seen, corrupt


def run_drill(
    site: Path,
    archive: Path,
    ids: list[int],
    *,
    kills: int,
    sig: int,
    seed: int = 1,
    min_delay: float = 0.8,
    max_delay: float = 2.2,
) -> DrillResult:
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with StaticSite(site) as server:
        cmd = crawl_command(server.url, archive)
        interrupted = attempts = 0
        # Count only signals that hit a running crawl; give up after 3x attempts.
        while interrupted < kills and attempts < 3 * kills:
            attempts += 1
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(min_delay, max_delay))
            if proc.poll() is None:
                proc.send_signal(sig)
                interrupted += 1
            proc.wait(timeout=120)
        final = subprocess.run(
            cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    seen, corrupt = count_archive(archive)
    expected = {f"https://www.devnews-mirror.test/news/{i}.html" for i in ids}
    return DrillResult(
        kills=attempts,
        interrupted=interrupted,
        corrupt=corrupt,
        duplicate=sum(1 for n in seen.values() if n > 1),
        missing=len(expected - set(seen)),
        total=len(expected),
        final_returncode=final.returncode,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--signal", choices=("KILL", "TERM", "INT"), default="KILL")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site, archive = Path(tmp) / "site", Path(tmp) / "archive"
        ids = generate(site, args.articles)
        result = run_drill(
            site,
            archive,
            ids,
            kills=args.kills,
            sig=getattr(signal, f"SIG{args.signal}"),
            seed=args.seed,
        )
    print(f"SIG{args.signal} drill: {result.line()}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
