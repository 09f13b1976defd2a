"""Write records to JSONL shards under ARCHIVE_DIR, through the crawl's ledger.

The ledger (archiver.state.ledger) owns the writer, the crawl state and recovery: it marks
a record's request done once the line is durable, and handles a full disk.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from archiver.crawl.context import crawl_context
from archiver.state.ledger import Ledger


class ArchivePipeline:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawl_context(crawler).ledger)

    def open_spider(self, spider: Any = None) -> None:
        # Opened by the scheduler already, unless Scrapy's own scheduler runs (`scrapy check`).
        self.ledger.open()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        """The item once its line is written; an awaitable of it while the disk is full."""
        return self.ledger.archive(item)
