"""`scrapy crawl articles`: listing pages → article pages → records. Discovery only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.extract import FieldError, parse_listing, parse_page, utc_now
from archiver.fixture_site import StaticSite, default_site_dir

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SpiderArgs:
    """`-a` arguments, checked once at start."""

    start_urls: tuple[str, ...]

    @classmethod
    def parse(cls, start_url: str | None = None, **unknown: Any) -> SpiderArgs:
        if unknown:
            raise UsageError(f"unknown spider argument(s): {', '.join(sorted(unknown))}; known: start_url")
        urls = tuple(u.strip() for u in (start_url or "").split(",") if u.strip())
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UsageError(f"start_url must be an http(s) URL, got {url!r}")
        return cls(start_urls=urls)


class ArticlesSpider(scrapy.Spider):
    name = "articles"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        spider_kwargs = {k: kwargs.pop(k) for k in ("name", "_job") if k in kwargs}
        super().__init__(*args, **spider_kwargs)
        self.args = SpiderArgs.parse(**kwargs)
        self.fixture_site: StaticSite | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticlesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.closed_site, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.args.start_urls or (self.serve_fixture_site(),):
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed)

    def serve_fixture_site(self) -> str:
        """No start_url: crawl the bundled fixture site from a loopback server."""
        configured = self.settings.get("ARCHIVER_FIXTURE_SITE")
        self.fixture_site = StaticSite(Path(configured) if configured else default_site_dir()).start()
        self.logger.info("No start_url given: crawling the bundled fixture site at %s", self.fixture_site.url)
        return self.fixture_site.url

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = parse_listing(response.body, response.url, content_type=_content_type(response))
        self.crawler.stats.inc_value("archiver/pages/listing")
        for url in listing.article_urls:
            yield response.follow(url, callback=self.parse_article, errback=self.failed)
        if listing.next_page_url:
            yield response.follow(listing.next_page_url, callback=self.parse_listing, errback=self.failed)

    def parse_article(self, response: Response) -> Iterator[Any]:
        stats = self.crawler.stats
        try:
            result = parse_page(response.body, response.url, fetched_at=utc_now(), content_type=_content_type(response))
        except FieldError as exc:
            stats.inc_value(f"archiver/field_error/{exc.field}")
            self.count_failure("field_error", response.url, str(exc))
            return
        except Exception as exc:  # a page must never stop the crawl
            self.count_failure("parse_error", response.url, f"{type(exc).__name__}: {exc}")
            return
        if result.used_fallback:
            stats.inc_value(f"archiver/fallback/{result.extractor}")
        if result.article is None:
            stats.inc_value(f"archiver/skipped/{result.reason}")
            self.logger.info("Skipped %s: %s", response.url, result.reason)
            return
        yield result.article

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        else:
            reason = type(failure.value).__name__
        self.count_failure(reason, request.url, failure.getErrorMessage())

    def count_failure(self, reason: str, url: str, detail: str) -> None:
        self.crawler.stats.inc_value(f"archiver/failed/{reason}")
        self.logger.warning("Failed %s: %s (%s)", url, reason, detail)

    def closed_site(self, spider: scrapy.Spider) -> None:
        if self.fixture_site is not None:
            self.fixture_site.stop()


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
