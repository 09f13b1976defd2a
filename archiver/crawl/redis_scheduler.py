"""scrapy-redis's scheduler, with leased pops and JSON requests (see queue.py, serializer.py)."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy_redis.scheduler import Scheduler

from archiver.crawl.context import crawl_context
from archiver.distributed.queue import LeasedPriorityQueue
from archiver.request_meta import LEASE_META
from archiver.state.ledger import Ledger


class LeaseScheduler(Scheduler):
    """A request re-scheduled while holding a lease (retry, redirect) hands the lease back
    once its successor is safely queued, so the lease never expires into a duplicate fetch.

    Queue and dupefilter use the worker's one reconnecting Redis client, and opening the
    scheduler opens the crawl's ledger (archiver.state.ledger)."""

    queue: LeasedPriorityQueue
    ledger: Ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseScheduler:
        scheduler = super().from_crawler(crawler)
        context = crawl_context(crawler)
        scheduler.server.close()
        scheduler.server = context.tracker.server  # type: ignore[attr-defined]
        scheduler.ledger = context.ledger
        return scheduler

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.df.server = self.server
        self.ledger.open()

    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.pop(LEASE_META, None)
        queued = bool(super().enqueue_request(request))
        if lease:
            self.queue.ack([lease])
        return queued
