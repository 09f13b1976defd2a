"""RedisAddon: ARCHIVER_REDIS_URL (setting or environment) switches the crawl to scrapy-redis."""

from __future__ import annotations

import os

from scrapy.settings import BaseSettings


def redis_url(settings: BaseSettings) -> str | None:
    """ARCHIVER_REDIS_URL from settings or the environment: set, the crawl is distributed.
    The one place that reads it (the addon, the crawl context, the settings check)."""
    return settings.get("ARCHIVER_REDIS_URL") or os.environ.get("ARCHIVER_REDIS_URL") or None


class RedisAddon:
    """Chooses the scheduler: archiver's SQLite one, or scrapy-redis's with leases when
    ARCHIVER_REDIS_URL is set. Without it nothing needs Redis."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            # `scrapy check` wraps callbacks in contract hooks; the durable scheduler stores a
            # callback by name and would drop them, so a check keeps Scrapy's own scheduler.
            if not os.environ.get("SCRAPY_CHECK"):
                settings.set(
                    "SCHEDULER", "archiver.crawl.scheduler.DurableScheduler", priority="addon"
                )
            return
        settings.set("ARCHIVER_REDIS_URL", url, priority="addon")
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "archiver.crawl.redis_scheduler.LeaseScheduler", priority="addon")
        settings.set(
            "SCHEDULER_QUEUE_CLASS",
            "archiver.distributed.queue.LeasedPriorityQueue",
            priority="addon",
        )
        settings.set("SCHEDULER_SERIALIZER", "archiver.distributed.serializer", priority="addon")
        settings.set(
            "SCHEDULER_DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon"
        )
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        # The queue outlives every worker: a finished worker must not flush what others need.
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
