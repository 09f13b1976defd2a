"""archiver's performance table, every row measured in the same run.

    python benchmarks/run.py                      # 3000-article site: the four rows, three rounds
    python benchmarks/run.py --repeat 1 --rows parse,trafilatura
    python benchmarks/run.py --memory 10000,100000

Generates a deterministic seed-like site (benchmarks/sitegen.py, with mirrors), serves it
on 127.0.0.1 with Twisted's static file server in its own process, and measures:
  1. bare   - a Scrapy spider that only follows links (the limit of any Scrapy crawler here),
              run outside the project (Scrapy's default settings) with the crawl's common flags
  2. crawl  - `scrapy crawl articles` (extraction, dedup, archive, crash-safe state)
  3. parse  - offline `python -m archiver parse` of the same article pages
  4. trafilatura - trafilatura.extract on the same article pages
Every row counts what it really did (the Scrapy stats dump, the parse summary line, the
trafilatura row's count) and the benchmark fails if a row did less than the site holds.
Ratios: crawl vs bare, parse vs trafilatura. Rows run in rounds (--repeat, default 3), each
round every row once in table order; the table shows each row's median round and, as its
ratio, the median of the per-round ratios, listed low to high at the end of the line (on this
shared 2-core VM one row's pages/s moved by 15-20% between runs; a row and its base row, run
within minutes of each other, mostly move together). `cpu s` is user+sys of the row's process
(the server is another process): on a shared machine it moves less than wall time.
`peak RSS` is the row process's ru_maxrss from wait4 (this process stays small for it).
--memory N,M crawls sites of N and M articles and prints the peak-RSS growth.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The same flags for the bare and the crawl row, so the bare row stays the limit of any
# Scrapy crawler tuned the same way. CONCURRENT_ITEMS: see archiver/settings.py.
SCRAPY_COMMON = [
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "CONCURRENT_REQUESTS=32",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=32",
    "-s",
    "ROBOTSTXT_OBEY=0",
    "-s",
    "CONCURRENT_ITEMS=1",
]
# INFO, to a file: Scrapy's final stats dump (what a row really fetched) is an INFO line.
SCRAPY_LOG = ["-s", "LOG_LEVEL=INFO"]
# Environment that would make a Scrapy process something else than what a row means.
PROJECT_ENV = ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "ARCHIVER_REDIS_URL")


@dataclass(frozen=True)
class Row:
    name: str
    pages: int
    """Pages the row really fetched (crawls) or parsed (offline rows)."""
    items: int
    """Records the row produced (archived, written, extracted)."""
    seconds: float
    cpu: float
    peak_rss: int
    user: float
    """User CPU seconds alone: what a crawler's own work costs, less the kernel's I/O."""
    own_user: float | None = None
    """The part of `user` in the crawler's own process, apart from its children's (parse
    workers), where the row measured it."""
    crawl_seconds: float | None = None
    """Scrapy's `elapsed_time_seconds`: the crawl from the spider's opening to its close,
    without the process's start-up and exit, where the row measured it."""

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float
    """User + system seconds of the process and the children it waited for (wait4)."""
    user: float
    peak_rss: int
    output: str

    def row(self, name: str, pages: int, items: int) -> Row:
        return Row(name, pages, items, self.seconds, self.cpu, self.peak_rss, self.user)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in PROJECT_ENV}


def timed(
    cmd: list[str], name: str, *, cwd: Path = ROOT, log: Path | None = None, need_rss: bool = True
) -> Run:
    """Run `cmd`; its stdout (and the log file, if any) is kept for counting. Without
    `need_rss`, a peak RSS that cannot be told from this process's is 0, not an error."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=clean_env(), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    if log is not None and log.exists():
        output += log.read_text(encoding="utf-8", errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {' '.join(cmd)}\n{output[-3000:]}")
    peak_rss = usage.ru_maxrss * 1024
    if usage.ru_maxrss <= resource.getrusage(resource.RUSAGE_SELF).ru_maxrss:
        # The child's figure may be this process's own peak (see make_site): not the row's.
        if need_rss:
            raise SystemExit(
                f"{name}: peak RSS not measurable, this benchmark process grew as large"
            )
        peak_rss = 0
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_utime, peak_rss, output)


def stat(output: str, key: str) -> int:
    """An integer from Scrapy's final stats dump (0 when absent, as Scrapy omits zeros)."""
    found = re.findall(rf"'{re.escape(key)}': (\d+)", output)
    return int(found[-1]) if found else 0


def require(
    name: str, what: str, got: int, expected: int, output: str, *, exact: bool = False
) -> None:
    if got < expected:
        raise SystemExit(
            f"{name}: {what} {got} < {expected}: the row did not do the whole site\n"
            f"{output[-3000:]}"
        )
    if exact and got > expected:
        raise SystemExit(
            f"{name}: {what} {got} > {expected}: the row did more than the site holds\n"
            f"{output[-3000:]}"
        )


def wait_for_port(port: int) -> None:
    """Until a server accepts connections on 127.0.0.1:port (10 s at most)."""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)


class StaticServer:
    """twisted.web's static file server in a child process: fast, and off this process's GIL."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "twisted",
                "web",
                "--path",
                str(root),
                "--listen",
                f"tcp:{self.port}:interface=127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        self.url = f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


@dataclass(frozen=True)
class Site:
    root: Path
    articles: list[Path]
    """Article pages (mirrors included): what the parse and trafilatura rows read."""
    pages: int
    """Every page a crawl of the site fetches: articles and listing pages."""


def make_site(root: Path, articles: int, mirrors: int) -> Site:
    # In a child process: a child's ru_maxrss counts its parent's peak RSS at fork (Linux
    # keeps the old mm's high-water mark across exec), so building a 100k-article site here
    # made every later row report this process's 218 MB as its own peak.
    subprocess.run(
        [
            sys.executable,
            str(HERE / "sitegen.py"),
            str(root),
            "--articles",
            str(articles),
            "--mirrors",
            str(mirrors),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = sorted(p for p in (root / "news").glob("*.html") if not p.name.startswith("list_"))
    # index.html is listing page 1; news/list_1.html is the same page, never linked.
    listings = len(list((root / "news").glob("list_*.html")))
    return Site(root, files, len(files) + listings)


def crawl_command(url: str, archive: Path, log: Path) -> list[str]:
    """`scrapy crawl articles` into `archive` (run in the project: archiver's settings)."""
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
        *SCRAPY_COMMON,
        *SCRAPY_LOG,
        "-s",
        f"LOG_FILE={log}",
    ]


def crawl_row(url: str, site: Site, tmp: Path, name: str = "crawl") -> Row:
    archive, log = tmp / f"archive-{name.replace(' ', '-')}", tmp / f"{name.replace(' ', '-')}.log"
    run = timed(crawl_command(url, archive, log), name, log=log)
    pages, items = (
        stat(run.output, "response_received_count"),
        stat(run.output, "item_scraped_count"),
    )
    require(name, "pages fetched", pages, site.pages, run.output)
    # Every article page is archived or dropped as a (near-)duplicate, never lost.
    require(
        name,
        "articles archived or dropped",
        items + stat(run.output, "item_dropped_count"),
        len(site.articles),
        run.output,
    )
    return run.row(name, pages, items)


def runspider_command(script: Path, url: str, tmp: Path, name: str) -> tuple[list[str], Path, Path]:
    """A standalone spider's command, the directory to run it in, and its log file."""
    # Outside the project (no scrapy.cfg above cwd, no SCRAPY_SETTINGS_MODULE): Scrapy's
    # defaults, not archiver's settings (whose AddressGuard refuses 127.0.0.1 to a runspider).
    cwd = tmp / name
    cwd.mkdir(exist_ok=True)
    log = cwd / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(script),
        "-a",
        f"start_url={url}",
        *SCRAPY_COMMON,
        *SCRAPY_LOG,
        "-s",
        f"LOG_FILE={log}",
    ]
    return cmd, cwd, log


def bare_command(url: str, tmp: Path) -> tuple[list[str], Path, Path]:
    """The bare spider's command, the directory to run it in, and its log file."""
    return runspider_command(HERE / "bare_spider.py", url, tmp, "bare")


def check_defaults(name: str, output: str) -> None:
    """A runspider row must have run on Scrapy's defaults, not on archiver's project settings."""
    if "'BOT_NAME': 'archiver'" in output:
        raise SystemExit(
            f"{name}: ran with archiver's project settings; it must run on Scrapy's defaults"
        )


def bare_row(url: str, site: Site, tmp: Path) -> Row:
    cmd, cwd, log = bare_command(url, tmp)
    run = timed(cmd, "bare", cwd=cwd, log=log)
    check_defaults("bare", run.output)
    pages = stat(run.output, "response_received_count")
    require("bare", "pages fetched", pages, site.pages, run.output)
    return run.row("bare", pages, 0)


def parse_row(site: Site, tmp: Path) -> Row:
    cmd = [
        sys.executable,
        "-m",
        "archiver",
        "parse",
        *map(str, site.articles),
        "-o",
        str(tmp / "out.jsonl"),
        "--fetched-at",
        "2024-09-30T08:00:00Z",
    ]
    run = timed(cmd, "parse")
    found = re.search(r"parsed (\d+) pages: (\d+) articles written", run.output)
    pages, items = (int(found[1]), int(found[2])) if found else (0, 0)
    require("parse", "pages parsed", pages, len(site.articles), run.output)
    require("parse", "articles written", items, len(site.articles), run.output)
    return run.row("parse", pages, items)


def trafilatura_row(site: Site, tmp: Path) -> Row:
    listing = tmp / "files.txt"
    listing.write_text("\n".join(str(p) for p in site.articles), encoding="utf-8")
    run = timed([sys.executable, str(HERE / "trafilatura_row.py"), str(listing)], "trafilatura")
    found = re.search(r"extracted (\d+) pages: (\d+) with text", run.output)
    pages, items = (int(found[1]), int(found[2])) if found else (0, 0)
    require("trafilatura", "pages extracted", pages, len(site.articles), run.output)
    return run.row("trafilatura", pages, items)


BASE = {"bare": "bare", "crawl": "bare", "parse": "trafilatura", "trafilatura": "trafilatura"}


def median_run(runs: list[Row]) -> Row:
    """The run with the median pages/s (the lower middle one of an even number)."""
    return sorted(runs, key=lambda row: row.rate)[(len(runs) - 1) // 2]


def paired_ratios(runs: list[Row], bases: list[Row]) -> list[float]:
    """pages/s of each run over that of the base run made in the same round."""
    return [row.rate / ref.rate for row, ref in zip(runs, bases, strict=True) if ref.rate]


def round_ratios(rows: dict[str, list[Row]], name: str, base: str | None = None) -> list[float]:
    """The row's pages/s over its base row's (BASE's, unless named), round by round: both ran
    within minutes of each other, so a slow spell of a shared machine falls on both."""
    bases = rows.get(base or BASE[name])
    return [] if bases is None else paired_ratios(rows[name], bases)


def median_ratio(ratios: list[float]) -> float | None:
    """The lower middle of the ratios, as median_run picks a round."""
    return sorted(ratios)[(len(ratios) - 1) // 2] if ratios else None


def ratio_cell(ratios: list[float]) -> str:
    ratio = median_ratio(ratios)
    return f"{'-':>7}" if ratio is None else f"{ratio:>6.2f}x"


def spread_cell(ratios: list[float]) -> str:
    return " ".join(f"{r:.2f}" for r in sorted(ratios))


ROW_HEAD = f"{'row':<12} {'pages':>6} {'items':>6} {'seconds':>8} {'cpu s':>7} {'pages/s':>8}"


def row_cells(name: str, row: Row) -> str:
    """The columns every table starts with, under ROW_HEAD."""
    return (
        f"{name:<12} {row.pages:>6} {row.items:>6} {row.seconds:>8.1f} {row.cpu:>7.1f} "
        f"{row.rate:>8.1f}"
    )


def print_table(rows: dict[str, list[Row]]) -> None:
    rounds = max(len(runs) for runs in rows.values())
    print(
        f"{ROW_HEAD} {'ratio':>7} {'vs':<12} {'peak RSS':>9}"
        + ("  round ratios, low to high" if rounds > 1 else "")
    )
    for name, runs in rows.items():
        ratios = round_ratios(rows, name)
        spread = "  " + spread_cell(ratios) if rounds > 1 and name != BASE[name] else ""
        print(
            f"{row_cells(name, median_run(runs))} {ratio_cell(ratios)} {BASE[name]:<12} "
            f"{median_run(runs).peak_rss / 2**20:>6.0f} MB{spread}"
        )
    if rounds > 1:
        print(
            f"{rounds} rounds, rows interleaved: each row is its median round; "
            "ratio is the median of the per-round ratios"
        )


def memory_growth(sizes: list[int], tmp: Path) -> None:
    peaks = []
    for n in sizes:
        site = make_site(tmp / f"site{n}", n, 0)
        server = StaticServer(site.root)
        try:
            row = crawl_row(server.url, site, tmp, f"crawl {n}")
        finally:
            server.stop()
        peaks.append(row)
        print(
            f"crawl of {n:>7} articles: {row.pages} pages, {row.items} archived, "
            f"{row.rate:7.1f} pages/s, peak RSS {row.peak_rss / 2**20:.0f} MB",
            flush=True,
        )
    growth = peaks[-1].peak_rss / peaks[0].peak_rss - 1
    print(f"peak RSS growth {sizes[0]} -> {sizes[-1]} articles: {growth:+.1%}")


def byte_compile() -> None:
    """Byte-code for archiver's modules, as `pip install .` writes it for scrapy's and
    trafilatura's: an editable install compiles on first import, which nothing redoes
    where PYTHONDONTWRITEBYTECODE is set (as here), and ~60 ms of every start went on it."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "archiver")], check=True)


def measure_round(rows: dict[str, list[Row]], site: Site, tmp: Path) -> None:
    """One run of every wanted row, in table order (the crawl rows share one server)."""
    tmp.mkdir()
    if "bare" in rows or "crawl" in rows:
        server = StaticServer(site.root)
        try:
            if "bare" in rows:
                rows["bare"].append(bare_row(server.url, site, tmp))
            if "crawl" in rows:
                rows["crawl"].append(crawl_row(server.url, site, tmp))
        finally:
            server.stop()
    if "parse" in rows:
        rows["parse"].append(parse_row(site, tmp))
    if "trafilatura" in rows:
        rows["trafilatura"].append(trafilatura_row(site, tmp))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--mirrors", type=int, default=100)
    parser.add_argument(
        "--memory", help="comma-separated site sizes for the RSS growth check, e.g. 10000,100000"
    )
    parser.add_argument(
        "--rows",
        default="bare,crawl,parse,trafilatura",
        help="rows to run (ratios need their base row)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of every row, interleaved (the table shows medians)",
    )
    args = parser.parse_args()
    wanted = set(args.rows.split(","))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.memory:
            memory_growth([int(x) for x in args.memory.split(",")], tmp)
            return
        site = make_site(tmp / "site", args.articles, args.mirrors)
        byte_compile()
        rows: dict[str, list[Row]] = {name: [] for name in BASE if name in wanted}
        for n in range(args.repeat):
            measure_round(rows, site, tmp / f"round{n}")
    print_table(rows)


if __name__ == "__main__":
    main()
