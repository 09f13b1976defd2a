"""Fault drill: each fault of issue 15 made for real on a generated site, then the archive checked.

    python benchmarks/fault_drill.py --articles 1000            # every drill
    python benchmarks/fault_drill.py --only 2 --only 4a         # some of them

Prints one table: fault, articles expected, archived (distinct), duplicates, missing,
failed-counted, how the crawl(s) ended (exit status and close reason), verdict. Drills that
need root (a tmpfs) or redis-server say so and are skipped without them.

A drill is a function registered with `@drill(key, title)`: it gets a `Bench` (a scratch
directory, the generated site, the article ids) and returns a `Row`. A new fault is one more
function (tests/test_faults.py and tests/test_distributed.py hold the short versions).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faults import FaultySite, RedisProcess, Tmpfs, fill_disk
from kill_drill import count_archive
from sitegen import generate

from archiver.archive import verify_archive

ROOT = Path(__file__).resolve().parent.parent
CANONICAL = "https://www.devnews-mirror.test/news/{}.html"


@dataclass(frozen=True)
class Bench:
    """What every drill gets: a scratch directory of its own and the generated site."""

    tmp: Path
    site: Path
    ids: list[int]


@dataclass(frozen=True)
class Row:
    fault: str
    expected: int
    archived: int
    duplicates: int
    missing: int
    failed: int
    ending: str
    ok: bool


Drill = Callable[[Bench], Row]
DRILLS: dict[str, tuple[str, Drill]] = {}


def drill(key: str, title: str) -> Callable[[Drill], Drill]:
    """Register a drill under `key` (what --only selects)."""

    def register(function: Drill) -> Drill:
        DRILLS[key] = (f"{key}. {title}", function)
        return function

    return register


@dataclass
class Run:
    """One finished `scrapy crawl articles`: exit status, close reason, integer stats."""

    returncode: int
    log: str

    @property
    def reason(self) -> str:
        found = re.findall(r"Closing spider \(([^)]*)\)", self.log)
        return found[-1] if found else "?"

    @property
    def stats(self) -> dict[str, int]:
        block = self.log.rsplit("Dumping Scrapy stats:", 1)[-1]
        return {k: int(v) for k, v in re.findall(r"'([^']+)': (\d+),?\n", block)}

    @property
    def ending(self) -> str:
        return f"exit {self.returncode}, {self.reason}"


def crawl(
    archive: Path,
    *settings: str,
    start_url: str | None = None,
    redis_url: str | None = None,
    log: Path,
) -> subprocess.Popen[bytes]:
    """Start `scrapy crawl articles` with -s settings; its log goes to `log`."""
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "articles",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "LOG_LEVEL=INFO",
        "-s",
        "STATE_COMMIT_INTERVAL=0.2",
    ]
    if start_url is not None:
        cmd += ["-a", f"start_url={start_url}"]
    for setting in settings:
        cmd += ["-s", setting]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if redis_url is not None:
        env["ARCHIVER_REDIS_URL"] = redis_url
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=out)


def finish(proc: subprocess.Popen[bytes], log: Path, timeout: float = 900) -> Run:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return Run(proc.returncode, log.read_text(errors="replace"))


def written(archive: Path) -> int:
    """Lines in the open shards: how far a running crawl got."""
    return (
        sum(p.read_bytes().count(b"\n") for p in archive.glob("*.jsonl.open"))
        if archive.is_dir()
        else 0
    )


def wait_until(condition: Callable[[], bool], timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def judge(
    fault: str,
    bench: Bench,
    archive: Path,
    runs: list[Run],
    *,
    expected: set[str] | None = None,
    failed: int = 0,
    ending: str | None = None,
) -> Row:
    """The row for an archive: exactly once, none missing, `failed` counted, archive sound."""
    want = expected if expected is not None else {CANONICAL.format(i) for i in bench.ids}
    seen, corrupt = count_archive(archive)
    counted = sum(
        v for run in runs for k, v in run.stats.items() if k.startswith("archiver/failed/")
    )
    duplicates = sum(1 for n in seen.values() if n > 1)
    missing = len(want - set(seen))
    sound = corrupt == 0 and not verify_archive(archive) and not list(archive.glob("*.open"))
    ok = duplicates == 0 and missing == 0 and counted == failed and sound and set(seen) <= want
    return Row(
        fault,
        len(want),
        len(set(seen) & want),
        duplicates,
        missing,
        counted,
        ending or "; ".join(run.ending for run in runs),
        ok,
    )


@drill("1", "503 once, connection dropped once; one article 503 for good")
def retries(bench: Bench) -> Row:
    ids = bench.ids
    plan: dict[str, list[str]] = {f"/news/{i}.html": ["503"] for i in ids[::10]}
    plan.update({f"/news/{i}.html": ["drop"] for i in ids[5::10]})
    lost = ids[-1]
    plan[f"/news/{lost}.html"] = ["503"] * 10  # RETRY_TIMES (2) used up: counted failed
    archive, log = bench.tmp / "archive", bench.tmp / "crawl.log"
    with FaultySite(bench.site, plan) as site:
        run = finish(crawl(archive, "RETRY_TIMES=2", start_url=site.url, log=log), log)
    expected = {CANONICAL.format(i) for i in ids if i != lost}
    return judge(DRILLS["1"][0], bench, archive, [run], expected=expected, failed=1)


def full_disk_drill(bench: Bench, *, key: str, moment: float | None) -> Row:
    """Fill the archive's disk once 10% is archived; free it after `moment` s, or after the
    crawl stopped (then run it again)."""
    fault = DRILLS[key][0]
    if os.geteuid() != 0:
        return Row(fault, len(bench.ids), 0, 0, 0, 0, "skipped: a tmpfs needs root", True)
    log = bench.tmp / "crawl.log"
    with FaultySite(bench.site, delay=0.01) as site, Tmpfs(bench.tmp / "disk", "64m") as disk:
        wait = "ARCHIVE_DISK_FULL_WAIT=60" if moment is not None else "ARCHIVE_DISK_FULL_WAIT=3"
        proc = crawl(disk, "CONCURRENT_REQUESTS=4", wait, start_url=site.url, log=log)
        wait_until(lambda: written(disk) >= len(bench.ids) // 10)
        filler = fill_disk(disk)
        if moment is not None:
            time.sleep(moment)
            filler.unlink()
        runs = [finish(proc, log)]
        if moment is None:
            released = not list(disk.glob(".*.lock"))
            filler.unlink()
            again = bench.tmp / "again.log"
            runs.append(finish(crawl(disk, start_url=site.url, log=again), again))
            ending = f"{runs[0].ending}, lock released: {released}; run again: {runs[1].ending}"
            row = judge(fault, bench, disk, runs, ending=ending)
            stopped = runs[0].reason == "archive_write_failed" and released
            return Row(
                *[
                    getattr(row, f)
                    for f in (
                        "fault",
                        "expected",
                        "archived",
                        "duplicates",
                        "missing",
                        "failed",
                        "ending",
                    )
                ],
                row.ok and stopped,
            )
        return judge(fault, bench, disk, runs)


@drill("2", "the archive's disk full for 3 s mid-crawl")
def disk_full_moment(bench: Bench) -> Row:
    return full_disk_drill(bench, key="2", moment=3.0)


@drill("3", "the archive's disk full for good (then freed, crawl run again)")
def disk_full_for_good(bench: Bench) -> Row:
    return full_disk_drill(bench, key="3", moment=None)


def redis_drill(bench: Bench, key: str, *, persist: bool) -> Row:
    """Two workers; redis-server SIGKILLed once 30% is archived, started again 2 s later."""
    fault = DRILLS[key][0]
    if shutil.which("redis-server") is None:
        return Row(fault, len(bench.ids), 0, 0, 0, 0, "skipped: no redis-server", True)
    archive = bench.tmp / "archive"
    with redis_workers(bench, archive, 2, persist=persist) as (redis, procs, logs):
        wait_until(lambda: written(archive) >= len(bench.ids) * 3 // 10)
        redis.kill()
        time.sleep(2.0)
        redis.start()
        runs = [finish(proc, log) for proc, log in zip(procs, logs)]
    reconnects = sum(run.stats.get("archiver/redis/reconnects", 0) for run in runs)
    lost = sum(run.stats.get("archiver/redis/index_lost", 0) for run in runs)
    row = judge(fault, bench, archive, runs)
    ending = f"{row.ending}; reconnects {reconnects}, index re-taught {lost}"
    return Row(
        row.fault,
        row.expected,
        row.archived,
        row.duplicates,
        row.missing,
        row.failed,
        ending,
        row.ok and reconnects >= len(runs) and (lost > 0) != persist,
    )


@contextlib.contextmanager
def redis_workers(
    bench: Bench, archive: Path, count: int, *, persist: bool
) -> Iterator[tuple[RedisProcess, list[subprocess.Popen[bytes]], list[Path]]]:
    """`count` distributed workers on a fresh redis-server, the site's URL pushed to them."""
    logs = [bench.tmp / f"worker{i}.log" for i in range(count)]
    with (
        FaultySite(bench.site, delay=0.01) as site,
        RedisProcess(bench.tmp / "redis", persist=persist) as redis,
    ):
        push_start_url(redis.url, site.url)
        procs = [
            crawl(archive, *worker_settings(site.url), redis_url=redis.url, log=log) for log in logs
        ]
        yield redis, procs, logs


def worker_settings(site_url: str) -> tuple[str, ...]:
    """A distributed worker's settings: a URL pushed to Redis names no host, so each worker
    is allowed the loopback site by its own settings."""
    return (
        "ARCHIVER_REDIS_MAX_IDLE=3",
        "ARCHIVER_REDIS_LEASE_SECONDS=5",
        f"ARCHIVER_ALLOWED_PRIVATE_HOSTS={urlsplit(site_url).netloc}",
    )


def push_start_url(redis_url: str, url: str) -> None:
    from redis import Redis

    with Redis.from_url(redis_url) as client:
        client.lpush("articles:start_urls", url)


@drill("4a", "redis-server SIGKILLed and restarted, --appendonly yes")
def redis_restart_aof(bench: Bench) -> Row:
    return redis_drill(bench, "4a", persist=True)


@drill("4b", "redis-server SIGKILLed and restarted, no persistence (--save '')")
def redis_restart_empty(bench: Bench) -> Row:
    return redis_drill(bench, "4b", persist=False)


@drill(
    "5",
    (
        "poison in the Redis queue: not JSON, wrong shape, unknown callback, a steered meta; "
        "a bad start URL"
    ),
)
def poisoned_queue(bench: Bench) -> Row:
    """One worker; passes when every article is archived once, each poison value is in a
    dead-letter list (the steered request is reduced to archiver's own meta and fetched), no
    lease is left open, and the worker ends on its own with exit 0."""
    fault = DRILLS["5"][0]
    if shutil.which("redis-server") is None:
        return Row(fault, len(bench.ids), 0, 0, 0, 0, "skipped: no redis-server", True)
    from redis import Redis

    archive, log = bench.tmp / "archive", bench.tmp / "worker.log"
    with FaultySite(bench.site) as site, RedisProcess(bench.tmp / "redis", persist=False) as redis:
        request = {
            "url": f"{site.url}news/{bench.ids[0]}.html",
            "callback": "parse_article",
            "errback": "failed",
        }
        poison = [
            b"not json",
            b'["wrong", "shape"]',
            json.dumps({**request, "callback": "parse_comments"}).encode(),
        ]
        steered = json.dumps(
            {
                **request,
                "meta": {
                    "archiver_kind": "article",
                    "proxy": "http://127.0.0.2:9/",
                    "download_timeout": 0.001,
                },
            }
        ).encode()
        with Redis.from_url(redis.url) as client:
            client.zadd("articles:requests", {v: -10 for v in (*poison, steered)})
            client.lpush("articles:start_urls", site.url, "javascript:alert(1)")
            run = finish(
                crawl(archive, *worker_settings(site.url), redis_url=redis.url, log=log),
                log,
                timeout=300,
            )
            dead = client.llen("articles:requests:dead") + client.llen("articles:start_urls:dead")
            leases = client.zcard("articles:requests:deadlines")
    row = judge(fault, bench, archive, [run])
    ending = f"{row.ending}; dead-lettered {dead} of {len(poison) + 1}, open leases {leases}"
    return Row(
        row.fault,
        row.expected,
        row.archived,
        row.duplicates,
        row.missing,
        row.failed,
        ending,
        row.ok and run.returncode == 0 and dead == len(poison) + 1 and leases == 0,
    )


@drill("9", "one of three workers SIGKILLed, never restarted")
def dead_worker(bench: Bench) -> Row:
    fault = DRILLS["9"][0]
    if shutil.which("redis-server") is None:
        return Row(fault, len(bench.ids), 0, 0, 0, 0, "skipped: no redis-server", True)
    archive = bench.tmp / "archive"
    with redis_workers(bench, archive, 3, persist=False) as (_redis, procs, logs):
        wait_until(lambda: written(archive) >= len(bench.ids) // 5)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        runs = [finish(proc, log) for proc, log in zip(procs[1:], logs[1:])]
    row = judge(fault, bench, archive, runs)
    return Row(
        fault,
        row.expected,
        row.archived,
        row.duplicates,
        row.missing,
        row.failed,
        f"victim: SIGKILL; survivors: {row.ending}",
        row.ok,
    )


def table(rows: list[Row]) -> str:
    head = (
        "fault",
        "expected",
        "archived",
        "duplicates",
        "missing",
        "failed counted",
        "ended",
        "verdict",
    )
    lines = [head] + [
        (
            r.fault,
            str(r.expected),
            str(r.archived),
            str(r.duplicates),
            str(r.missing),
            str(r.failed),
            r.ending,
            "ok" if r.ok else "FAIL",
        )
        for r in rows
    ]
    return "\n".join(
        "| " + " | ".join(cells) + " |" + ("\n|" + "---|" * len(head) if i == 0 else "")
        for i, cells in enumerate(lines)
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument(
        "--only", action="append", choices=sorted(DRILLS), help="run this drill (repeatable)"
    )
    parser.add_argument(
        "--keep", type=Path, help="work in this new directory and keep it (logs, archives)"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch_root:
        tmp = args.keep or scratch_root
        Path(tmp).mkdir(parents=True, exist_ok=False) if args.keep else None
        site = Path(tmp) / "site"
        ids = generate(site, args.articles)
        for key in args.only or list(DRILLS):
            scratch = Path(tmp) / f"drill-{key}"
            scratch.mkdir()
            rows.append(DRILLS[key][1](Bench(scratch, site, ids)))
            print(
                f"{rows[-1].fault}: {'ok' if rows[-1].ok else 'FAIL'}", file=sys.stderr, flush=True
            )
    print(table(rows))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
