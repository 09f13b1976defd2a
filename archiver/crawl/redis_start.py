"""Start URLs pushed to Redis (`LPUSH articles:start_urls URL`), as scrapy-redis spiders read them.

A pushed URL is crawled, never *named*: only a worker's own arguments (`-a start_url=…`,
`ARCHIVER_ALLOWED_PRIVATE_HOSTS`) let the address guard reach a private host, because anyone
who can write to Redis can push. A pushed value that is not an http(s) URL is moved to
`<spider>:start_urls:dead` and counted (`archiver/redis/dead_letter/bad_start_url`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, UsageError

from archiver.crawl.args import parse_url_list
from archiver.crawl.context import crawl_context

logger = logging.getLogger(__name__)


def start_urls_key(spider_name: str) -> str:
    return f"{spider_name}:start_urls"


def worker_redis(crawler: Crawler) -> Any:
    """The worker's one Redis client, which reconnects (archiver.distributed.connection)."""
    return crawl_context(crawler).tracker.server  # type: ignore[attr-defined]


class DistributedWorker:
    """Takes pushed start URLs, and keeps an idle worker alive for ARCHIVER_REDIS_MAX_IDLE
    seconds: other workers may still queue requests, a dead worker's leases may expire, and
    start URLs may be pushed later."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_idle = crawler.settings.getfloat("ARCHIVER_REDIS_MAX_IDLE")
        self.idle_since: float | None = None
        self.warned = False
        # Start URLs taken from Redis while idle: walked again if Redis loses the queue.
        self.taken: list[str] = []
        self.warned = False

    def pushed_start_urls(self) -> tuple[str, ...]:
        """Take every URL pushed to `<spider>:start_urls` (a value may list several,
        comma-separated)."""
        server = worker_redis(self.crawler)
        key = start_urls_key(self.crawler.spidercls.name)
        pipe = server.pipeline()
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        raw, _ = pipe.execute()
        urls: list[str] = []
        bad: list[bytes] = []
        for value in raw:
            try:
                urls.extend(parse_url_list("start_urls in Redis", value.decode("utf-8", "replace")))
            except UsageError as exc:
                bad.append(value)
                self.refused(str(exc))
        if bad:
            server.rpush(f"{key}:dead", *bad)
        self.taken.extend(urls)
        return tuple(urls)

    def refused(self, why: str) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("archiver/redis/dead_letter/bad_start_url")
        if not self.warned:  # logged once, then only counted
            self.warned = True
            logger.warning(
                "Moved a pushed start URL to %s:dead: %s (further ones only counted)",
                start_urls_key(self.crawler.spidercls.name),
                why[:300],
            )

    def idle(self, spider: Any) -> None:
        engine = self.crawler.engine
        assert engine is not None
        for url in self.pushed_start_urls():
            engine.crawl(Request(url, callback=spider.parse_listing, errback=spider.failed))
            self.idle_since = None
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if engine._slot is not None and engine._slot.scheduler.has_pending_requests():  # type: ignore[union-attr]
            self.idle_since = now
        if now - self.idle_since < self.max_idle:
            raise DontCloseSpider
