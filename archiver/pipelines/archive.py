"""Write records to JSONL shards under ARCHIVE_DIR; a URL is done once its record is durable."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archiver.archive import ArchiveWriter, recover_open_shards
from archiver.items import Article
from archiver.pipelines.dedup import ClaimedElsewhere
from archiver.serialize import json_line
from archiver.shardlock import WorkerLock, orphan_check
from archiver.state.context import crawl_tracker, shard_prefix
from archiver.state.tracking import CrawlTracker

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(
        self, stats: StatsCollector, tracker: CrawlTracker, directory: Path, *, prefix: str,
        max_records: int, max_bytes: int, gzip: bool, fsync: bool,
    ) -> None:
        self.stats = stats
        self.tracker = tracker
        self.directory = directory
        self.prefix = prefix
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.gzip = gzip
        self.fsync = fsync
        self.writer: ArchiveWriter | None = None
        self.lock: WorkerLock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        assert crawler.stats is not None
        s = crawler.settings
        pipeline = cls(
            crawler.stats,
            crawl_tracker(crawler),
            Path(s["ARCHIVE_DIR"]),
            prefix=shard_prefix(crawler),
            max_records=s.getint("ARCHIVE_SHARD_MAX_RECORDS"),
            max_bytes=s.getint("ARCHIVE_SHARD_MAX_BYTES"),
            gzip=s.getbool("ARCHIVE_GZIP"),
            fsync=s.getbool("ARCHIVE_FSYNC"),
        )
        # Both fire after the pipelines: the record's line is written (or there is none).
        crawler.signals.connect(pipeline.item_finished, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_finished, signal=signals.item_dropped)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.lock = WorkerLock(self.directory, self.prefix)
        # Shards of dead workers only: other live workers may share this directory.
        recovered = recover_open_shards(
            self.directory, gzip=self.gzip, fsync=self.fsync,
            accept=orphan_check(self.directory), keep=self.tracker.keeps_orphan_record,
        )
        for _shard, _kept, cut in recovered:
            self.stats.inc_value("archiver/recovered_shards")
            self.stats.inc_value("archiver/recovered_bytes_cut", cut)
        self.writer = ArchiveWriter(
            self.directory, self.prefix, max_records=self.max_records, fsync=self.fsync,
            max_bytes=self.max_bytes, gzip=self.gzip,
        )
        # The state commits "done" only after the archive lines behind it are on disk.
        self.tracker.on_commit(self.writer.sync)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        assert self.writer is not None
        # An Article goes to json_line as it is (the CLI's path, and no generic ItemAdapter
        # walk of every nested value); other items through ItemAdapter.
        self.writer.write(json_line(item if isinstance(item, Article) else ItemAdapter(item).asdict()))
        self.stats.inc_value("archiver/archived")
        return item

    def item_finished(self, item: Any, response: Any, spider: Any, **kwargs: Any) -> None:
        """The record is archived (or dropped): its request is done at the next commit. One
        another worker is archiving is not: its lease is left to expire (ClaimedElsewhere)."""
        if isinstance(kwargs.get("exception"), ClaimedElsewhere):
            return
        if response is not None and response.request is not None:
            self.tracker.done(response.request, response.meta.get("archiver_validators"))

    def close_spider(self, spider: Any = None) -> None:
        if self.writer is not None:
            self.writer.close()
            logger.info("Archive: %d records in %s", self.writer.records_total, self.directory)
        if self.lock is not None:
            self.lock.release()
