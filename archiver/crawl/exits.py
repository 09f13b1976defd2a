"""How a crawl ends, as an exit status: a crawl that fetched nothing, could not write its
archive, or failed on most pages must not pass for success (cron, Scrapyd and
scripts/daily-crawl.sh read the status).

    0   the crawl ran: its start URLs answered, its close reason is a normal one, and at
        most CRAWL_MAX_FAILED_RATIO of its pages failed
    1   it ran and failed: no start URL could be fetched, it closed for a reason that means
        failure (`archive_write_failed`, `memusage_exceeded`, …), or too many pages failed
    2   it never started: a bad spider argument, setting, path or site profile (one line)
    75  it never started: another crawl holds the crawl state (EX_TEMPFAIL: try later)

`CrawlExit` (an extension) judges the crawl when the spider closes and logs the verdict as
one ERROR line; archiver/crawl/commands/crawl.py turns it into the exit status.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from archiver.crawl.context import redis_url

logger = logging.getLogger(__name__)

OK, FAILED, USAGE, BUSY = 0, 1, 2, 75
# Close reasons of a crawl that did what it was asked: finished, stopped by the user
# (Ctrl-C, SIGTERM: it resumes next time), or by a CLOSESPIDER_* limit the user set.
NORMAL_CLOSE_REASONS = frozenset(
    {
        "finished",
        "shutdown",
        "closespider_timeout",
        "closespider_itemcount",
        "closespider_pagecount",
        "closespider_timeout_no_item",
    }
)
# archiver/failed/<reason> for which a response arrived (it is in response_received_count).
FAILED_WITH_RESPONSE = ("http_", "parse_error", "field_error", "bad_sitemap")


def failed_ratio(stats: dict[str, Any]) -> tuple[int, int]:
    """(pages failed, pages tried): every response, plus the failures that got none."""
    failed = {
        k.removeprefix("archiver/failed/"): v
        for k, v in stats.items()
        if k.startswith("archiver/failed/") and isinstance(v, int)
    }
    answered = sum(v for k, v in failed.items() if k.startswith(FAILED_WITH_RESPONSE))
    total = sum(failed.values())
    return total, int(stats.get("response_received_count", 0)) + total - answered


class CrawlExit:
    """Judges the crawl at its end: `status` and `problem` (None when it succeeded)."""

    def __init__(self, crawler: Crawler, max_failed_ratio: float) -> None:
        self.crawler = crawler
        self.max_failed_ratio = max_failed_ratio
        self.starts_answered = 0
        self.status = OK
        self.problem: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlExit:
        ext = cls(crawler, crawler.settings.getfloat("CRAWL_MAX_FAILED_RATIO"))
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        # Scrapy's robots.txt middleware logs a failed robots.txt fetch with its traceback
        # (an unreachable start URL printed two); the message already says what failed.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(drop_traceback)
        return ext

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        # Scrapy marks start requests; a redirect's next hop keeps the mark.
        if request.meta.get("is_start_request") and (
            200 <= response.status < 300 or response.status == 304
        ):
            self.starts_answered += 1

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert isinstance(self.crawler.stats, StatsCollector)
        stats = self.crawler.stats.get_stats()
        self.problem = self.judge(spider, reason, stats)
        if self.problem is not None:
            self.status = FAILED
            logger.error("Crawl failed: %s", self.problem)

    def judge(self, spider: Any, reason: str, stats: dict[str, Any]) -> str | None:
        if reason not in NORMAL_CLOSE_REASONS:
            return f"it stopped early ({reason})"
        named = tuple(getattr(spider, "named_urls", ()))
        # A distributed worker's start URLs may be taken by another worker.
        if named and not self.starts_answered and redis_url(self.crawler.settings) is None:
            return f"no start URL could be fetched ({', '.join(named)})"
        failed, tried = failed_ratio(stats)
        if tried and failed / tried > self.max_failed_ratio:
            return (
                f"{failed} of {tried} pages failed, more than CRAWL_MAX_FAILED_RATIO "
                f"({self.max_failed_ratio:g}); see the 'Failed' lines"
            )
        return None


def drop_traceback(record: logging.LogRecord) -> bool:
    """A logging filter keeping the record, without its traceback."""
    record.exc_info = None
    record.exc_text = None
    return True


def crawl_exit_of(crawler: Crawler) -> CrawlExit | None:
    return next((m for m in crawler.extensions.middlewares if isinstance(m, CrawlExit)), None)
