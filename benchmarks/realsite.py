"""Crawl speed on real pages: three crawlers on one site built from the dev sets' saved pages.

    python benchmarks/realsite.py                       # ~5 min: 530 real pages, 6 rows, 3 rounds
    python benchmarks/realsite.py --repeat 1 --pages 50 # a quick look

Builds a site in a temporary directory at run time (realsite_build.py: the pages of
../shared/datasets/trafilatura-dev and magic-html-dev, gunzipped, behind generated listing
pages; never copied into the project), serves it with nginx on 127.0.0.1 (a child process on
a generated config, stopped at the end) and crawls it, each row its own process, in rounds:
  bare         - run.py's bare spider (follows links, parses nothing), Scrapy's defaults
  trafilatura  - trafilatura_spider.py: the same links, trafilatura.extract of every article
                 page with its metadata (title, author, date: archiver's record has them too),
                 a JSON lines feed (what a user would build instead), Scrapy's defaults
  trafilatura text - the same without metadata (`-a metadata=0`): text and comments alone,
                 trafilatura skips its metadata pass (35-45 % of its time on these pages);
                 issue 17's first table (44 pages/s, crawl 1.35x) matches this row
  articles     - `scrapy crawl articles` into a fresh archive, as run.py's crawl row
  articles 1 core / 2 cores - the same crawl under `taskset -c 0` and `taskset -c 0,1`
All with run.py's SCRAPY_COMMON flags. Every row must fetch every page of the site exactly
once with HTTP 200 and account for every article page (trafilatura: a record or counted
empty; articles: archived, dropped, skipped or failed, each counted), else the benchmark stops
with the row's log. The table shows each row's median round; ratios are medians of per-round
ratios (those vs trafilatura listed low to high at the end of the line); `user s` is the row's
user CPU (wait4: the process and the children it waited for), which a loaded machine inflates
less than
wall time; `user ms/page` is that over the pages fetched; `peak RSS` is `-` where it
cannot be told from this process's own peak (started by a larger process, as by pytest).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from own_cpu import MARK as OWN_CPU_MARK
from realsite_build import RealSite, SourcePage, build_site, nginx_config, source_pages
from run import (
    ROOT,
    Row,
    Run,
    byte_compile,
    check_defaults,
    crawl_command,
    free_port,
    median_ratio,
    median_run,
    paired_ratios,
    require,
    runspider_command,
    spread_cell,
    stat,
    timed,
    wait_for_port,
)

DATASETS = ROOT.parent / "shared" / "datasets"
# (label, base row) of the table's ratio columns.
RATIO_COLUMNS = (
    ("vs bare", "bare"),
    ("vs trafilatura", "trafilatura"),
    ("vs traf. text", "trafilatura text"),
)
# The ratio whose per-round values end a line: the record-for-record comparison.
SPREAD_BASE = "trafilatura"
ONE_CORE, TWO_CORES = "articles 1 core", "articles 2 cores"


def nginx_binary() -> str | None:
    """nginx on PATH, else Debian's /usr/sbin (not on a non-root PATH)."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


class Nginx:
    """nginx serving `site` on a free 127.0.0.1 port, a child process until stop()."""

    def __init__(self, site: RealSite, workdir: Path) -> None:
        binary = nginx_binary()
        if binary is None:
            raise SystemExit("nginx not found (apt-get install nginx)")
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(
            nginx_config(site, self.port, workdir, as_root=os.geteuid() == 0), encoding="utf-8"
        )
        self.log = workdir / "nginx.log"
        with self.log.open("wb") as log:
            # -e: the error log before the config is read (the default path may not be writable).
            self.proc = subprocess.Popen(
                [binary, "-e", "stderr", "-p", str(workdir), "-c", str(conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port)
        if self.proc.poll() is not None:
            raise SystemExit(f"nginx did not start:\n{self.log.read_text(errors='replace')}")
        self.url = f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.proc.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def final_stats(output: str, prefix: str) -> int:
    """The sum of the integer stats under `prefix` in Scrapy's last stats dump."""
    block = output.rsplit("Dumping Scrapy stats:", 1)[-1]
    return sum(int(v) for v in re.findall(rf"'{re.escape(prefix)}[^']*': (\d+)", block))


def require_whole_site(name: str, site: RealSite, run: Run) -> int:
    """Every page fetched once with 200 and nothing else; the number of pages."""
    pages = stat(run.output, "response_received_count")
    require(name, "pages fetched", pages, site.pages, run.output, exact=True)
    require(
        name,
        "HTTP 200 responses",
        stat(run.output, "downloader/response_status_count/200"),
        site.pages,
        run.output,
        exact=True,
    )
    return pages


def bare_row(url: str, site: RealSite, tmp: Path, name: str) -> Row:
    cmd, cwd, log = runspider_command(HERE / "bare_spider.py", url, tmp, name)
    run = timed(cmd, name, cwd=cwd, log=log, need_rss=False)
    check_defaults(name, run.output)
    return run.row(name, require_whole_site(name, site, run), 0)


def trafilatura_row(url: str, site: RealSite, tmp: Path, name: str, metadata: bool = True) -> Row:
    cmd, cwd, log = runspider_command(
        HERE / "trafilatura_spider.py", url, tmp, name.replace(" ", "-")
    )
    feed = cwd / "items.jsonl"
    run = timed(
        [*cmd, "-a", f"metadata={int(metadata)}", "-O", str(feed)],
        name,
        cwd=cwd,
        log=log,
        need_rss=False,
    )
    check_defaults(name, run.output)
    pages = require_whole_site(name, site, run)
    items = stat(run.output, "item_scraped_count")
    empty = stat(run.output, "trafilatura/empty")
    require(
        name,
        "article pages extracted or counted empty",
        items + empty,
        len(site.articles),
        run.output,
        exact=True,
    )
    with feed.open("rb") as lines:
        require(name, "feed lines", sum(1 for _ in lines), items, run.output, exact=True)
    return run.row(name, pages, items)


def articles_row(url: str, site: RealSite, tmp: Path, name: str, cpus: str | None = None) -> Row:
    slug = name.replace(" ", "-")
    python, dash_m, *crawl = crawl_command(url, tmp / f"archive-{slug}", tmp / f"{slug}.log")
    assert dash_m == "-m"
    cmd = [python, str(HERE / "own_cpu.py"), *crawl]
    run = timed(
        ["taskset", "-c", cpus, *cmd] if cpus else cmd,
        name,
        log=tmp / f"{slug}.log",
        need_rss=False,
    )
    pages = require_whole_site(name, site, run)
    items = stat(run.output, "item_scraped_count")
    # Each article page ends archived, dropped (duplicate), skipped (not an article) or failed.
    done = (
        items
        + stat(run.output, "item_dropped_count")
        + final_stats(run.output, "archiver/skipped/")
        + final_stats(run.output, "archiver/failed/")
    )
    require(name, "article pages accounted for", done, len(site.articles), run.output, exact=True)
    own = re.findall(rf"^{re.escape(OWN_CPU_MARK)} ([0-9.]+)$", run.output, re.MULTILINE)
    elapsed = re.findall(r"'elapsed_time_seconds': ([0-9.]+)", run.output)
    return dataclasses.replace(
        run.row(name, pages, items), own_user=float(own[-1]), crawl_seconds=float(elapsed[-1])
    )


Measure = Callable[[str, RealSite, Path, str], Row]


def row_kinds(cpus: list[int]) -> dict[str, Measure]:
    """The rows in table (and round) order; the pinned ones where the CPUs exist."""
    kinds: dict[str, Measure] = {
        "bare": bare_row,
        "trafilatura": trafilatura_row,
        "trafilatura text": lambda url, site, tmp, name: trafilatura_row(
            url, site, tmp, name, metadata=False
        ),
        "articles": articles_row,
    }
    kinds[ONE_CORE] = lambda url, site, tmp, name: articles_row(url, site, tmp, name, str(cpus[0]))
    if len(cpus) > 1:
        kinds[TWO_CORES] = lambda url, site, tmp, name: articles_row(
            url, site, tmp, name, f"{cpus[0]},{cpus[1]}"
        )
    return kinds


def ratio_cells(rows: dict[str, list[Row]], name: str) -> str:
    """A row's ratio columns: medians of its per-round ratios to each base row."""
    cells = []
    for label, base in RATIO_COLUMNS:
        ratio = median_ratio(paired_ratios(rows[name], rows[base])) if base in rows else None
        cells.append(f"{'-' if ratio is None else f'{ratio:.2f}x':>{len(label)}}")
    return " ".join(cells)


def rss_cell(row: Row) -> str:
    # Unknown when this process was started by a larger one (pytest): a child's ru_maxrss
    # starts from its parent's peak, so every row would show that (see run.timed).
    return f"{row.peak_rss / 2**20:.0f} MB" if row.peak_rss else "-"


def print_table(rows: dict[str, list[Row]], cpus: list[int]) -> None:
    rounds = max(len(runs) for runs in rows.values())
    labels = " ".join(label for label, _ in RATIO_COLUMNS)
    print(
        f"{'crawler':<17} {'pages':>6} {'items':>6} {'seconds':>8} {'user s':>7} "
        f"{'user ms/page':>12} "
        f"{'pages/s':>8} {labels} {'peak RSS':>9}"
        + (f"  rounds vs {SPREAD_BASE}" if rounds > 1 else "")
    )
    for name, runs in rows.items():
        row = median_run(runs)
        spread = (
            paired_ratios(runs, rows[SPREAD_BASE])
            if SPREAD_BASE in rows and name != SPREAD_BASE
            else []
        )
        print(
            f"{name:<17} {row.pages:>6} {row.items:>6} {row.seconds:>8.1f} {row.user:>7.1f} "
            f"{1000 * row.user / row.pages:>12.1f} {row.rate:>8.1f} {ratio_cells(rows, name)} "
            f"{rss_cell(row):>9}" + (f"  {spread_cell(spread)}" if rounds > 1 and spread else "")
        )
    if ONE_CORE in rows and TWO_CORES in rows:
        scaling = paired_ratios(rows[TWO_CORES], rows[ONE_CORE])
        print(
            f"scaling, articles on CPUs {cpus[0]},{cpus[1]} vs CPU {cpus[0]} (taskset): "
            f"{median_ratio(scaling):.2f}x"
            + (f"  (rounds: {spread_cell(scaling)})" if rounds > 1 else "")
        )
        phase = [
            one.crawl_seconds / two.crawl_seconds
            for two, one in zip(rows[TWO_CORES], rows[ONE_CORE], strict=True)
            if one.crawl_seconds and two.crawl_seconds
        ]
        if phase:
            print(
                f"  the crawl alone (Scrapy's elapsed_time_seconds, the process's start-up and "
                f"exit left out): {median_ratio(phase):.2f}x"
                + (f"  (rounds: {spread_cell(phase)})" if rounds > 1 else "")
            )
    if "articles" in rows:
        print_cpu_split(median_run(rows["articles"]), len(cpus))
    if rounds > 1:
        print(
            f"{rounds} rounds, rows interleaved: each row is its median round; "
            "a ratio is the median of the per-round ratios"
        )


def print_cpu_split(row: Row, cores: int) -> None:
    """Where the articles row's user CPU went, and the pages/s it allows on `cores` CPUs:
    the reactor's process is one thread of work, the parse workers share what is left."""
    if row.own_user is None or not row.pages:
        return
    workers = row.user - row.own_user
    bound = max(row.user / cores, row.own_user)
    print(
        f"articles user CPU: reactor process {row.own_user:.1f} s "
        f"({1000 * row.own_user / row.pages:.1f} ms/page), parse workers {workers:.1f} s "
        f"({1000 * workers / row.pages:.1f} ms/page); on {cores} CPUs at best "
        f"{row.pages / bound:.0f} pages/s (the CPU split evenly, nothing waiting)"
    )


def pick_sources(datasets: Path, pages: int | None) -> list[SourcePage]:
    """Every page of the sets, or a seeded sample of `pages` of them."""
    sources = source_pages(datasets)
    return (
        random.Random(7).sample(sources, pages)
        if pages is not None and pages < len(sources)
        else sources
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--datasets",
        type=Path,
        default=DATASETS,
        help="folder holding trafilatura-dev and magic-html-dev",
    )
    parser.add_argument(
        "--pages", type=int, help="a seeded sample of this many article pages (default: all)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of every row, interleaved (the table shows medians)",
    )
    parser.add_argument(
        "--rows", help="comma-separated rows to run (default: all; ratios need their base row)"
    )
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    kinds = row_kinds(cpus)
    wanted = [name for name in kinds if args.rows is None or name in args.rows.split(",")]
    with tempfile.TemporaryDirectory(prefix="realsite-") as tmp_name:
        tmp = Path(tmp_name)
        site = build_site(tmp / "site", pick_sources(args.datasets, args.pages))
        print(
            f"site: {len(site.articles)} article pages, {len(site.listings)} listing pages, "
            "served by nginx",
            flush=True,
        )
        byte_compile()
        rows: dict[str, list[Row]] = {name: [] for name in wanted}
        server = Nginx(site, tmp / "nginx")
        try:
            for n in range(args.repeat):
                round_dir = tmp / f"round{n}"
                round_dir.mkdir()
                for name in wanted:
                    rows[name].append(kinds[name](server.url, site, round_dir, name))
        finally:
            server.stop()
    print_table(rows, cpus)


if __name__ == "__main__":
    main()
