"""`scrapy crawl articles`: listings, sitemaps and feeds → article pages → records. Discovery only."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from archiver.extract import FieldError, parse_listing, parse_page, utc_now
from archiver.extract.limits import DEFAULT_LIMITS
from archiver.extract.feeds import FeedError, parse_discovery, robots_sitemaps
from archiver.distributed.start import DistributedWorker, pushed_start_urls, shared_named_urls
from archiver.fixture_site import StaticSite, default_site_dir
from archiver.middlewares import failure_reason, limits_from_settings
from archiver.rawpages import FETCHED_AT_META
from archiver.scheduler import KIND_META
from archiver.spiders.args import SpiderArgs
from archiver.state.context import crawl_tracker, redis_url

KNOWN_STREAK = "archiver_known_streak"


class ArticlesSpider(scrapy.Spider):
    name = "articles"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        spider_kwargs = {k: kwargs.pop(k) for k in ("name", "_job") if k in kwargs}
        super().__init__(*args, **spider_kwargs)
        self.args = SpiderArgs.parse(**kwargs)
        self.fixture_site: StaticSite | None = None
        # URLs the user gave (and the bundled site): their hosts may be private (AddressGuard).
        self.named_urls: tuple[str, ...] = ()
        self.limits = DEFAULT_LIMITS  # from_crawler: ARCHIVER_MAX_* settings

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticlesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.tracker = crawl_tracker(crawler)
        spider.limits = limits_from_settings(crawler.settings)
        crawler.signals.connect(spider.closed_site, signal=signals.spider_closed)
        if redis_url(crawler) is not None:
            spider.worker = DistributedWorker(crawler)
            crawler.signals.connect(spider.worker.idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        distributed = redis_url(self.crawler) is not None
        if distributed:
            # Workers share the start: the Redis dupefilter lets one of them take each URL.
            starts = self.args.start_urls + pushed_start_urls(self.crawler)
        else:
            starts = self.args.start_urls or (() if not self.args.empty else (self.serve_fixture_site(),))
        self.named_urls = (*starts, *self.args.sitemap_urls, *self.args.feed_urls)
        for url in starts:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed, dont_filter=not distributed)
        for url in self.args.sitemap_urls:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, dont_filter=True)
        for url in self.args.feed_urls:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, dont_filter=True)

    def shared_named_urls(self) -> tuple[str, ...]:
        """Start URLs other workers of a distributed crawl were given (AddressGuard asks)."""
        return shared_named_urls(self.crawler) if redis_url(self.crawler) is not None else ()

    def serve_fixture_site(self) -> str:
        """No start_url: crawl the bundled fixture site from a loopback server."""
        configured = self.settings.get("ARCHIVER_FIXTURE_SITE")
        self.fixture_site = StaticSite(Path(configured) if configured else default_site_dir()).start()
        self.logger.info("No start_url given: crawling the bundled fixture site at %s", self.fixture_site.url)
        return self.fixture_site.url

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = parse_listing(response.body, response.url, content_type=_content_type(response), limits=self.limits)
        self.crawler.stats.inc_value("archiver/pages/listing")
        if listing.refused:
            self.crawler.stats.inc_value(f"archiver/skipped/{listing.refused}")
            self.logger.info("Skipped listing %s: %s", response.url, listing.refused)
        requests = list(self.article_requests(response, listing.article_urls))
        yield from requests
        # A page whose articles are all archived (and none due for a re-check) is "known".
        streak = response.meta.get(KNOWN_STREAK, 0) + 1 if listing.article_urls and not requests else 0
        if listing.next_page_url and streak < self.settings.getint("LISTING_STOP_AFTER_KNOWN_PAGES"):
            yield response.follow(listing.next_page_url, callback=self.parse_listing, errback=self.failed, meta={KNOWN_STREAK: streak})
        elif listing.next_page_url:
            self.crawler.stats.inc_value("archiver/listing_stopped_early")
        self.tracker.done(response.request)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.url.endswith("/robots.txt"):
            for url in robots_sitemaps(response.text, response.url):
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed)
            self.tracker.done(response.request)
            return
        try:
            found = parse_discovery(response.body, response.url)
        except FeedError as exc:
            self.count_failure("bad_sitemap", response.request, str(exc))
            return
        for url in found.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed)
        since = self.args.since
        fresh = [e.url for e in found.entries if since is None or e.modified is None or e.modified >= since]
        self.crawler.stats.inc_value("archiver/sitemap_entries_skipped_old", len(found.entries) - len(fresh))
        yield from self.article_requests(response, fresh)
        self.tracker.done(response.request)

    def article_requests(self, response: Response, urls: Iterator[str] | tuple[str, ...] | list[str]) -> Iterator[scrapy.Request]:
        """Requests for articles not archived yet, or conditional ones when due for a re-check."""
        recrawl_after = self.settings.getfloat("RECRAWL_AFTER")
        for url in urls:
            meta: dict[str, Any] = {KIND_META: "article"}
            known = self.tracker.known(url)
            if known is None:
                yield response.follow(url, callback=self.parse_article, errback=self.failed, meta=meta)
            elif 0 <= recrawl_after <= time.time() - known.updated:
                headers = {k: v for k, v in (("If-None-Match", known.etag), ("If-Modified-Since", known.last_modified)) if v}
                meta["handle_httpstatus_list"] = [304]
                yield response.follow(url, callback=self.parse_article, errback=self.failed, meta=meta, headers=headers, dont_filter=True)

    def parse_article(self, response: Response) -> Iterator[Any]:
        stats = self.crawler.stats
        validators = (_header(response, "ETag"), _header(response, "Last-Modified"))
        if response.status == 304:
            stats.inc_value("archiver/not_modified")
            self.tracker.done(response.request, validators)
            return
        try:
            # RawPagesMiddleware stamps the fetch time it wrote to the WARC, so both agree.
            fetched_at = response.meta.get(FETCHED_AT_META) or utc_now()
            result = parse_page(response.body, response.url, fetched_at=fetched_at, content_type=_content_type(response), limits=self.limits)
        except FieldError as exc:
            stats.inc_value(f"archiver/field_error/{exc.field}")
            self.count_failure("field_error", response.request, str(exc))
            return
        except Exception as exc:  # a page must never stop the crawl
            self.count_failure("parse_error", response.request, f"{type(exc).__name__}: {exc}")
            return
        if result.used_fallback:
            stats.inc_value(f"archiver/fallback/{result.profile}")
        if result.article is None:
            stats.inc_value(f"archiver/skipped/{result.reason}")
            self.logger.info("Skipped %s: %s", response.url, result.reason)
            self.tracker.done(response.request, validators)
            return
        # Done only once the pipelines have archived (or dropped) the record: the archive
        # pipeline marks it on item_scraped / item_dropped.
        response.meta["archiver_validators"] = validators
        yield result.article

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure)
        self.count_failure(reason, request, failure.getErrorMessage())

    def count_failure(self, reason: str, request: scrapy.Request, detail: str) -> None:
        self.crawler.stats.inc_value(f"archiver/failed/{reason}")
        self.logger.warning("Failed %s: %s (%s)", request.url, reason, detail)
        self.tracker.failed(request)

    def closed_site(self, spider: scrapy.Spider) -> None:
        if self.fixture_site is not None:
            self.fixture_site.stop()


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _content_type(response: Response) -> str | None:
    return _header(response, "Content-Type")
