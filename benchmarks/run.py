"""archiver's performance table, every row measured in the same run.

    python benchmarks/run.py                      # 3000-article site: the four rows
    python benchmarks/run.py --articles 10000 --memory 10000,100000

Generates a deterministic seed-like site (benchmarks/sitegen.py, with mirrors), serves it
on 127.0.0.1 with Twisted's static file server in its own process, and measures:
  1. bare   - a Scrapy spider that only follows links (the limit of any Scrapy crawler here)
  2. crawl  - `scrapy crawl articles` (extraction, dedup, archive, crash-safe state)
  3. parse  - offline `python -m archiver parse` of the same article pages
  4. trafilatura - trafilatura.extract on the same article pages
Ratios: crawl vs bare, parse vs trafilatura. Peak RSS per row from wait4().
--memory N,M crawls sites of N and M articles and prints the peak-RSS growth.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from sitegen import generate  # noqa: E402


@dataclass(frozen=True)
class Row:
    name: str
    pages: int
    seconds: float
    peak_rss: int

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(cmd: list[str], pages: int, name: str, env: dict[str, str] | None = None) -> Row:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env or os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {' '.join(cmd)}")
    return Row(name, pages, seconds, usage.ru_maxrss * 1024)


class StaticServer:
    """twisted.web's static file server in a child process: fast, and off this process's GIL."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "twisted", "web", "--path", str(root), "--listen", f"tcp:{self.port}:interface=127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


SCRAPY_COMMON = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING", "-s", "CONCURRENT_REQUESTS=32",
                 "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", "-s", "ROBOTSTXT_OBEY=0"]


def crawl_row(url: str, pages: int, archive: Path, name: str = "crawl") -> Row:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "articles", "-a", f"start_url={url}", "-s", f"ARCHIVE_DIR={archive}", *SCRAPY_COMMON]
    return timed(cmd, pages, name)


def bare_row(url: str, pages: int) -> Row:
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(HERE / "bare_spider.py"), "-a", f"start_url={url}", *SCRAPY_COMMON]
    return timed(cmd, pages, "bare")


def article_files(site: Path) -> list[Path]:
    return sorted(p for p in (site / "news").glob("*.html") if not p.name.startswith("list_"))


def print_table(rows: dict[str, Row]) -> None:
    base = {"bare": "bare", "crawl": "bare", "parse": "trafilatura", "trafilatura": "trafilatura"}
    print(f"{'row':<13} {'pages':>7} {'seconds':>8} {'pages/s':>9} {'ratio':>7} {'vs':<12} {'peak RSS':>10}")
    for name, row in rows.items():
        ref = rows[base[name]]
        print(f"{name:<13} {row.pages:>7} {row.seconds:>8.1f} {row.rate:>9.1f} {row.rate / ref.rate:>6.2f}x {base[name]:<12} "
              f"{row.peak_rss / 2**20:>8.0f} MB")


def memory_growth(sizes: list[int], tmp: Path) -> None:
    peaks = []
    for n in sizes:
        site = tmp / f"site{n}"
        generate(site, n)
        server = StaticServer(site)
        try:
            row = crawl_row(server.url, n + -(-n // 20), tmp / f"archive{n}", f"crawl {n}")
        finally:
            server.stop()
        peaks.append(row)
        print(f"crawl of {n:>7} articles: {row.rate:7.1f} pages/s, peak RSS {row.peak_rss / 2**20:.0f} MB", flush=True)
    growth = peaks[-1].peak_rss / peaks[0].peak_rss - 1
    print(f"peak RSS growth {sizes[0]} -> {sizes[-1]} articles: {growth:+.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--mirrors", type=int, default=100)
    parser.add_argument("--memory", help="comma-separated site sizes for the RSS growth check, e.g. 10000,100000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.memory:
            memory_growth([int(x) for x in args.memory.split(",")], tmp)
            return
        site = tmp / "site"
        generate(site, args.articles, mirrors=args.mirrors)
        articles = article_files(site)
        pages = len(articles) + len(list(site.glob("**/list_*.html")))
        server = StaticServer(site)
        try:
            rows = {"bare": bare_row(server.url, pages), "crawl": crawl_row(server.url, pages, tmp / "archive")}
        finally:
            server.stop()
        listing = tmp / "files.txt"
        listing.write_text("\n".join(str(p) for p in articles), encoding="utf-8")
        rows["parse"] = timed([sys.executable, "-m", "archiver", "parse", str(site / "news"), "-o", str(tmp / "out.jsonl"),
                               "--fetched-at", "2024-09-30T08:00:00Z"], len(articles), "parse")
        rows["trafilatura"] = timed([sys.executable, str(HERE / "trafilatura_row.py"), str(listing)], len(articles), "trafilatura")
    print_table(rows)


if __name__ == "__main__":
    main()
