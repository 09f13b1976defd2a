"""How a record's way can end short of "done", and what the ledger is told to work with.

A record another live worker claimed, or one the archive could not take, is dropped with a
`NotDone`: its request stays pending and is fetched again. A full disk (ENOSPC, EDQUOT,
SQLite's SQLITE_FULL) is waited out; any other write error stops the crawl with
`archive_write_failed`. (archiver.state.ledger owns the decisions.)
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger("archiver.state.ledger")

ARCHIVE_WRITE_FAILED = "archive_write_failed"
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC / EDQUOT, or SQLite's SQLITE_FULL ("database or disk is full")."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc)


class NotDone(DropItem):
    """Not archived here, and its request not done: it is fetched again (by another worker
    once its lease ends, or by the next run)."""


class ClaimedElsewhere(NotDone):
    """Another live worker holds a pending claim on the record: it may still die before
    writing it."""


class NotWritten(NotDone):
    """The archive could not take the record's line: the crawl is stopping."""


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    """ARCHIVE_* and STATE_* settings, resolved once (archiver.crawl.context)."""

    directory: Path
    prefix: str
    max_records: int
    max_bytes: int
    gzip: bool
    fsync: bool
    commit_interval: float
    disk_full_wait: float


def not_written(item: Any, why: str) -> NotWritten:
    return NotWritten(f"not_written: {ItemAdapter(item).get('url')} ({why})")


def running_reactor() -> Any:
    # Imported when used: importing it at module level would install the default reactor
    # before Scrapy installs the one TWISTED_REACTOR names.
    from twisted.internet import reactor

    return reactor


def close_spider_later(engine: Any, reason: str) -> None:
    """Start closing the spider; what goes wrong is logged, not raised."""
    deferred_from_coro(engine.close_spider_async(reason=reason)).addErrback(
        lambda failure: logger.error("Could not close the spider: %s", failure.value)
    )
