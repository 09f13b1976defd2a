"""The parse pool with real worker processes: a page whose worker dies or hangs costs that
page only, answers keep their order, and a crawl shut down by SIGTERM leaves every record
durable or pending."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

from conftest import FETCHED_AT, ROOT, SITE, SITE_URL, crawl_stats, run_crawl

from archiver.extract.pages import FieldError
from archiver.extract.parse import parse_page
from archiver.parsepool import AsyncPool, ParseTimeout, WorkerDied, WorkerPool, settled
from archiver.tools.offline import run_jobs


def page(n: int) -> int:
    return n * n


def die(code: int) -> int:
    os._exit(code)


def hang() -> int:
    signal.pause()  # SIGTERM and SIGINT are ignored in a worker: only the pool ends it
    return -1


def echo(blob: bytes) -> bytes:
    return blob[::-1]


def field_error() -> int:
    raise FieldError("title", ValueError("bad"))


def unpicklable() -> int:
    class Local(Exception):
        pass

    raise Local("made in a function: no pickle can name it")


def test_a_worker_that_dies_or_hangs_costs_its_page_only_and_order_holds() -> None:
    tasks = [partial(page, n) for n in range(6)]
    tasks[2], tasks[4] = partial(die, 3), hang
    pool = WorkerPool(2, timeout=1.0, chunk=2, window=2)
    answers = list(pool.map(tasks))
    workers = list(pool.workers)
    pool.close(grace=60)
    # Each worker, the replacements included, saw its pipe's end and exited by itself (a
    # worker holding another's pipe end would keep that one waiting until it is killed).
    assert [w.process.exitcode for w in workers] == [0, 0]
    assert [a for a in answers if a[0]] == [(True, n * n) for n in (0, 1, 3, 5)]
    assert isinstance(answers[2][1], WorkerDied) and "exit status 3" in str(answers[2][1])
    assert isinstance(answers[4][1], ParseTimeout)


# Several times a pipe's buffer (64 KB) each way: the parent must feed one worker's pipe
# while that worker waits for it to read its answer, which a blocking send never does.
BLOBS = [bytes([n]) * (3 << 20) + b"end" for n in range(8)]


def deadlocked(signum: int, frame: object) -> None:
    raise AssertionError("the parent and a worker wait on each other's pipe")


def test_pages_larger_than_a_pipe_go_both_ways_with_a_page_held_ahead() -> None:
    signal.signal(signal.SIGALRM, deadlocked)
    signal.alarm(60)
    try:
        echoes_both_ways()
    finally:
        signal.alarm(0)


def echoes_both_ways() -> None:
    with WorkerPool(2, window=2) as pool:
        answers = list(pool.map([partial(echo, blob) for blob in BLOBS]))
    assert answers == [(True, blob[::-1]) for blob in BLOBS]

    async def crawl() -> list[tuple[bool, object]]:
        pool = AsyncPool(WorkerPool(2, window=2), limit=6)
        try:
            return list(await asyncio.gather(*(pool.answer(partial(echo, b)) for b in BLOBS)))
        finally:
            pool.close()

    assert asyncio.run(crawl()) == [(True, blob[::-1]) for blob in BLOBS]


def test_a_worker_gone_before_its_task_reached_it_costs_no_page() -> None:
    with WorkerPool(1) as pool:
        pool.workers[0].process.kill()
        pool.workers[0].process.join()
        assert list(pool.map([partial(page, 2), partial(page, 3)])) == [(True, 4), (True, 9)]


def test_exceptions_cross_the_pipe_and_an_unpicklable_one_says_what_it_was() -> None:
    with WorkerPool(2) as pool:
        (_, error), (_, other) = pool.map([field_error, unpicklable])
    assert (
        isinstance(error, FieldError) and error.field == "title" and "ValueError: bad" in str(error)
    )
    assert isinstance(other, RuntimeError) and str(other).startswith("Local: made in a function")
    assert settled(field_error)[1].field == "title"


def test_async_pool_answers_each_page_and_bounds_what_is_in_flight() -> None:
    async def crawl() -> tuple[list[tuple[bool, object]], int]:
        pool = AsyncPool(WorkerPool(2, timeout=1.0, window=1), limit=3)
        most = 0

        async def one(task: partial[int] | object) -> tuple[bool, object]:
            nonlocal most
            answer = pool.answer(task)  # type: ignore[arg-type]
            most = max(most, len(pool.futures))
            return await answer

        async def watch() -> None:
            nonlocal most
            while True:
                most = max(most, len(pool.futures))
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        tasks = [partial(page, n) for n in range(10)]
        tasks[3], tasks[7] = partial(die, -9), hang
        answers = await asyncio.gather(*(one(t) for t in tasks))
        watcher.cancel()
        pool.close()
        return list(answers), most

    answers, most = asyncio.run(crawl())
    assert [a for a in answers if a[0]] == [(True, n * n) for n in range(10) if n not in (3, 7)]
    assert isinstance(answers[3][1], WorkerDied) and isinstance(answers[7][1], ParseTimeout)
    assert 1 <= most <= 3


def test_offline_parse_counts_a_dead_worker_and_goes_on(tmp_path: Path) -> None:
    seed = partial(
        parse_page,
        (SITE / "news" / "2024092701.html").read_bytes(),
        SITE_URL,
        fetched_at=FETCHED_AT,
    )
    jobs = [("page0", seed), ("page1", partial(die, 1)), ("page2", seed)]
    outcomes = list(run_jobs(iter(jobs), workers=2))  # type: ignore[arg-type]
    assert [o.key for o in outcomes] == [None, "failed:worker_died", None]
    assert outcomes[1].label == "page1" and outcomes[0].line == outcomes[2].line is not None


# A crawl whose parse_page kills its worker on one page and hangs on another (the hook is
# installed before Scrapy starts; forked workers inherit it).
LAUNCHER = """
import os, signal, sys
from pathlib import Path
import archiver.crawl.spider as spider

real = spider.parse_page
marker = Path(sys.argv[1])

def parse_page(html, url, **kwargs):
    if url.endswith("/news/2024092702.html"):
        os._exit(7)
    if url.endswith("/news/2024092703.html"):
        marker.touch()
        signal.pause()
    return real(html, url, **kwargs)

spider.parse_page = parse_page
from scrapy.cmdline import execute
sys.argv = ["scrapy", *sys.argv[2:]]
execute()
"""


def crawl_with_bad_pages(tmp_path: Path, url: str, timeout: int) -> subprocess.Popen[str]:
    """The crawl of `url` into tmp_path/archive with two workers and LAUNCHER's hook."""
    launcher = tmp_path / "launcher.py"
    launcher.write_text(LAUNCHER)
    cmd = [sys.executable, str(launcher), str(tmp_path / "hung"), "crawl", "articles",
           *crawl_args(tmp_path, url), "-s", f"ARCHIVER_PARSE_TIMEOUT={timeout}"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )


def crawl_args(tmp_path: Path, url: str) -> list[str]:
    archive = tmp_path / "archive"
    return [
        "-a",
        f"start_url={url}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        "ARCHIVER_PARSE_WORKERS=2",
    ]


def until_hung(proc: subprocess.Popen[str], tmp_path: Path) -> None:
    """Wait until a worker is stuck on the hanging page."""
    give_up = time.monotonic() + 60  # a bound on waiting, not a timing assertion
    while not (tmp_path / "hung").exists():
        assert proc.poll() is None and time.monotonic() < give_up
        time.sleep(0.05)


def archived(archive: Path) -> list[dict[str, object]]:
    assert not list(archive.glob("*.open")), "a shard was left open"
    return [
        json.loads(line)
        for shard in sorted(archive.glob("*.jsonl.gz"))
        for line in gzip.decompress(shard.read_bytes()).splitlines()
    ]


def test_crawl_counts_the_dead_and_the_hung_page_and_archives_the_rest(
    fixture_site, tmp_path: Path
) -> None:
    proc = crawl_with_bad_pages(tmp_path, fixture_site.url, timeout=2)
    _, stderr = proc.communicate(timeout=120)
    stats = crawl_stats(stderr)
    assert stats.get("archiver/failed/worker_died") == 1, stderr[-3000:]
    assert stats.get("archiver/failed/parse_timeout") == 1
    urls = {str(r["url"]) for r in archived(tmp_path / "archive")}
    assert urls and not any(u.endswith(("/2024092702.html", "/2024092703.html")) for u in urls)
    assert any(u.endswith("/2024092701.html") for u in urls)


def test_sigterm_while_a_worker_hangs_shuts_down_cleanly_and_a_rerun_finishes(
    fixture_site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    proc = crawl_with_bad_pages(tmp_path, fixture_site.url, timeout=5)
    until_hung(proc, tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    # The pages in flight were answered (the hung one by its timeout), then the archive closed.
    assert crawl_stats(stderr).get("archiver/failed/parse_timeout") == 1, stderr[-3000:]
    first = archived(archive)
    rerun = run_crawl(archive, *crawl_args(tmp_path, fixture_site.url))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    # The rest was pending and is archived now, each once; the timed-out page stays failed.
    urls = [str(r["url"]) for r in archived(archive)]
    assert len(urls) == len(set(urls)) > len(first)


def test_a_forced_shutdown_leaves_what_the_next_run_recovers(fixture_site, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    proc = crawl_with_bad_pages(tmp_path, fixture_site.url, timeout=3600)
    until_hung(proc, tmp_path)
    proc.send_signal(signal.SIGINT)
    time.sleep(1)  # two signals at once would be one: the kernel does not queue them
    proc.send_signal(signal.SIGINT)  # the second: do not wait for the hung page
    proc.communicate(timeout=120)  # ends: the hung worker does not hold the crawl up
    # The hung page was in flight, neither archived nor failed: pending, so the next run has it.
    rerun = run_crawl(archive, *crawl_args(tmp_path, fixture_site.url))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    urls = [str(r["url"]) for r in archived(archive)]
    assert len(urls) == len(set(urls)) and any(u.endswith("/2024092703.html") for u in urls)
