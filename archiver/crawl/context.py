"""The per-crawl objects every archiver component shares, built once per crawler.

`ContextAddon` (in ADDONS) is instantiated by Scrapy once per crawler; the first component
that asks (`crawl_context(crawler)`) makes it build the context: the archive and state
directories and the shard prefix, resolved once; the tracker (the SQLite crawl state, or the
Redis index when ARCHIVER_REDIS_URL is set); and the ledger that owns them
(archiver.state.ledger). Scheduler, pipelines, middlewares, extensions and the spider are
handed these through `from_crawler`; nothing is parked on the crawler.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from archiver.archive.paths import safe_component
from archiver.distributed.addon import redis_url
from archiver.state.crawl import CrawlState
from archiver.state.ledger import Ledger
from archiver.state.outcomes import ArchiveOptions
from archiver.state.tracking import CrawlTracker

STATE_FILE = "crawl-state.sqlite"
REDIS_UNAVAILABLE = "redis_unavailable"


def worker_id() -> str:
    """Names this process in shard names, so concurrent workers never write one file."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class CrawlPaths:
    """The directories a crawl writes, from its settings: the one place they are resolved."""

    archive: Path
    state: Path
    """STATE_DIR if set, else ARCHIVE_DIR: `-s ARCHIVE_DIR=DIR` alone is the resume recipe."""
    rawpages: Path
    """RAWPAGES_DIR if set, else ARCHIVE_DIR/warc."""

    @classmethod
    def of(cls, s: BaseSettings) -> CrawlPaths:
        archive = Path(s.get("ARCHIVE_DIR") or "archive")
        return cls(
            archive,
            Path(s.get("STATE_DIR") or archive),
            Path(s.get("RAWPAGES_DIR") or archive / "warc"),
        )


@dataclass(frozen=True)
class CrawlContext:
    crawler: Crawler
    paths: CrawlPaths
    shard_prefix: str
    """`<spider>-<start time>-<host>-<pid>`: this worker's shards, lock and run summary."""
    redis_url: str | None

    @classmethod
    def build(cls, crawler: Crawler) -> CrawlContext:
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # safe_component: the worker id holds the machine's host name, never a path.
        prefix = safe_component(f"{crawler.spidercls.name}-{started}-{worker_id()}")
        return cls(crawler, CrawlPaths.of(crawler.settings), prefix, redis_url(crawler.settings))

    @property
    def archive_dir(self) -> Path:
        return self.paths.archive

    @property
    def state_dir(self) -> Path:
        return self.paths.state

    @cached_property
    def ledger(self) -> Ledger:
        """Built when first asked for (an extension that needs only the paths opens no state)."""
        s = self.crawler.settings
        tracker = (
            CrawlState(self.state_dir / STATE_FILE)
            if self.redis_url is None
            else _redis_tracker(self.crawler, self.redis_url)
        )
        options = ArchiveOptions(
            directory=self.archive_dir,
            prefix=self.shard_prefix,
            max_records=s.getint("ARCHIVE_SHARD_MAX_RECORDS"),
            max_bytes=s.getint("ARCHIVE_SHARD_MAX_BYTES"),
            gzip=s.getbool("ARCHIVE_GZIP"),
            fsync=s.getbool("ARCHIVE_FSYNC"),
            commit_interval=s.getfloat("STATE_COMMIT_INTERVAL"),
            disk_full_wait=s.getfloat("ARCHIVE_DISK_FULL_WAIT"),
        )
        return Ledger.for_crawler(self.crawler, tracker, options)

    @property
    def tracker(self) -> CrawlTracker:
        return self.ledger.tracker


def _redis_tracker(crawler: Crawler, url: str) -> CrawlTracker:
    from archiver.distributed.tracker import RedisTracker  # only distributed crawls need redis

    s, stats = crawler.settings, crawler.stats
    assert stats is not None
    name = crawler.spidercls.name

    def give_up(error: Exception) -> None:
        # Redis is first called once the context exists (the scheduler opens the ledger).
        crawl_context(crawler).ledger.stop(REDIS_UNAVAILABLE)

    return RedisTracker.connect(
        url,
        name,
        s.get("SCHEDULER_QUEUE_KEY", "%(spider)s:requests") % {"spider": name},
        takeover_after=s.getfloat("ARCHIVER_REDIS_LEASE_SECONDS"),
        give_up_after=s.getfloat("ARCHIVER_REDIS_RECONNECT_SECONDS"),
        count=stats.inc_value,
        give_up=give_up,
    )


class ContextAddon:
    """Builds the crawl's context once, when a component first asks for it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._context: CrawlContext | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContextAddon:
        return cls(crawler)

    @property
    def context(self) -> CrawlContext:
        if self._context is None:
            self._context = CrawlContext.build(self.crawler)
        return self._context


def crawl_context(crawler: Crawler) -> CrawlContext:
    addon = crawler.get_addon(ContextAddon)
    if addon is None:
        raise RuntimeError("archiver.crawl.context.ContextAddon is missing from ADDONS")
    return addon.context
