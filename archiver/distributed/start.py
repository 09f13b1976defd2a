"""Start URLs pushed to Redis (`LPUSH articles:start_urls URL`), as scrapy-redis spiders read them."""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from archiver.crawl.context import crawl_context
from archiver.spiders.args import parse_url_list


def start_urls_key(spider_name: str) -> str:
    return f"{spider_name}:start_urls"


def worker_redis(crawler: Crawler) -> Any:
    """The worker's one Redis client, which reconnects (archiver.distributed.connection)."""
    return crawl_context(crawler).tracker.server  # type: ignore[attr-defined]


def pushed_start_urls(crawler: Crawler) -> tuple[str, ...]:
    """Take every URL pushed to `<spider>:start_urls`; bad ones are refused like `-a start_url`."""
    server = worker_redis(crawler)
    key = start_urls_key(crawler.spidercls.name)
    pipe = server.pipeline()
    pipe.lrange(key, 0, -1).delete(key)
    raw, _ = pipe.execute()
    urls = parse_url_list("start_urls in Redis", ",".join(v.decode("utf-8", "replace") for v in raw))
    if urls:
        # Every worker may fetch these hosts, even private ones (archiver.middlewares.AddressGuard).
        server.sadd(named_urls_key(crawler.spidercls.name), *urls)
    return urls


def named_urls_key(spider_name: str) -> str:
    return f"{spider_name}:named_urls"


def shared_named_urls(crawler: Crawler) -> tuple[str, ...]:
    """Start URLs any worker of this distributed crawl was given (they share one queue)."""
    members = worker_redis(crawler).smembers(named_urls_key(crawler.spidercls.name))
    return tuple(sorted(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in members))


class DistributedWorker:
    """Keeps an idle worker alive for ARCHIVER_REDIS_MAX_IDLE seconds: other workers may still
    queue requests, a dead worker's leases may expire, and start URLs may be pushed later."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_idle = crawler.settings.getfloat("ARCHIVER_REDIS_MAX_IDLE", 10.0)
        self.idle_since: float | None = None
        # Start URLs taken from Redis while idle: walked again if Redis loses the queue.
        self.taken: list[str] = []

    def idle(self, spider: Any) -> None:
        engine = self.crawler.engine
        assert engine is not None
        for url in pushed_start_urls(self.crawler):
            self.taken.append(url)
            engine.crawl(Request(url, callback=spider.parse_listing, errback=spider.failed))
            self.idle_since = None
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if engine._slot is not None and engine._slot.scheduler.has_pending_requests():  # type: ignore[union-attr]
            self.idle_since = now
        if now - self.idle_since < self.max_idle:
            raise DontCloseSpider
