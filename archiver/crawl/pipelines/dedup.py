"""Exact dedup and versions: one record per canonical URL and body, new bodies as new versions."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archiver.crawl.context import crawl_context
from archiver.crawl.pipelines.validate import drop
from archiver.state.ledger import Ledger
from archiver.state.outcomes import ClaimedElsewhere

logger = logging.getLogger(__name__)


def with_field(item: Any, name: str, value: Any) -> Any:
    """A copy of a (frozen dataclass or dict) item with one field changed."""
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.replace(item, **{name: value})
    return {**ItemAdapter(item).asdict(), name: value}


class DedupPipeline:
    """Drops a record whose canonical URL was archived with the same body (`duplicate_url`),
    or whose body was archived under another URL (`duplicate_content`). A known canonical
    URL with a new body is archived again, pointing at the previous version."""

    def __init__(self, stats: StatsCollector, ledger: Ledger) -> None:
        self.stats = stats
        self.ledger = ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats, crawl_context(crawler).ledger)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        canonical = adapter["canonical_url"]
        # Claimed until the record is archived; released by the ledger if it is not written.
        claim = self.ledger.claim(canonical, adapter["content_hash"])
        if claim.outcome == "claimed_elsewhere":
            raise drop(
                self.stats,
                "claimed_elsewhere",
                adapter["url"],
                f"canonical {canonical} is being archived by another worker",
                kind=ClaimedElsewhere,
            )
        if claim.outcome == "duplicate_url":
            raise drop(self.stats, "duplicate_url", adapter["url"], f"canonical {canonical}")
        if claim.outcome == "duplicate_content":
            raise drop(
                self.stats,
                "duplicate_content",
                adapter["url"],
                "same body archived under another URL",
            )
        if claim.outcome == "new":
            return item
        self.stats.inc_value("archiver/new_version")
        logger.info("New version of %s (previous content_hash %s)", canonical, claim.previous)
        return with_field(item, "previous_version", claim.previous)
