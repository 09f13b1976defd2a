"""CrawlSummary: the short report at the end of every crawl."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def summarise(stats: dict[str, Any]) -> str:
    """One paragraph: pages seen, articles archived, duplicates dropped, failures by reason."""
    dup = sum(v for k, v in stats.items() if k.startswith("archiver/dropped/duplicate_"))
    failed = {k.removeprefix("archiver/failed/"): v for k, v in sorted(stats.items()) if k.startswith("archiver/failed/")}
    dropped = {k.removeprefix("archiver/dropped/"): v for k, v in sorted(stats.items())
               if k.startswith("archiver/dropped/") and not k.startswith("archiver/dropped/duplicate_")}
    lines = [
        f"pages seen: {stats.get('response_received_count', 0)}",
        f"articles archived: {stats.get('archiver/archived', 0)}",
        f"duplicates dropped: {dup}",
        f"not articles: {stats.get('archiver/skipped/not_article', 0)}",
        "pages failed: " + (", ".join(f"{k}={v}" for k, v in failed.items()) or "0"),
    ]
    if dropped:
        lines.append("records dropped: " + ", ".join(f"{k}={v}" for k, v in dropped.items()))
    return "\n".join(lines)


class CrawlSummary:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        assert crawler.stats is not None
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        logger.info("Crawl summary (%s):\n%s", reason, summarise(self.stats.get_stats()))
