"""Keep the fetched bytes of article pages as WARC (RAWPAGES_ENABLED): a downloader middleware.

It sits after HttpCompressionMiddleware (see DOWNLOADER_MIDDLEWARES in settings.py), so
it stores the body the spider parses: de-chunked and decoded, with the headers made to
match (no Transfer-Encoding, Content-Length of the stored body). It stamps the fetch time
on `request.meta[FETCHED_AT_META]` and writes that same value as the WARC-Date, so a
re-parse of the WARC gives the records the crawl gave, byte for byte.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.statscollectors import StatsCollector

from archiver.archive.warc import Exchange, WarcWriter, recover_open_warcs
from archiver.crawl.context import crawl_context
from archiver.extract import utc_now
from archiver.request_meta import FETCHED_AT_META, KIND_META

logger = logging.getLogger(__name__)


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values
    ]


def exchange_of(request: Request, response: Response, fetched_at: str) -> Exchange:
    return Exchange(
        url=response.url,
        fetched_at=fetched_at,
        method=request.method,
        request_headers=_pairs(request.headers),
        status=response.status,
        protocol=getattr(response, "protocol", None) or "HTTP/1.1",
        response_headers=_pairs(response.headers),
        body=response.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


class RawPagesMiddleware:
    """Writes every 2xx article response (and its request) to rotated `.warc.gz` files."""

    def __init__(self, writer: WarcWriter, stats: StatsCollector) -> None:
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawPagesMiddleware:
        s = crawler.settings
        if not s.getbool("RAWPAGES_ENABLED"):
            # No message: Scrapy logs one as a WARNING, and off is the default.
            raise NotConfigured
        assert crawler.stats is not None
        context = crawl_context(crawler)
        writer = WarcWriter(
            context.paths.rawpages,
            context.shard_prefix,
            max_bytes=s.getint("RAWPAGES_MAX_BYTES"),
            fsync=s.getbool("ARCHIVE_FSYNC"),
        )
        middleware = cls(writer, crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        # A URL is marked done only once its raw page is durable too.
        context.ledger.on_commit(writer.sync)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        for _path, _kept, cut in recover_open_warcs(self.writer.directory, fsync=self.writer.fsync):
            self.stats.inc_value("archiver/rawpages/recovered_files")
            self.stats.inc_value("archiver/rawpages/recovered_bytes_cut", cut)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if request.meta.get(KIND_META) != "article":
            return response
        fetched_at = utc_now()
        request.meta[FETCHED_AT_META] = fetched_at
        if 200 <= response.status < 300:
            self.writer.write(exchange_of(request, response, fetched_at))
            self.stats.inc_value("archiver/rawpages/records")
        return response

    def spider_closed(self, spider: Any) -> None:
        self.writer.close()
        logger.info(
            "Raw pages: %d responses in %s", self.writer.records_total, self.writer.directory
        )
