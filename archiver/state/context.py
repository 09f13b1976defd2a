"""Per-crawl shared state: one CrawlState and one shard prefix per crawler."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from scrapy.crawler import Crawler

from archiver.paths import safe_component
from archiver.state.crawl import CrawlState
from archiver.state.tracking import CrawlTracker

STATE_FILE = "crawl-state.sqlite"


def state_dir(crawler: Crawler) -> Path:
    """STATE_DIR if set, else ARCHIVE_DIR: `-s ARCHIVE_DIR=DIR` alone is the resume recipe."""
    return Path(crawler.settings.get("STATE_DIR") or crawler.settings["ARCHIVE_DIR"])


def crawl_state(crawler: Crawler) -> CrawlState:
    """The crawl's state store, opened once and shared by scheduler, spider and pipelines."""
    state = crawler.__dict__.get("_archiver_state")
    if state is None:
        state = CrawlState(state_dir(crawler) / STATE_FILE)
        crawler.__dict__["_archiver_state"] = state
    return state


def redis_url(crawler: Crawler) -> str | None:
    """ARCHIVER_REDIS_URL from settings or the environment: set, the crawl is distributed."""
    return crawler.settings.get("ARCHIVER_REDIS_URL") or os.environ.get("ARCHIVER_REDIS_URL") or None


def crawl_tracker(crawler: Crawler) -> CrawlTracker:
    """Redis when ARCHIVER_REDIS_URL is set (shared by workers), else the SQLite state."""
    if redis_url(crawler) is None:
        return crawl_state(crawler)
    tracker = crawler.__dict__.get("_archiver_tracker")
    if tracker is None:
        from archiver.distributed.tracker import RedisTracker

        tracker = RedisTracker.from_crawler(crawler)
        crawler.__dict__["_archiver_tracker"] = tracker
    return tracker


def worker_id() -> str:
    """Names this process in shard names, so concurrent workers never write one file."""
    return f"{socket.gethostname()}-{os.getpid()}"


def shard_prefix(crawler: Crawler) -> str:
    prefix = crawler.__dict__.get("_archiver_shard_prefix")
    if prefix is None:
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # safe_component: the worker id holds the machine's host name, never a path.
        prefix = safe_component(f"{crawler.spidercls.name}-{started}-{worker_id()}")
        crawler.__dict__["_archiver_shard_prefix"] = prefix
    return prefix
