"""Faults made for real (the long versions: benchmarks/fault_drill.py): every article archived
exactly once, or counted as failed and the crawl closed with a reason; nothing hangs.

1. a server that answers 503 once, or drops the connection once (and one that never recovers);
2. a disk that fills for a moment; 3. a disk that stays full (a real tmpfs; root only).
Redis killed and restarted (4) and a worker that never comes back (9): test_distributed.py.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, crawl_stats, project_settings, run_crawl
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver.archive import ArchiveWriter, iter_archive_records, verify_archive
from archiver.crawl.context import crawl_context
from archiver.crawl.spider import ArticlesSpider
from archiver.serialize import json_line
from archiver.state.crawl import ARTICLE, DONE, CrawlState, fingerprint

sys.path.insert(0, str(ROOT / "benchmarks"))
from faults import FaultySite, Tmpfs, fill_disk
from kill_drill import count_archive
from sitegen import generate


def article(i: int) -> str:
    return f"https://www.devnews-mirror.test/news/{i}.html"


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    root = tmp_path_factory.mktemp("faults") / "site"
    return root, generate(root, 40)


def test_a_retry_is_the_same_request_coming_back(
    small_site: tuple[Path, list[int]], tmp_path: Path
) -> None:
    root, ids = small_site
    # 503 once, the connection dropped once, a listing page 503 once: each archived once on
    # its retry. Article 7 answers 503 past RETRY_TIMES: counted failed.
    plan = {
        "/news/3.html": ["503"],
        "/news/5.html": ["drop"],
        "/news/list_2.html": ["503"],
        "/news/7.html": ["503"] * 5,
    }
    archive = tmp_path / "archive"
    with FaultySite(root, plan) as site:
        done = run_crawl(
            archive,
            "-a",
            f"start_url={site.url}",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            "RETRY_TIMES=2",
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    seen, corrupt = count_archive(archive)
    assert corrupt == 0 and max(seen.values()) == 1
    assert set(seen) == {article(i) for i in ids} - {article(7)}
    stats = crawl_stats(done.stderr)
    assert stats["archiver/failed/http_503"] == 1, (
        "the article that never recovered is counted failed"
    )
    assert stats["retry/count"] == 1 + 1 + 1 + 2  # 3, 5, list_2 once each; 7 RETRY_TIMES times
    assert (
        site.served["/news/3.html"],
        site.served["/news/5.html"],
        site.served["/news/7.html"],
    ) == (2, 2, 3)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MiB tmpfs, unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    with Tmpfs(tmp_path / "disk", "8m") as disk:
        yield disk


def test_a_write_the_full_disk_cut_short_leaves_no_glued_line(small_disk: Path) -> None:
    writer = ArchiveWriter(small_disk, "t", max_records=10)
    first = json_line({"n": 1, "pad": "a" * 1000})
    writer.write(first)
    filler = fill_disk(small_disk)
    # The shard's last page has room for ~3 KB: the kernel takes that much of this line, then
    # ENOSPC.
    with pytest.raises(OSError) as raised:
        writer.write(json_line({"n": 2, "pad": "b" * 6000}))
    assert raised.value.errno == errno.ENOSPC
    assert writer.open_path is not None and writer.open_path.read_bytes() == first, (
        "cut back to the last whole line"
    )
    filler.unlink()
    writer.write(json_line({"n": 3}))
    writer.close()
    assert [r["n"] for r in iter_archive_records(small_disk)] == [1, 3]
    assert verify_archive(small_disk) == []


def test_a_state_commit_the_full_disk_refused_is_retried_whole(small_disk: Path) -> None:
    # SQLite rolls the whole transaction back when its COMMIT fails on a full disk: the
    # periodic commit must not lose it, nor stop for good.
    state = CrawlState(small_disk / "crawl-state.sqlite")
    state.start_run("r")
    state.add(fingerprint("https://a.test/1"), ARTICLE, 0, {"url": "https://a.test/1"})
    state.commit()
    state.take(1)
    state.add(
        fingerprint("https://a.test/2"),
        ARTICLE,
        0,
        {"url": "https://a.test/2", "pad": "x" * 20_000},
    )
    state.done(SimpleNamespace(url="https://a.test/1", meta={}))
    assert state.claim_record("https://a.test/1", "ab" * 32, "r").outcome == "new"
    filler = fill_disk(small_disk)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        state.commit()
    assert state.status_of(fingerprint("https://a.test/1")) == DONE, (
        "the rolled-back writes are done again"
    )
    assert state.pending_count() == 1 and state.record_hash("https://a.test/1") == "ab" * 32
    filler.unlink()
    state.commit()
    state.db.close()
    again = CrawlState(small_disk / "crawl-state.sqlite")
    assert again.status_of(fingerprint("https://a.test/1")) == DONE and again.pending_count() == 1
    assert again.record_hash("https://a.test/1") == "ab" * 32
    again.close()


def test_the_periodic_commit_survives_a_failed_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawler = get_crawler(ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR=str(tmp_path)))
    crawler.stats = MemoryStatsCollector(crawler)
    ledger = crawl_context(crawler).ledger
    ledger.open()
    commit, calls = ledger.tracker.commit, []

    def full_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        commit()

    monkeypatch.setattr(ledger.tracker, "commit", full_once)
    ledger.commit()  # a LoopingCall whose function raises never runs again: this must not raise
    assert crawler.stats.get_value("archiver/state/commit_failed") == 1 and ledger.stopping is None
    ledger.commit()
    assert len(calls) == 2 and ledger.commit_failing_since is None
    ledger.close("finished")


def slow_site_crawl(site: FaultySite, archive: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "articles",
        "-a",
        f"start_url={site.url}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "CONCURRENT_REQUESTS=4",
        "-s",
        "STATE_COMMIT_INTERVAL=0.2",
        *extra,
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def lines_written(archive: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in archive.glob("*.jsonl.open"))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def every_line_whole(archive: Path) -> None:
    """Whatever the crawl left (open, plain or gzipped shards): each line a JSON object."""
    for path in archive.iterdir():
        if path.name.endswith((".jsonl.open", ".jsonl")):
            lines = path.read_bytes().splitlines()
        elif path.name.endswith(".jsonl.gz"):
            lines = gzip.decompress(path.read_bytes()).splitlines()
        else:
            continue
        assert all(isinstance(json.loads(line), dict) for line in lines), path.name


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FaultySite, list[int]]]:
    root = tmp_path_factory.mktemp("slow") / "site"
    ids = generate(root, 120)
    with FaultySite(root, delay=0.05) as site:
        yield site, ids


def test_a_disk_full_for_a_moment_waits_and_archives_every_article_once(
    small_disk: Path, slow_site
) -> None:
    site, ids = slow_site
    crawl = slow_site_crawl(site, small_disk)
    try:
        wait_for(lambda: lines_written(small_disk) >= 10, 60, "the first records")
        filler = fill_disk(small_disk)
        time.sleep(1.5)  # writes, state commits and the near-dup index all meet ENOSPC meanwhile
        filler.unlink()
        _, stderr = crawl.communicate(timeout=120)
    finally:
        crawl.kill()
    assert crawl.returncode == 0, stderr[-3000:]
    stats = crawl_stats(stderr)
    assert stats["archiver/archive/waited_for_space"] >= 1, (
        "the disk was full while records were written"
    )
    seen, corrupt = count_archive(small_disk)
    assert corrupt == 0 and set(seen) == {article(i) for i in ids} and max(seen.values()) == 1
    assert verify_archive(small_disk) == []


def test_a_disk_that_stays_full_stops_the_crawl_and_the_next_run_finishes(
    small_disk: Path, slow_site
) -> None:
    site, ids = slow_site
    crawl = slow_site_crawl(site, small_disk, "-s", "ARCHIVE_DISK_FULL_WAIT=2")
    try:
        wait_for(lambda: lines_written(small_disk) >= 10, 60, "the first records")
        filler = fill_disk(small_disk)
        _, stderr = crawl.communicate(timeout=60)  # does not hang
    finally:
        crawl.kill()
    assert "Closing spider (archive_write_failed)" in stderr
    errors = [
        line
        for line in stderr.splitlines()
        if "ERROR" in line and "Cannot write the archive" in line
    ]
    assert (
        len(errors) == 1 and str(small_disk) in errors[0] and "No space left on device" in errors[0]
    )
    assert not list(small_disk.glob(".*.lock")), "the worker's lock is released"
    every_line_whole(small_disk)
    seen, _ = count_archive(small_disk)
    assert max(seen.values(), default=1) == 1
    filler.unlink()
    again = run_crawl(
        small_disk, "-a", f"start_url={site.url}", "-s", "AUTOTHROTTLE_ENABLED=0", timeout=120
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert crawl_stats(again.stderr)["archiver/resumed"] == 1
    seen, corrupt = count_archive(small_disk)
    assert corrupt == 0 and set(seen) == {article(i) for i in ids} and max(seen.values()) == 1
    assert verify_archive(small_disk) == []
