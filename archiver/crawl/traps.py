"""Crawler traps: bounds that end what would otherwise run forever.

A site can offer an endless crawl without meaning harm: a calendar whose `rel=next` goes
month after month, a "next" chain of pages that list nothing, a session id written into
every link (each URL new), a sitemap index naming ever new indexes. Each bound is a
`TRAP_*` setting (0: no bound); each stop is counted (`archiver/trap/<reason>`) and logged
at INFO once per reason and host, then only counted.

Listing chains and sitemaps are bounded where the spider follows them (`ListingTraps`,
`SitemapTraps`); every request the spider yields passes `TrapGuard`, which strips session
ids before the request is fingerprinted and sent, and caps the URLs of one host.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from archiver.extract.urls import site_of, strip_session_ids
from archiver.request_meta import LISTING_DEPTH_META, LISTING_IDLE_META, SITEMAP_DEPTH_META
from archiver.state.crawl import fingerprint

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrapLimits:
    """The TRAP_* settings; 0 means no bound."""

    listing_idle_pages: int
    listing_depth: int
    urls_per_host: int
    sitemap_depth: int
    sitemaps: int
    session_params: frozenset[str]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> TrapLimits:
        return cls(
            listing_idle_pages=settings.getint("TRAP_LISTING_PAGES_WITHOUT_NEW_ARTICLES"),
            listing_depth=settings.getint("TRAP_MAX_LISTING_DEPTH"),
            urls_per_host=settings.getint("TRAP_MAX_URLS_PER_HOST"),
            sitemap_depth=settings.getint("TRAP_MAX_SITEMAP_DEPTH"),
            sitemaps=settings.getint("TRAP_MAX_SITEMAPS"),
            session_params=frozenset(
                name.lower() for name in settings.getlist("TRAP_SESSION_PARAMS")
            ),
        )


def over(value: int, bound: int) -> bool:
    return bound > 0 and value > bound


class TrapLog:
    """Counts each stop; logs the first of each reason and host (a trap repeats itself)."""

    def __init__(self, crawler: Crawler) -> None:
        # Not crawler.stats yet: the spider is built before the crawl has its stats.
        self.crawler = crawler
        self.logged: set[tuple[str, str]] = set()

    def hit(self, reason: str, url: str, message: str, *args: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"archiver/trap/{reason}")
        key = (reason, site_of(url))
        if key not in self.logged:
            self.logged.add(key)
            logger.info(
                "Crawler trap (%s) at %s: "
                + message
                + "; further ones are only counted (archiver/trap/%s)",
                reason,
                url,
                *args,
                reason,
            )


class ListingTraps:
    """Whether to follow a listing's next page: not past TRAP_MAX_LISTING_DEPTH steps, nor
    past TRAP_LISTING_PAGES_WITHOUT_NEW_ARTICLES pages in a row that offered no article
    the crawl has not already archived or requested (an empty page offers none)."""

    def __init__(self, limits: TrapLimits, log: TrapLog) -> None:
        self.limits = limits
        self.log = log
        self.requested: set[bytes] = set()

    def next_page_meta(
        self, response: Response, article_requests: Iterable[Request]
    ) -> dict[str, int] | None:
        """Meta for the next page's request, or None when a bound stops the chain here."""
        fresh = False
        for request in article_requests:
            fp = fingerprint(request.url)
            if fp not in self.requested:
                self.requested.add(fp)
                fresh = True
        idle = 0 if fresh else response.meta.get(LISTING_IDLE_META, 0) + 1
        depth = response.meta.get(LISTING_DEPTH_META, 0) + 1
        if over(idle + 1, self.limits.listing_idle_pages):
            self.log.hit(
                "listing_without_new_articles",
                response.url,
                "%d listing pages in a row offered no new article",
                idle,
            )
            return None
        if over(depth, self.limits.listing_depth):
            self.log.hit(
                "listing_depth", response.url, "%d next pages followed from the start", depth - 1
            )
            return None
        return {LISTING_IDLE_META: idle, LISTING_DEPTH_META: depth}


class SitemapTraps:
    """Which nested sitemaps to request: none past TRAP_MAX_SITEMAP_DEPTH indexes deep, and
    no more than TRAP_MAX_SITEMAPS in the run (robots.txt and the given ones included)."""

    def __init__(self, limits: TrapLimits, log: TrapLog) -> None:
        self.limits = limits
        self.log = log
        self.requested: set[bytes] = set()

    def to_follow(
        self, response: Response, urls: Iterable[str]
    ) -> Iterator[tuple[str, dict[str, int]]]:
        depth = response.meta.get(SITEMAP_DEPTH_META, 0) + 1
        self.requested.add(fingerprint(response.url))  # the URL given counts too
        for url in urls:
            if over(depth, self.limits.sitemap_depth):
                self.log.hit("sitemap_depth", response.url, "sitemaps nested %d deep", depth)
                continue
            fp = fingerprint(url)
            if fp in self.requested:
                continue
            if over(len(self.requested) + 1, self.limits.sitemaps):
                self.log.hit(
                    "sitemap_count",
                    response.url,
                    "%d sitemaps requested already",
                    len(self.requested),
                )
                continue
            self.requested.add(fp)
            yield url, {SITEMAP_DEPTH_META: depth}


class TrapGuard(BaseSpiderMiddleware):
    """Spider middleware: every request (start requests too) loses its session ids before the
    scheduler fingerprints it, and counts against its host's TRAP_MAX_URLS_PER_HOST."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.limits = TrapLimits.from_settings(crawler.settings)
        self.log = TrapLog(crawler)
        self.per_host: dict[str, set[bytes]] = {}

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        url = strip_session_ids(request.url, self.limits.session_params)
        if url != request.url:
            self.log.hit("session_id", request.url, "session ids stripped from the URL")
            request = request.replace(url=url)
        seen = self.per_host.setdefault(site_of(url), set())
        fp = fingerprint(url)
        if fp in seen:
            return request
        if over(len(seen) + 1, self.limits.urls_per_host):
            self.log.hit("urls_per_host", url, "%d URLs of this host requested already", len(seen))
            return None
        seen.add(fp)
        return request
