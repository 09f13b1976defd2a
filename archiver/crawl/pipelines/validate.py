"""Drop records that a dataset cannot use (no title, no body), with a reason and a counter."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

REQUIRED_TEXT_FIELDS = ("title", "body")


def drop(
    stats: StatsCollector, reason: str, url: str, detail: str = "", kind: type[DropItem] = DropItem
) -> DropItem:
    """Count `archiver/dropped/<reason>` and build the DropItem (or `kind`) that says why."""
    stats.inc_value(f"archiver/dropped/{reason}")
    return kind(f"{reason}: {url}{' (' + detail + ')' if detail else ''}")


class ValidatePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        for name in REQUIRED_TEXT_FIELDS:
            value = adapter.get(name)
            if not isinstance(value, str) or not value.strip():
                raise drop(self.stats, f"missing_{name}", str(adapter.get("url")))
        return item
