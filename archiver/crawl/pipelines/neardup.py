"""Near-duplicates: a record whose body nearly matches an archived one under another
canonical URL (a content farm's mirror, a lightly edited copy) is dropped, or kept and
marked with `duplicate_of`, by NEARDUP_POLICY. Runs after exact dedup, before the archive."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from archiver.archive.reader import iter_archive_records
from archiver.crawl.context import crawl_context
from archiver.crawl.pipelines.dedup import with_field
from archiver.crawl.pipelines.validate import drop
from archiver.neardup.index import NearDuplicateIndex
from archiver.neardup.signature import Signature, body_signature
from archiver.neardup.store import NEARDUP_FILE, open_neardup_index
from archiver.state.outcomes import is_disk_full

logger = logging.getLogger(__name__)

POLICIES = ("drop", "mark")
SEED_BATCH = 10_000


class NearDuplicatePipeline:
    def __init__(
        self,
        stats: StatsCollector,
        path: Path,
        *,
        policy: str,
        threshold: float,
        seed_from: Path | None = None,
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"NEARDUP_POLICY must be one of {', '.join(POLICIES)}; got {policy!r}")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"NEARDUP_THRESHOLD must be a similarity in (0, 1]; got {threshold!r}")
        self.stats = stats
        self.path = path
        self.policy = policy
        self.threshold = threshold
        self.seed_from = seed_from
        self.index: NearDuplicateIndex | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDuplicatePipeline:
        assert crawler.stats is not None
        s = crawler.settings
        try:
            enabled = s.getbool("NEARDUP_ENABLED")
            threshold = s.getfloat("NEARDUP_THRESHOLD")
        except ValueError as exc:
            raise ValueError(
                f"NEARDUP_ENABLED must be a boolean and NEARDUP_THRESHOLD a number: {exc}"
            ) from exc
        if not enabled:
            raise NotConfigured("NEARDUP_ENABLED is off")
        context = crawl_context(crawler)
        seed = context.archive_dir if s.getbool("NEARDUP_SEED_FROM_ARCHIVE") else None
        policy = str(s.get("NEARDUP_POLICY")).strip().lower()
        return cls(
            crawler.stats,
            context.state_dir / NEARDUP_FILE,
            policy=policy,
            threshold=threshold,
            seed_from=seed,
        )

    def open_spider(self, spider: Any = None) -> None:
        index, store = open_neardup_index(self.path, self.threshold)
        self.index = index
        if store.created and self.seed_from is not None:
            seeded = seed_from_archive(index, self.seed_from)
            self.stats.set_value("archiver/neardup/seeded", seeded)
        self.stats.set_value("archiver/neardup/known", len(index))

    def close_spider(self, spider: Any = None) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None

    def process_item(self, item: Any, spider: Any = None) -> Any:
        assert self.index is not None, "open_spider opens the index"
        adapter = ItemAdapter(item)
        signature = body_signature(adapter["body"], adapter.get("language"))
        if signature is None:
            self.stats.inc_value("archiver/neardup/too_short")
            return item
        canonical = adapter["canonical_url"]
        match = self.index.find(signature, canonical)
        if match is None:
            self.remember(signature, canonical)
            return item
        detail = f"of {match.canonical_url}, similarity {match.similarity:.2f}"
        if self.policy == "drop":
            raise drop(self.stats, "near_duplicate", adapter["url"], detail)
        self.stats.inc_value("archiver/marked/near_duplicate")
        logger.debug("Near-duplicate %s %s", adapter["url"], detail)
        return with_field(item, "duplicate_of", match.canonical_url)

    def remember(self, signature: Signature, canonical: str) -> None:
        """Index the signature; on a full disk the record is archived all the same, unindexed
        (a later copy of it may then go unnoticed): losing the record would be worse."""
        assert self.index is not None
        try:
            self.index.add(signature, canonical)
        except (OSError, sqlite3.OperationalError) as exc:
            if not is_disk_full(exc):
                raise
            if not self.stats.get_value("archiver/neardup/not_indexed"):
                logger.warning(
                    "Near-duplicate index %s: %s; "
                    "records are archived unindexed until there is space",
                    self.path,
                    exc,
                )
            self.stats.inc_value("archiver/neardup/not_indexed")


def seed_from_archive(index: NearDuplicateIndex, archive: Path) -> int:
    """Sign the archive's unmarked records into a new index (the first run with near-dup
    detection on an existing archive, or after an unusable store was set aside)."""
    count = 0
    batch: list[tuple[Signature, str]] = []
    for record in iter_archive_records(archive):
        signature = (
            None
            if record.get("duplicate_of")
            else body_signature(record.get("body") or "", record.get("language"))
        )
        if signature is not None:
            batch.append((signature, record["canonical_url"]))
        if len(batch) >= SEED_BATCH:
            index.add_many(batch)
            count, batch = count + len(batch), []
    index.add_many(batch)
    if count + len(batch):
        logger.info("Near-duplicate index seeded with %d archived records", count + len(batch))
    return count + len(batch)
