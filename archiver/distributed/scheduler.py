"""scrapy-redis's scheduler, with leased pops and JSON requests (see queue.py, serializer.py)."""

from __future__ import annotations

from scrapy import Request
from scrapy_redis.scheduler import Scheduler

from archiver.distributed.queue import LeasedPriorityQueue
from archiver.request_meta import LEASE_META


class LeaseScheduler(Scheduler):
    """A request re-scheduled while holding a lease (retry, redirect) hands the lease back
    once its successor is safely queued, so the lease never expires into a duplicate fetch."""

    queue: LeasedPriorityQueue

    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.pop(LEASE_META, None)
        queued = bool(super().enqueue_request(request))
        if lease:
            self.queue.ack([lease])
        return queued
