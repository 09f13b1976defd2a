"""What bounds the crawl row of run.py: the crawl with its costly parts made free.

    python benchmarks/crawl_floor.py    # ~4 min: 3000 articles + 100 mirrors, three rounds

Rows, each round in this order on one served site (run.py's generator and server):
  bare        - run.py's bare spider
  crawl       - `scrapy crawl articles`, as run.py runs it
  no-extract  - the same crawl, its spider's parse_page replaced by a lookup of records made
                beforehand (outside the timing) with that same function
  no-extract-no-neardup - that, and NEARDUP_ENABLED=False
Seconds are Scrapy's own `elapsed_time_seconds` (spider open to close) for every row, so the
records made beforehand and the start-up are not in them. The ratio is the bare row's
seconds over the row's, in the same round: what run.py's ratio would be if that part cost
nothing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import (
    ROOT,
    SCRAPY_COMMON,
    SCRAPY_LOG,
    Site,
    StaticServer,
    bare_command,
    byte_compile,
    clean_env,
    make_site,
    require,
    stat,
)

STUBBED = ("no-extract", "no-extract-no-neardup")
ROWS = ("bare", "crawl", *STUBBED)


def elapsed(log: str) -> float:
    found = re.findall(r"'elapsed_time_seconds': ([0-9.]+)", log)
    if not found:
        raise SystemExit(f"no elapsed_time_seconds in the stats dump:\n{log[-3000:]}")
    return float(found[-1])


def run_row(row: str, url: str, site: Site, tmp: Path) -> float:
    if row == "bare":
        cmd, cwd, log = bare_command(url, tmp)
    else:
        cwd, log = ROOT, tmp / f"{row}.log"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--crawl",
            row,
            url,
            str(site.root),
            "-a",
            f"start_url={url}",
            "-s",
            f"ARCHIVE_DIR={tmp / row}",
            *SCRAPY_COMMON,
            *SCRAPY_LOG,
            "-s",
            f"LOG_FILE={log}",
        ]
    subprocess.run(
        cmd,
        cwd=cwd,
        env=clean_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    text = log.read_text(encoding="utf-8", errors="replace")
    require(row, "pages fetched", stat(text, "response_received_count"), site.pages, text)
    return elapsed(text)


def crawl(row: str, url: str, root: Path, scrapy_args: list[str]) -> None:
    """One crawl row in this process: records made first when the row stubs extraction."""
    if row in STUBBED:
        import archiver.crawl.spider as spider_module
        from archiver.extract import parse_page

        records = {}
        for page in sorted((root / "news").glob("*.html")):
            if not page.name.startswith("list_"):
                page_url = f"{url}news/{page.name}"
                records[page_url] = parse_page(
                    page.read_bytes(), page_url, fetched_at="2024-09-30T08:00:00Z"
                )
        spider_module.parse_page = lambda body, page_url, **kw: records[page_url]  # type: ignore[assignment]
    if row == "no-extract-no-neardup":
        scrapy_args += ["-s", "NEARDUP_ENABLED=False"]
    from scrapy.cmdline import execute

    execute(["scrapy", "crawl", "articles", *scrapy_args])


def main() -> None:
    if sys.argv[1:2] == ["--crawl"]:
        crawl(sys.argv[2], sys.argv[3], Path(sys.argv[4]), sys.argv[5:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--mirrors", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {row: [] for row in ROWS}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        site = make_site(tmp / "site", args.articles, args.mirrors)
        byte_compile()
        server = StaticServer(site.root)
        try:
            for n in range(args.repeat):
                round_dir = tmp / f"round{n}"
                round_dir.mkdir()
                for row in ROWS:
                    seconds[row].append(run_row(row, server.url, site, round_dir))
        finally:
            server.stop()
    width = 7 * args.repeat
    print(f"{'row':<24} {'seconds per round':<{width}} {'median vs bare':>14}   per round")
    for row in ROWS:
        ratios = [bare / own for bare, own in zip(seconds["bare"], seconds[row], strict=True)]
        median = sorted(ratios)[(len(ratios) - 1) // 2]
        print(
            f"{row:<24} {' '.join(f'{s:6.1f}' for s in seconds[row]):<{width}} {median:>13.2f}x   "
            + " ".join(f"{r:.2f}" for r in ratios)
        )


if __name__ == "__main__":
    main()
