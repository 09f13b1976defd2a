"""CrawlSummary: periodic progress, the short report at the end of every crawl, the run's
summary in ARCHIVE_DIR/runs/ (for `python -m archiver report`), and layout-drift warnings."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from archiver.archive.drift import (
    DEFAULT_THRESHOLDS,
    CoverageCounter,
    DriftThresholds,
    drift_flags,
    profile_misses,
    read_runs,
    write_run,
)
from archiver.crawl.context import crawl_context
from archiver.items import utc_iso

logger = logging.getLogger(__name__)


def _by_prefix(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {
        k.removeprefix(prefix): v
        for k, v in sorted(stats.items())
        if k.startswith(prefix) and isinstance(v, int)
    }


def summarise(stats: dict[str, Any]) -> str:
    """One paragraph: pages seen, articles archived, duplicates dropped, failures by reason."""
    dropped = _by_prefix(stats, "archiver/dropped/")
    dup = sum(v for k, v in dropped.items() if k.startswith("duplicate_"))
    failed = _by_prefix(stats, "archiver/failed/")
    other = {k: v for k, v in dropped.items() if not k.startswith("duplicate_")}
    why = _by_prefix(stats, "archiver/not_article/")
    missed = _by_prefix(stats, "archiver/profile_miss/")
    lines = [
        f"pages seen: {stats.get('response_received_count', 0)}",
        f"articles archived: {stats.get('archiver/archived', 0)}",
        f"duplicates dropped: {dup}",
        f"not articles: {stats.get('archiver/skipped/not_article', 0)}" + _counts_in_brackets(why),
        "pages failed: " + (", ".join(f"{k}={v}" for k, v in failed.items()) or "0"),
    ]
    if other:
        lines.append("records dropped: " + ", ".join(f"{k}={v}" for k, v in other.items()))
    if missed:
        lines.append(
            "profile misses (generic layer used): "
            + ", ".join(f"{k}={v}" for k, v in missed.items())
        )
    return "\n".join(lines)


def _counts_in_brackets(counts: dict[str, int]) -> str:
    return f" ({', '.join(f'{k}={v}' for k, v in counts.items())})" if counts else ""


def progress_line(stats: dict[str, Any], pages_before: int, interval: float) -> str:
    pages = int(stats.get("response_received_count", 0))
    rate = (pages - pages_before) * 60.0 / interval if interval > 0 else 0.0
    return (
        f"Progress: {pages} pages ({rate:.0f} pages/min), "
        f"{stats.get('archiver/archived', 0)} archived, "
        f"{sum(_by_prefix(stats, 'archiver/dropped/').values())} dropped, "
        f"{sum(_by_prefix(stats, 'archiver/skipped/').values())} skipped, "
        f"{sum(_by_prefix(stats, 'archiver/failed/').values())} failed"
    )


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return utc_iso(value)
    return None


class CrawlSummary:
    def __init__(
        self,
        stats: StatsCollector,
        archive_dir: Path,
        run_name: str,
        *,
        progress_interval: float = 0.0,
        thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.stats = stats
        self.archive_dir = archive_dir
        self.run_name = run_name
        self.progress_interval = progress_interval
        self.thresholds = thresholds
        self.coverage = CoverageCounter()
        self.pages_before = 0
        self.progress_task: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        assert crawler.stats is not None
        s = crawler.settings
        thresholds = DriftThresholds(
            before_min=s.getfloat("DRIFT_COVERAGE_BEFORE"),
            now_max=s.getfloat("DRIFT_COVERAGE_NOW"),
            min_records=s.getint("DRIFT_MIN_RECORDS"),
            history=s.getint("DRIFT_HISTORY_RUNS"),
        )
        context = crawl_context(crawler)
        ext = cls(
            crawler.stats,
            context.archive_dir,
            context.shard_prefix,
            progress_interval=s.getfloat("PROGRESS_INTERVAL"),
            thresholds=thresholds,
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        if self.progress_interval > 0:
            self.progress_task = task.LoopingCall(self.log_progress)
            self.progress_task.start(self.progress_interval, now=False)

    def log_progress(self) -> None:
        stats = self.stats.get_stats()
        logger.info("%s", progress_line(stats, self.pages_before, self.progress_interval))
        self.pages_before = int(stats.get("response_received_count", 0))

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        """A record that passed every pipeline (archived): count its field coverage."""
        # The adapter is a mapping of the item's top-level fields, all `note` reads: no copy.
        self.coverage.note(ItemAdapter(item))

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.progress_task is not None and self.progress_task.running:
            self.progress_task.stop()
        stats = self.stats.get_stats()
        logger.info("Crawl summary (%s):\n%s", reason, summarise(stats))
        if os.environ.get("SCRAPY_CHECK"):  # `scrapy check` is not a crawl of the archive
            return
        run = self.run_summary(stats, reason)
        try:
            history = read_runs(self.archive_dir)
            flags = drift_flags([*history, run], self.thresholds, sites=self.coverage.sites)
            run["drift"] = [f.to_json() for f in flags]
            misses = profile_misses([*history, run], self.thresholds.history)
            run["profile_misses"] = [m.to_json() for m in misses]
            for message in [f.message() for f in flags] + [m.message() for m in misses]:
                logger.warning("%s", message)
            write_run(self.archive_dir, self.run_name, run)
        except OSError as exc:  # the crawl's records are safe; only the report loses this run
            logger.error("Could not write the run summary to %s: %s", self.archive_dir, exc)

    def run_summary(self, stats: dict[str, Any], reason: str) -> dict[str, Any]:
        counted = {
            k.removeprefix("archiver/"): v
            for k, v in stats.items()
            if k.startswith("archiver/") and isinstance(v, int)
        }
        return {
            "run": self.run_name,
            "started": _iso(stats.get("start_time")),
            "finished": _iso(stats.get("finish_time")) or _iso(datetime.now(UTC)),
            "finish_reason": reason,
            "pages_seen": int(stats.get("response_received_count", 0)),
            "stats": dict(sorted(counted.items())),
            "sites": self.coverage.to_json(),
        }
