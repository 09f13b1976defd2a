"""Distributed crawls on scrapy-redis with a real redis-server: 3 workers; one killed and never
restarted (fault 9); redis-server killed and restarted, with and without persistence (fault 4)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, crawl_stats, project_settings
from redis import Redis
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver.crawl.context import crawl_context
from archiver.crawl.fixture_site import StaticSite
from archiver.crawl.spider import ArticlesSpider
from archiver.distributed import serializer
from archiver.distributed.tracker import RedisTracker
from archiver.state.outcomes import ClaimedElsewhere

sys.path.insert(0, str(ROOT / "benchmarks"))
from faults import RedisProcess
from kill_drill import count_archive
from sitegen import generate

ARTICLES = 500


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("dist") / "site"
    generate(root, ARTICLES)
    with StaticSite(root) as server:
        yield server.url


def worker(
    redis_url: str, archive: Path, log: Path | None = None, **settings: object
) -> subprocess.Popen[bytes]:
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
        "ARCHIVER_REDIS_MAX_IDLE=2",
    ]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "ARCHIVER_REDIS_URL": redis_url}
    stderr = open(log, "wb") if log is not None else subprocess.PIPE  # noqa: SIM115 - the child holds it
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def lines_written(archive: Path) -> int:
    return (
        sum(p.read_bytes().count(b"\n") for p in archive.glob("*.jsonl.open"))
        if archive.is_dir()
        else 0
    )


def allowed(site_url: str) -> dict[str, str]:
    """The worker's own permission to reach the loopback site: URLs pushed to Redis name no host."""
    return {"ARCHIVER_ALLOWED_PRIVATE_HOSTS": urlsplit(site_url).netloc}


def check_exactly_once(archive: Path) -> None:
    seen, corrupt = count_archive(archive)
    assert corrupt == 0
    assert len(seen) == ARTICLES, f"missing {ARTICLES - len(seen)}"
    assert max(seen.values()) == 1, f"duplicated: {[u for u, n in seen.items() if n > 1][:5]}"
    assert not list(archive.glob("*.open"))


def test_three_workers_archive_every_article_once(
    redis_server: str, site: str, tmp_path: Path
) -> None:
    Redis.from_url(redis_server).lpush("articles:start_urls", site)
    archive = tmp_path / "archive"
    workers = [worker(redis_server, archive, **allowed(site)) for _ in range(3)]
    for w in workers:
        assert w.wait(timeout=240) == 0, w.stderr.read().decode()[-2000:] if w.stderr else ""
    check_exactly_once(archive)
    shards = {
        p.name.split("-00001")[0] for p in archive.glob("*.jsonl*") if not p.name.endswith(".json")
    }
    # How the work spreads over workers depends on timing (a worker may find the queue empty
    # and wait): assert only that every shard name carries its worker's host and pid.
    assert shards and all(re.search(r"-[^-]+-\d+$", name) for name in shards), shards
    assert not list(tmp_path.glob("**/crawl-state.sqlite")), "distributed mode keeps no local state"


def test_a_worker_that_dies_for_good_loses_nothing_and_doubles_nothing(
    redis_server: str, site: str, tmp_path: Path
) -> None:
    Redis.from_url(redis_server).lpush("articles:start_urls", site)
    archive = tmp_path / "archive"
    lease = {"ARCHIVER_REDIS_LEASE_SECONDS": 3, **allowed(site)}
    workers = [worker(redis_server, archive, **lease) for _ in range(3)]
    time.sleep(2.5)
    victim = workers[0]
    assert victim.poll() is None, "the crawl ended before the kill"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    for w in workers[1:]:
        assert w.wait(timeout=240) == 0
    # Never restarted: the survivors took over its leases and claims, and, closing, finished
    # the shard it left open with only the lines still its own.
    check_exactly_once(archive)
    assert Redis.from_url(redis_server).zcard("articles:requests:deadlines") == 0, (
        "every lease acknowledged"
    )


@pytest.mark.parametrize("persist", [True, False], ids=["appendonly", "no-persistence"])
def test_redis_killed_and_restarted_mid_crawl(persist: bool, site: str, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    with RedisProcess(tmp_path / "redis", persist=persist) as redis:
        Redis.from_url(redis.url).lpush("articles:start_urls", site)
        workers = [
            worker(redis.url, archive, log, ARCHIVER_REDIS_LEASE_SECONDS=3, **allowed(site))
            for log in logs
        ]
        deadline = time.monotonic() + 120
        while lines_written(archive) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(w.poll() is None for w in workers), "the crawl ended before the kill"
        redis.kill()
        time.sleep(1.0)  # the workers wait, reconnecting with backoff
        redis.start()
        for w, log in zip(workers, logs):
            assert w.wait(timeout=240) == 0, log.read_text()[-3000:]
    check_exactly_once(archive)
    stats = [crawl_stats(log.read_text()) for log in logs]
    assert all(s.get("archiver/redis/reconnects", 0) >= 1 for s in stats), (
        "each worker lost Redis and came back"
    )
    lost = sum(s.get("archiver/redis/index_lost", 0) for s in stats)
    # Without persistence the index went with Redis: taught again from the archive on disk.
    assert (lost >= 1) if not persist else (lost == 0)


def test_serializer_refuses_code_and_foreign_classes() -> None:
    data = serializer.dumps(
        {
            "url": "https://a.test/",
            "callback": "parse_article",
            "body": b"",
            "headers": {b"Accept": [b"text/html"]},
            "meta": {"depth": 1},
        }
    )
    back = serializer.loads(data)
    assert (
        back["body"] == b""
        and back["headers"] == {"Accept": [b"text/html"]}
        and back["meta"] == {"depth": 1}
    )
    foreign = json.dumps(
        {"url": "https://a.test/", "_class": "os.system", "callback": "parse_article", "evil": "x"}
    )
    safe = serializer.loads(foreign)
    assert "_class" not in safe and "evil" not in safe
    assert b"pickle" not in data and not data.startswith(b"\x80")
    for evil in (
        {"url": "https://a.test/", "callback": "__init__"},
        {"url": "https://a.test/", "callback": "parse_article", "errback": "close"},
    ):
        with pytest.raises(serializer.NotARequest, match="unknown_callback"):
            serializer.loads(json.dumps(evil))
    with pytest.raises(serializer.NotARequest, match="bad_shape"):
        serializer.loads(b'["not", "a", "request"]')
    with pytest.raises(serializer.NotARequest, match="not_json"):
        serializer.loads(b"\x80\x04\x95pickle")


def test_a_record_another_worker_is_archiving_is_not_a_duplicate(redis_server: str) -> None:
    # Worker a claimed the record and may die before its line is written: b must neither
    # drop it as a duplicate nor mark its request done (it is fetched again after the lease).
    tracker = RedisTracker(
        Redis.from_url(redis_server), "archiver:t", "t:requests", takeover_after=60
    )
    tracker.remember_archived(())  # the index knows the (empty) archive
    url = "https://s.test/news/1.html"
    assert tracker.claim_record(url, "h1", "worker-a").outcome == "new"
    assert tracker.claim_record(url, "h1", "worker-b").outcome == "claimed_elsewhere"
    tracker.commit()  # a's line is on disk: now it is a duplicate for everyone else
    assert tracker.claim_record(url, "h1", "worker-b").outcome == "duplicate_url"


def test_a_record_claimed_elsewhere_leaves_its_lease_unacknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawler = get_crawler(ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR=str(tmp_path)))
    crawler.stats = MemoryStatsCollector(crawler)
    ledger = crawl_context(crawler).ledger
    finished: list[object] = []
    monkeypatch.setattr(
        ledger.tracker, "done", lambda request, validators=None: finished.append(request)
    )
    item = {
        "url": "https://s.test/1.html",
        "canonical_url": "https://s.test/1.html",
        "content_hash": "h1",
    }
    response = SimpleNamespace(
        request=SimpleNamespace(url="https://s.test/1.html", meta={}), meta={}
    )
    ledger.item_dropped(item, response, ClaimedElsewhere("claimed_elsewhere: x"))
    assert finished == []
    ledger.item_dropped(item, response, DropItem("duplicate_url: x"))
    assert finished == [response.request]
    ledger.close("finished")
