"""Drop records whose canonical URL or exact body the archive already holds."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archiver.archive import iter_archive_records
from archiver.extract.urls import dedup_key
from archiver.pipelines.validate import drop
from archiver.state.dedup import DedupIndex, InMemoryDedupIndex

logger = logging.getLogger(__name__)


class DedupPipeline:
    def __init__(self, stats: StatsCollector, index: DedupIndex, archive_dir: Path | None) -> None:
        self.stats = stats
        self.index = index
        self.archive_dir = archive_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        assert crawler.stats is not None
        seed = crawler.settings.getbool("DEDUP_SEED_FROM_ARCHIVE")
        archive_dir = Path(crawler.settings["ARCHIVE_DIR"]) if seed else None
        return cls(crawler.stats, InMemoryDedupIndex(), archive_dir)

    def open_spider(self, spider: Any = None) -> None:
        """Learn what earlier runs archived, so a re-run adds only new articles."""
        if self.archive_dir is None:
            return
        known = 0
        for record in iter_archive_records(self.archive_dir):
            if self.index.claim(dedup_key(record.get("canonical_url") or record.get("url", "")), record.get("content_hash", "")) is None:
                known += 1
        if known:
            logger.info("Dedup index seeded with %d records from %s", known, self.archive_dir)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        reason = self.index.claim(dedup_key(adapter["canonical_url"]), adapter["content_hash"])
        if reason:
            raise drop(self.stats, reason, adapter["url"], f"canonical {adapter['canonical_url']}")
        return item
