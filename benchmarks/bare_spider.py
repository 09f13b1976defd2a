"""The baseline: a Scrapy spider that follows every same-site link once and parses nothing.

Run by benchmarks/run.py and realsite.py as
`scrapy runspider benchmarks/bare_spider.py -a start_url=URL` from a directory outside the
project, so it gets Scrapy's default settings (plus the flags run.py gives both crawl rows),
not archiver's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response


def is_listing(url: str) -> bool:
    """Listing pages lead on (the start page and news/list_N.html); article pages are leaves."""
    return "list_" in url or url.endswith("/")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]

    def parse(self, response: Response) -> Iterator[Any]:  # requests; a subclass may add records
        # Article pages are fetched and dropped.
        if is_listing(response.url):
            for href in response.css(
                "div.news-list a::attr(href), div.pagination a.next::attr(href)"
            ).getall():
                yield response.follow(href, callback=self.parse)
