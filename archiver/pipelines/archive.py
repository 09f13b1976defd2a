"""Write records to JSONL shards under ARCHIVE_DIR."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archiver.archive import ArchiveWriter, recover_open_shards
from archiver.serialize import json_line

logger = logging.getLogger(__name__)


def worker_id() -> str:
    """Names this process in shard names, so workers never write the same file."""
    return f"{socket.gethostname()}-{os.getpid()}"


class ArchivePipeline:
    def __init__(
        self, stats: StatsCollector, directory: Path, *, name: str, max_records: int, fsync: bool
    ) -> None:
        self.stats = stats
        self.name = name
        self.directory = directory
        self.max_records = max_records
        self.fsync = fsync
        self.writer: ArchiveWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        assert crawler.stats is not None
        s = crawler.settings
        return cls(
            crawler.stats,
            Path(s["ARCHIVE_DIR"]),
            name=crawler.spidercls.name or "crawl",
            max_records=s.getint("ARCHIVE_SHARD_MAX_RECORDS"),
            fsync=s.getbool("ARCHIVE_FSYNC"),
        )

    def open_spider(self, spider: Any = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for shard, kept, cut in recover_open_shards(self.directory):
            self.stats.inc_value("archiver/recovered_shards")
            self.stats.inc_value("archiver/recovered_bytes_cut", cut)
        started = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        prefix = f"{self.name}-{started}-{worker_id()}"
        self.writer = ArchiveWriter(self.directory, prefix, max_records=self.max_records, fsync=self.fsync)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        assert self.writer is not None
        self.writer.write(json_line(ItemAdapter(item).asdict()))
        self.stats.inc_value("archiver/archived")
        return item

    def close_spider(self, spider: Any = None) -> None:
        if self.writer is not None:
            self.writer.close()
            logger.info("Archive: %d records in %s", self.writer.records_total, self.directory)
