"""What the archive on disk teaches the crawl state when the state does not know it (a
resumed run, a Redis index lost with its data), and the shards dead workers left open.
Called by the ledger (archiver.state.ledger) when it opens and closes."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.statscollectors import StatsCollector

from archiver.archive import iter_archive_entries, recover_open_shards
from archiver.archive.lock import OrphanLocks
from archiver.state.outcomes import ArchiveOptions
from archiver.state.tracking import CrawlTracker

logger = logging.getLogger("archiver.state.ledger")


def learn_archive(tracker: CrawlTracker, directory: Path, stats: StatsCollector, why: str) -> int:
    """Teach the tracker every record of the archive: it is done, whatever was committed."""
    n = tracker.remember_archived(iter_archive_entries(directory))
    if why == "resumed":
        stats.set_value("archiver/resumed", 1)
        logger.info("Resuming an interrupted crawl: %d archived records known", n)
    else:
        logger.info("The record index learnt %d archived records from %s (%s)", n, directory, why)
    return n


def recover_orphans(tracker: CrawlTracker, options: ArchiveOptions, stats: StatsCollector) -> None:
    """Finish the shards of dead workers (none when no other worker shares the directory)."""
    locks = OrphanLocks(options.directory)
    try:
        recovered = recover_open_shards(
            options.directory,
            gzip=options.gzip,
            fsync=options.fsync,
            accept=locks.accept,
            keep=tracker.adopt_orphan_record,
        )
    finally:
        locks.release()
    for _shard, _kept, cut in recovered:
        stats.inc_value("archiver/recovered_shards")
        stats.inc_value("archiver/recovered_bytes_cut", cut)
