"""`scrapy crawl articles`: listings, sitemaps and feeds → article pages → records.

The spider only fetches and hands bytes to extraction (`parse_listing`, `parse_page`); what a
request's outcome means for the crawl state is the ledger's (archiver.state.ledger), told
once per request: `done` or `failed`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from archiver.crawl.args import SpiderArgs
from archiver.crawl.context import crawl_context, redis_url
from archiver.crawl.fixture_site import StaticSite, default_site_dir
from archiver.crawl.middlewares import failure_reason, limits_from_settings
from archiver.crawl.redis_start import DistributedWorker
from archiver.crawl.traps import ListingTraps, SitemapTraps, TrapLimits, TrapLog
from archiver.extract import FieldError, parse_listing, parse_page, utc_now
from archiver.extract.feeds import FeedError, parse_discovery, robots_sitemaps
from archiver.extract.limits import DEFAULT_LIMITS
from archiver.parsepool import AsyncPool, PoolFailure, async_pool, settled
from archiver.request_meta import (
    FETCHED_AT_META,
    FULL_WALK,
    KIND_META,
    KNOWN_STREAK,
    PARSE_HERE_META,
    VALIDATORS_META,
)
from archiver.state.ledger import Ledger, index_lost


class ArticlesSpider(scrapy.Spider):
    """start → listing (article requests, then the next page) → article (one record);
    sitemaps and feeds are a second way to article requests."""

    name = "articles"
    worker: DistributedWorker  # distributed crawls only
    listing_traps: ListingTraps
    sitemap_traps: SitemapTraps

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        spider_kwargs = {k: kwargs.pop(k) for k in ("name", "_job") if k in kwargs}
        super().__init__(*args, **spider_kwargs)
        self.args = SpiderArgs.parse(**kwargs)
        self.fixture_site: StaticSite | None = None
        # URLs the user gave (and the bundled site): their hosts may be private (AddressGuard).
        self.named_urls: tuple[str, ...] = ()
        self.limits = DEFAULT_LIMITS  # from_crawler: ARCHIVER_MAX_* settings
        self.parse_pool: AsyncPool | None = None  # spider_opened: ARCHIVER_PARSE_* settings

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticlesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.limits = limits_from_settings(crawler.settings)
        traps, log = TrapLimits.from_settings(crawler.settings), TrapLog(crawler)
        spider.listing_traps, spider.sitemap_traps = (
            ListingTraps(traps, log),
            SitemapTraps(traps, log),
        )
        crawler.signals.connect(spider.start_parse_pool, signal=signals.spider_opened)
        if redis_url(crawler.settings) is not None:
            spider.worker = DistributedWorker(crawler)
            crawler.signals.connect(spider.worker.idle, signal=signals.spider_idle)
            crawler.signals.connect(spider.walk_again, signal=index_lost)
        return spider

    @property
    def ledger(self) -> Ledger:
        """What is archived; told once per request whether it is done or failed."""
        return crawl_context(self.crawler).ledger

    # -- start ------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        distributed = redis_url(self.crawler.settings) is not None
        pushed: tuple[str, ...] = ()
        if distributed:
            # Workers share the start: the Redis dupefilter lets one of them take each URL.
            starts, pushed = self.args.start_urls, self.worker.pushed_start_urls()
        elif self.args.empty:
            starts = (self.serve_fixture_site(),)
            self.logger.info(
                "No start_url given: crawling the bundled fixture site at %s", starts[0]
            )
        else:
            starts = self.args.start_urls
        # Only this worker's own arguments name hosts (AddressGuard); URLs pushed to Redis do not.
        self.named_urls = (*starts, *self.args.sitemap_urls, *self.args.feed_urls)
        for url in (*starts, *pushed):
            yield scrapy.Request(
                url, callback=self.parse_listing, errback=self.failed, dont_filter=not distributed
            )
        for url in (*self.args.sitemap_urls, *self.args.feed_urls):
            yield scrapy.Request(
                url, callback=self.parse_sitemap, errback=self.failed, dont_filter=True
            )

    def serve_fixture_site(self) -> str:
        """ARCHIVER_FIXTURE_SITE (or the bundled site) on a loopback port, started once: the crawl
        without start_url, and `scrapy check`'s @fixture (archiver/crawl/contracts.py)."""
        if self.fixture_site is None:
            configured = self.settings.get("ARCHIVER_FIXTURE_SITE")
            site_dir = Path(configured) if configured else default_site_dir()
            port = self.settings.getint("ARCHIVER_FIXTURE_SITE_PORT")
            self.fixture_site = StaticSite(site_dir, port=port).start()
            # Named like a start URL, so the address guard lets the spider reach 127.0.0.1.
            self.named_urls = (*self.named_urls, self.fixture_site.url)
        return self.fixture_site.url

    def walk_again(self) -> None:
        """The shared queue was lost with Redis's data: walk every start URL again, to the end
        of its listing (what is archived is known and not fetched again)."""
        engine = self.crawler.engine
        assert engine is not None
        for url in (*self.named_urls, *self.worker.taken):
            engine.crawl(
                scrapy.Request(
                    url, callback=self.parse_listing, errback=self.failed, meta={FULL_WALK: True}
                )
            )

    def closed(self, reason: str) -> None:
        """Scrapy calls it when the spider closes."""
        if self.fixture_site is not None:
            self.fixture_site.stop()

    # -- listing ----------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A listing page: article requests, then the next page.

        @fixture index.html
        @returns requests 2
        @returns items 0 0
        """
        listing = parse_listing(
            response.body, response.url, content_type=content_type(response), limits=self.limits
        )
        self.crawler.stats.inc_value("archiver/pages/listing")
        if listing.refused:
            self.crawler.stats.inc_value(f"archiver/skipped/{listing.refused}")
            self.logger.info("Skipped listing %s: %s", response.url, listing.refused)
        requests = list(self.article_requests(response, listing.article_urls))
        yield from requests
        # A page whose articles are all archived (and none due for a re-check) is "known";
        # an empty page neither extends nor ends the streak (ListingTraps bounds those).
        # A full walk (the queue was lost) goes to the end whatever the streak.
        streak = response.meta.get(KNOWN_STREAK, 0)
        streak = (streak + 1 if not requests else 0) if listing.article_urls else streak
        full = response.meta.get(FULL_WALK, False)
        stop_after = self.settings.getint("LISTING_STOP_AFTER_KNOWN_PAGES")
        if listing.next_page_url and (full or streak < stop_after):
            meta = self.listing_traps.next_page_meta(response, requests)
            if meta is not None:
                walk = {FULL_WALK: True} if full else {}
                yield response.follow(
                    listing.next_page_url,
                    callback=self.parse_listing,
                    errback=self.failed,
                    meta={KNOWN_STREAK: streak, **walk, **meta},
                )
        elif listing.next_page_url:
            self.crawler.stats.inc_value("archiver/listing_stopped_early")
            self.logger.info(
                "Stopped paging at %s: %d pages in a row list only archived articles",
                response.url,
                streak,
            )
        self.ledger.done(request_of(response))

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap, sitemap index, gzipped sitemap, RSS / Atom feed, or robots.txt."""
        if response.url.endswith("/robots.txt"):
            found_sitemaps, entries = robots_sitemaps(response.text, response.url), []
        else:
            try:
                found = parse_discovery(response.body, response.url)
            except FeedError as exc:
                self.count_failure("bad_sitemap", request_of(response), str(exc))
                return
            found_sitemaps, entries = found.sitemaps, self.fresh_entries(response, found.entries)
        for url, meta in self.sitemap_traps.to_follow(response, found_sitemaps):
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, meta=meta)
        yield from self.article_requests(response, entries)
        self.ledger.done(request_of(response))

    def fresh_entries(self, response: Response, entries: Iterable[Any]) -> list[str]:
        """The URLs of entries last modified at or after `since` (or undated)."""
        entries, since = list(entries), self.args.since
        fresh = [
            e.url for e in entries if since is None or e.modified is None or e.modified >= since
        ]
        skipped = len(entries) - len(fresh)
        self.crawler.stats.inc_value("archiver/sitemap_entries_skipped_old", skipped)
        if skipped and since is not None:
            # Once per sitemap, not per entry: a sitemap may list 50,000 old URLs.
            self.logger.info(
                "Skipped %d of %d entries of %s last modified before %s",
                skipped,
                len(entries),
                response.url,
                since.isoformat(),
            )
        return fresh

    def article_requests(self, response: Response, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        """Requests for articles not archived yet, or conditional ones when due for a re-check."""
        recrawl_after = self.settings.getfloat("RECRAWL_AFTER")
        for url in urls:
            meta: dict[str, Any] = {KIND_META: "article"}
            known = self.ledger.known(url)
            if known is None:
                yield response.follow(
                    url, callback=self.parse_article, errback=self.failed, meta=meta
                )
            elif 0 <= recrawl_after <= time.time() - known.updated:
                validators = (
                    ("If-None-Match", known.etag),
                    ("If-Modified-Since", known.last_modified),
                )
                meta["handle_httpstatus_list"] = [304]
                yield response.follow(
                    url,
                    callback=self.parse_article,
                    errback=self.failed,
                    meta=meta,
                    headers={k: v for k, v in validators if v},
                    dont_filter=True,
                )

    # -- article ----------------------------------------------------------------------------

    def start_parse_pool(self) -> None:
        workers = self.settings.get("ARCHIVER_PARSE_WORKERS")
        timeout = self.settings.getfloat("ARCHIVER_PARSE_TIMEOUT") or None
        self.parse_pool = async_pool(None if workers in (None, "") else int(workers), timeout)
        if self.parse_pool is not None:
            self.crawler.signals.connect(self.parse_pool.close, signal=signals.spider_closed)

    def parse_article(self, response: Response) -> Iterable[Any] | AsyncIterator[Any]:
        """An article page: one record (parsed by the pool's workers, when there is one).

        @fixture news/2024092701.html
        @returns items 1 1
        @returns requests 0 0
        @scrapes url canonical_url site title body toc related
        @scrapes published author content_hash fetched_at
        """
        validators = (header(response, "ETag"), header(response, "Last-Modified"))
        if response.status == 304:
            self.crawler.stats.inc_value("archiver/not_modified")
            self.logger.debug("Not modified: %s", response.url)
            self.ledger.done(request_of(response), validators)
            return ()
        # RawPagesMiddleware stamps the fetch time it wrote to the WARC, so both agree.
        fetched_at = response.meta.get(FETCHED_AT_META) or utc_now()
        parse = partial(
            parse_page,
            response.body,
            response.url,
            fetched_at=fetched_at,
            content_type=content_type(response),
            limits=self.limits,
        )
        if self.parse_pool is None or response.meta.get(PARSE_HERE_META):
            return self.article_record(response, validators, settled(parse))
        return self.pooled_article_record(self.parse_pool, response, validators, parse)

    async def pooled_article_record(
        self, pool: AsyncPool, response: Response, validators: Any, parse: partial[Any]
    ) -> AsyncIterator[Any]:
        for record in self.article_record(response, validators, await pool.answer(parse)):
            yield record

    def article_record(
        self, response: Response, validators: Any, answer: tuple[bool, Any]
    ) -> Iterator[Any]:
        """The record of a parsed page, or the count of why there is none."""
        stats, request = self.crawler.stats, request_of(response)
        parsed, result = answer
        if not parsed and isinstance(result, FieldError):
            stats.inc_value(f"archiver/field_error/{result.field}")
            self.count_failure("field_error", request, str(result))
            return
        if not parsed:  # a page must never stop the crawl
            reason = result.reason if isinstance(result, PoolFailure) else "parse_error"
            self.count_failure(reason, request, f"{type(result).__name__}: {result}")
            return
        if result.profile_missed:
            stats.inc_value(f"archiver/profile_miss/{result.profile}")
        if result.article is None:
            stats.inc_value(f"archiver/skipped/{result.reason}")
            if result.detail:
                stats.inc_value(f"archiver/{result.reason}/{result.detail}")
            self.logger.info("Skipped %s: %s", response.url, result.message)
            self.ledger.done(request, validators)
            return
        # Done only once the pipelines have archived (or dropped) the record: the ledger
        # marks it on item_scraped / item_dropped.
        response.meta[VALIDATORS_META] = validators
        yield result.article

    # -- failures ---------------------------------------------------------------------------

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.count_failure(failure_reason(failure), request, failure.getErrorMessage())

    def count_failure(self, reason: str, request: scrapy.Request, detail: str) -> None:
        self.crawler.stats.inc_value(f"archiver/failed/{reason}")
        self.logger.warning("Failed %s: %s (%s)", request.url, reason, detail)
        self.ledger.failed(request)


def request_of(response: Response) -> scrapy.Request:
    """The request a callback's response answers (Scrapy sets it on every response it hands one)."""
    assert response.request is not None
    return response.request


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def content_type(response: Response) -> str | None:
    return header(response, "Content-Type")
