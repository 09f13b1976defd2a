"""Where ArticlesSpider's URLs come from besides listing pages: sitemaps, sitemap indexes,
robots.txt, feeds and the fixture site; and the article requests every path ends in."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response

from archiver.crawl.args import SpiderArgs
from archiver.crawl.context import crawl_context
from archiver.crawl.fixture_site import StaticSite, default_site_dir
from archiver.crawl.traps import SitemapTraps
from archiver.extract.feeds import FeedError, parse_discovery, robots_sitemaps
from archiver.request_meta import KIND_META
from archiver.state.ledger import Ledger

if TYPE_CHECKING:
    from twisted.python.failure import Failure


class DiscoverySpider(scrapy.Spider):
    """ArticlesSpider's base, so the spider itself reads start → listing → article. No `name`:
    Scrapy lists only ArticlesSpider."""

    args: SpiderArgs
    sitemap_traps: SitemapTraps
    fixture_site: StaticSite | None
    named_urls: tuple[str, ...]

    if TYPE_CHECKING:  # ArticlesSpider's callbacks, which the requests made here point to

        def parse_article(self, response: Response) -> Iterator[Any]: ...
        def failed(self, failure: Failure) -> None: ...
        def count_failure(self, reason: str, request: scrapy.Request, detail: str) -> None: ...

    @property
    def tracker(self) -> Ledger:
        """The crawl's ledger: what is archived, and which requests are done or failed."""
        return crawl_context(self.crawler).ledger

    def serve_fixture_site(self) -> str:
        """ARCHIVER_FIXTURE_SITE (or the bundled site) on a loopback port, started once: the crawl
        without start_url, and `scrapy check`'s @fixture (archiver/crawl/contracts.py)."""
        if self.fixture_site is None:
            configured = self.settings.get("ARCHIVER_FIXTURE_SITE")
            self.fixture_site = StaticSite(Path(configured) if configured else default_site_dir()).start()
            # Named like a start URL, so the address guard lets the spider reach 127.0.0.1.
            self.named_urls = (*self.named_urls, self.fixture_site.url)
        return self.fixture_site.url

    def closed(self, reason: str) -> None:
        """Scrapy calls it when the spider closes."""
        if self.fixture_site is not None:
            self.fixture_site.stop()

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap, sitemap index, gzipped sitemap, RSS / Atom feed, or robots.txt."""
        if response.url.endswith("/robots.txt"):
            for url, meta in self.sitemap_traps.to_follow(response, robots_sitemaps(response.text, response.url)):
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, meta=meta)
            self.tracker.done(response.request)
            return
        try:
            found = parse_discovery(response.body, response.url)
        except FeedError as exc:
            self.count_failure("bad_sitemap", response.request, str(exc))
            return
        for url, meta in self.sitemap_traps.to_follow(response, found.sitemaps):
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, meta=meta)
        since = self.args.since
        fresh = [e.url for e in found.entries if since is None or e.modified is None or e.modified >= since]
        skipped = len(found.entries) - len(fresh)
        self.crawler.stats.inc_value("archiver/sitemap_entries_skipped_old", skipped)
        if skipped and since is not None:
            # Once per sitemap, not per entry: a sitemap may list 50,000 old URLs.
            self.logger.info("Skipped %d of %d entries of %s last modified before %s",
                             skipped, len(found.entries), response.url, since.isoformat())
        yield from self.article_requests(response, fresh)
        self.tracker.done(response.request)

    def article_requests(self, response: Response, urls: Iterable[str]) -> Iterator[scrapy.Request]:
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


def response_header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def response_content_type(response: Response) -> str | None:
    return response_header(response, "Content-Type")
