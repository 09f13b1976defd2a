"""What a user would build instead of archiver: Scrapy + trafilatura.extract + a JSON lines feed.

    scrapy runspider benchmarks/trafilatura_spider.py -a start_url=URL -O out.jsonl [-a metadata=0]

Follows the links the bare spider follows (bare_spider.py) and turns every article page into
trafilatura's JSON record: text, title, author, date and the rest of its metadata, the fields
archiver's record has too (`with_metadata=True`). `-a metadata=0` leaves the metadata out:
the record is then the text and comments alone, and trafilatura skips its metadata pass,
about half of its time on the dev sets' pages. It is given `response.text`, as Scrapy
decodes it (HTTP charset, then the page's own declaration), the way Scrapy users hand pages
to a parser. A page with no text is counted
(`trafilatura/empty`), not yielded. Run by benchmarks/realsite.py outside the project, so it
gets Scrapy's default settings, like the bare spider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import scrapy
import trafilatura
from bare_spider import BareSpider, is_listing
from scrapy.http import Response


class TrafilaturaSpider(BareSpider):
    name = "trafilatura"

    def __init__(self, start_url: str = "", metadata: str = "1", **kwargs: Any) -> None:
        super().__init__(start_url, **kwargs)
        if metadata not in ("0", "1"):
            raise ValueError(f"metadata must be 0 or 1, not {metadata!r}")
        self.with_metadata = metadata == "1"

    def parse(self, response: Response) -> Iterator[scrapy.Request | dict[str, Any]]:
        if is_listing(response.url):
            yield from super().parse(response)
            return
        record = trafilatura.extract(
            response.text, url=response.url, output_format="json", with_metadata=self.with_metadata
        )
        if record is None:
            self.crawler.stats.inc_value("trafilatura/empty")
            return
        yield json.loads(record)
