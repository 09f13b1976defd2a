"""Ledger: the one owner of "a record is durable, so its request is done".

Every way a request ends goes through it:
- a page that gives no record (listing, sitemap, skipped page, 304): `done` at once;
- a page whose record the pipelines archive or drop: `done` when the item's signal comes;
  a record another live worker is archiving (ClaimedElsewhere) or that could not be written
  (NotWritten) leaves its request pending, to be fetched again;
- a page that failed for good (RetryMiddleware's RETRY_TIMES used up, a 404): `failed`.
A retry (RetryMiddleware's copy: same fingerprint, `dont_filter`) is the same request coming
back; the scheduler queues it again (CrawlState.add, LeaseScheduler).

It owns the archive writer, the crawl tracker (SQLite state or Redis index) and recovery:
- `open`: lock this worker's shards; when the tracker does not know what the archive holds
  (a resumed run; a Redis without its index) teach it; finish the shards dead workers left
  open, keeping only the lines they still own; open the writer.
- every STATE_COMMIT_INTERVAL: fsync the shard, then commit the tracker, so a committed
  "done" never claims more than the archive holds. A commit that fails is retried at the
  next tick; one failing for ARCHIVE_DISK_FULL_WAIT seconds stops the crawl.
- a write that fails on a full disk (the writer cut the shard back to its last whole line)
  is retried for up to ARCHIVE_DISK_FULL_WAIT seconds, with one warning; nothing is
  committed meanwhile (the record's claim must not be). Then, or at once for any other
  error, the crawl stops with `archive_write_failed`: one ERROR line names the path and the
  error, and the record's claim is released and its request left pending.
- `close`: close the shard, finish dead workers' shards again, commit, finish the run,
  release the lock, whatever fails on the way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from archiver.archive import ArchiveWriter
from archiver.archive.lock import WorkerLock
from archiver.items import Article
from archiver.request_meta import VALIDATORS_META
from archiver.serialize import json_line
from archiver.state.crawl import Claim, RequestLike, Validators
from archiver.state.outcomes import (
    ARCHIVE_WRITE_FAILED,
    ArchiveOptions,
    NotDone,
    NotWritten,
    close_spider_later,
    is_disk_full,
    not_written,
    running_reactor,
)
from archiver.state.recovery import learn_archive, recover_orphans
from archiver.state.tracking import CrawlTracker, IndexLost

logger = logging.getLogger(__name__)

# Sent when the shared index was lost and taught the archive again: the queue went with it,
# so the spider walks its start URLs again (ArticlesSpider.walk_again).
index_lost = object()

FIRST_WAIT, LONGEST_WAIT = 0.25, 5.0


class Ledger:
    def __init__(self, tracker: CrawlTracker, options: ArchiveOptions, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.tracker = tracker
        self.options = options
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer: ArchiveWriter | None = None
        self.lock: WorkerLock | None = None
        self.committer: task.LoopingCall | None = None
        self.hooks: list[Callable[[], None]] = []
        # (canonical URL, content hash) -> the claim, until the record is written or dropped.
        self.claims: dict[tuple[str, str], Claim] = {}
        self.waiting = 0  # records waiting for disk space
        self.stopping: str | None = None
        self.commit_failing_since: float | None = None

    @classmethod
    def for_crawler(
        cls, crawler: Crawler, tracker: CrawlTracker, options: ArchiveOptions
    ) -> Ledger:
        ledger = cls(tracker, options, crawler)
        crawler.signals.connect(ledger.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ledger.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ledger.item_error, signal=signals.item_error)
        crawler.signals.connect(ledger.start_commits, signal=signals.spider_opened)
        crawler.signals.connect(ledger.spider_closed, signal=signals.spider_closed)
        return ledger

    # -- open and close ----------------------------------------------------------------
    def open(self) -> None:
        """Once per crawl, by the scheduler (or the archive pipeline when Scrapy's own
        scheduler runs, as in `scrapy check`)."""
        if self.lock is not None:
            return
        o = self.options
        self.lock = WorkerLock(o.directory, o.prefix)
        why = self.tracker.start_run(o.prefix)
        if why is not None:
            self.learn_archive(why)
        self.recover_orphans()
        self.writer = ArchiveWriter(
            o.directory,
            o.prefix,
            max_records=o.max_records,
            fsync=o.fsync,
            max_bytes=o.max_bytes,
            gzip=o.gzip,
        )

    def start_commits(self, spider: Any = None) -> None:
        """Commit every STATE_COMMIT_INTERVAL from the moment the spider runs (without one,
        as in unit tests, the state commits at close)."""
        self.committer = task.LoopingCall(self.commit)
        self.committer.start(self.options.commit_interval, now=False)

    def learn_archive(self, why: str) -> int:
        return learn_archive(self.tracker, self.options.directory, self.stats, why)

    def recover_orphans(self) -> None:
        recover_orphans(self.tracker, self.options, self.stats)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.close(reason)

    def close(self, reason: str) -> None:
        """Every step is tried whatever failed before it, and the lock is always released."""
        if self.committer is not None and self.committer.running:
            self.committer.stop()
        closed = committed = False
        try:
            closed = self._step("close the archive shard", self._close_writer)
            self._step("finish dead workers' shards", self.recover_orphans)
            committed = closed and self._step("commit the crawl state", self._commit_all)
            if committed and reason == "finished":
                self._step("record the finished run", lambda: self.tracker.finish_run(reason))
        finally:
            self._step("close the crawl state", self.tracker.close)
            if self.lock is not None:
                self.lock.release()
                self.lock = None

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()
            # Said as new records: "Archive: 0 records" on a re-run read as an empty archive.
            logger.info(
                "Archived %d new records in %s this run",
                self.writer.records_total,
                self.options.directory,
            )

    def _step(self, what: str, step: Callable[[], object]) -> bool:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - closing goes on; the next run recovers from the archive
            # Stopping on a failed write, this was to be expected: the ERROR line said why.
            level = logging.WARNING if self.stopping == ARCHIVE_WRITE_FAILED else logging.ERROR
            logger.log(
                level,
                "Could not %s in %s: %s: %s",
                what,
                self.options.directory,
                type(exc).__name__,
                exc,
            )
            return False
        return True

    # -- what the spider asks -----------------------------------------------------------
    def known(self, url: str) -> Validators | None:
        return self.tracker.known(url)

    def done(
        self, request: RequestLike, validators: tuple[str | None, str | None] | None = None
    ) -> None:
        self.tracker.done(request, validators)

    def failed(self, request: RequestLike) -> None:
        self.tracker.failed(request)

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook` (fsync another file the records depend on: raw pages) before each commit."""
        self.hooks.append(hook)

    # -- records: claim, write, and what the item signals say ------------------------------
    def claim(self, canonical_url: str, content_hash: str) -> Claim:
        """The dedup decision (and claim) for a record; released if its line is not written."""
        try:
            claim = self.tracker.claim_record(canonical_url, content_hash, self.options.prefix)
        except IndexLost:
            self.index_lost()
            claim = self.tracker.claim_record(canonical_url, content_hash, self.options.prefix)
        if claim.outcome in ("new", "new_version"):
            self.claims[(canonical_url, content_hash)] = claim
        return claim

    def archive(self, item: Any) -> Any:
        """Write the record's line: the item, or an awaitable of it while the disk is full."""
        line = json_line(item if isinstance(item, Article) else ItemAdapter(item).asdict())
        if self.stopping is not None:
            raise not_written(item, self.stopping)
        try:
            self._write(line)
        except OSError as exc:
            if not is_disk_full(exc) or self.options.disk_full_wait <= 0 or self._torn():
                raise not_written(item, self.write_failed(exc)) from exc
            return self._write_when_space(item, line, exc)
        return item

    def _write(self, line: bytes) -> None:
        if self.writer is None:
            self.open()
        assert self.writer is not None
        self.writer.write(line)
        self.stats.inc_value("archiver/archived")

    def _torn(self) -> bool:
        return self.writer is not None and self.writer.torn is not None

    async def _write_when_space(self, item: Any, line: bytes, first: OSError) -> Any:
        """Retry the write with backoff until the disk has room, for up to the wait setting."""
        self.waiting += 1
        if self.waiting == 1:
            logger.warning(
                "The archive's disk is full (%s, %s): waiting up to %.0f s for space; nothing is "
                "marked done meanwhile",
                self._path(),
                first.strerror,
                self.options.disk_full_wait,
            )
        self.stats.inc_value("archiver/archive/waited_for_space")
        deadline, pause = time.monotonic() + self.options.disk_full_wait, FIRST_WAIT
        try:
            while True:
                await maybe_deferred_to_future(task.deferLater(running_reactor(), pause))
                pause = min(pause * 2, LONGEST_WAIT)
                if self.stopping is not None:
                    raise not_written(item, self.stopping)
                try:
                    self._write(line)
                    return item
                except OSError as exc:
                    if not is_disk_full(exc) or self._torn() or time.monotonic() >= deadline:
                        raise not_written(item, self.write_failed(exc)) from exc
        finally:
            self.waiting -= 1

    def write_failed(self, exc: BaseException) -> str:
        """Stop the crawl: one ERROR line naming the path and the error. Returns the error."""
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if self.stopping is None:
            logger.error(
                "Cannot write the archive at %s: %s; stopping the crawl (%s): "
                "what is not written stays pending and is fetched again by the next run",
                self._path(),
                detail,
                ARCHIVE_WRITE_FAILED,
            )
            self.stop(ARCHIVE_WRITE_FAILED)
        self.stats.inc_value("archiver/archive/write_failed")
        return detail

    def _path(self) -> Path:
        writer = self.writer
        return (
            (writer.torn or writer.open_path or self.options.directory)
            if writer is not None
            else self.options.directory
        )

    def stop(self, reason: str) -> None:
        """Close the spider with `reason` (archiver.crawl.commands.crawl exits non-zero for it)."""
        if self.stopping is not None:
            return
        self.stopping = reason
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            # Not awaited: closing waits for the items in progress, this one among them.
            running_reactor().callLater(0, close_spider_later, engine, reason)

    def item_scraped(
        self, item: Any, response: Any = None, spider: Any = None, **kwargs: Any
    ) -> None:
        self._settle(item, release=False)
        self._done_after(response)

    def item_dropped(
        self,
        item: Any,
        response: Any = None,
        exception: BaseException | None = None,
        spider: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(exception, NotDone):
            self._settle(item, release=True)
            return
        self._settle(item, release=False)
        self._done_after(response)

    def item_error(
        self,
        item: Any,
        response: Any = None,
        spider: Any = None,
        failure: Any = None,
        **kwargs: Any,
    ) -> None:
        """A pipeline raised (a bug): the record is not archived, its request counted failed."""
        self._settle(item, release=True)
        self.stats.inc_value("archiver/failed/pipeline_error")
        if response is not None and response.request is not None:
            self.tracker.failed(response.request)

    def _settle(self, item: Any, *, release: bool) -> None:
        """The record's claim is settled: kept (archived, or dropped as a duplicate) or released."""
        adapter = ItemAdapter(item)
        canonical, content_hash = (
            str(adapter.get("canonical_url")),
            str(adapter.get("content_hash")),
        )
        claim = self.claims.pop((canonical, content_hash), None)
        if claim is not None and release:
            self.tracker.release_claim(canonical, content_hash, self.options.prefix, claim)

    def _done_after(self, response: Any) -> None:
        if response is not None and response.request is not None:
            self.tracker.done(response.request, response.meta.get(VALIDATORS_META))

    # -- commits -----------------------------------------------------------------------
    def commit(self) -> None:
        """The periodic commit (never raises: a LoopingCall that raises stops for good)."""
        if self.waiting or self.writer is None:
            return  # a record waiting for space holds a claim that must not be committed
        try:
            self._commit_all()
        except IndexLost:
            self.index_lost()
        except NotWritten:
            return  # the archive failed: the crawl is stopping
        except Exception as exc:  # noqa: BLE001 - a LoopingCall that raises never runs again
            self._commit_failed(exc)
            return
        if self.commit_failing_since is not None:
            logger.warning("The crawl state commits again")
            self.commit_failing_since = None

    def _commit_all(self) -> None:
        if self.writer is not None:
            try:
                self.writer.sync()
                for hook in self.hooks:
                    hook()
            except OSError as exc:
                # After a failed fsync the kernel may have dropped the pages: never retried.
                raise NotWritten(f"not_written: {self.write_failed(exc)}") from exc
        self.tracker.commit()

    def _commit_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self.stats.inc_value("archiver/state/commit_failed")
        if self.stopping is not None:
            return
        if self.commit_failing_since is None:
            self.commit_failing_since = now
            logger.warning(
                "Could not commit the crawl state in %s (%s: %s): retried at every commit; "
                "the records are in the archive, their requests are marked done once it works",
                self.options.directory,
                type(exc).__name__,
                exc,
            )
        elif now - self.commit_failing_since > self.options.disk_full_wait:
            self.write_failed(exc)

    def index_lost(self) -> None:
        """The shared index lost what it knew (Redis restarted without persistence): the archive
        is the truth. Teach it the archive, then walk the start URLs again: the queue is gone
        too."""
        self.stats.inc_value("archiver/redis/index_lost")
        n = self.learn_archive("index lost")
        logger.warning(
            "The Redis index was lost; %d archived records taught to it again, "
            "start URLs walked again",
            n,
        )
        self.crawler.signals.send_catch_log(index_lost)
