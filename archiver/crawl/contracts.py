"""`scrapy check` contracts that run offline, on the fixture site served on 127.0.0.1.

Scrapy's `@url` needs a fixed URL, and a fixed URL needs the network or a server on a fixed
port. `@fixture news/2024092701.html` instead serves ARCHIVER_FIXTURE_SITE (default: the
bundled `fixtures/site`) on a free loopback port for the check and requests that page of it.
`@returns` and `@scrapes` work on it as usual.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from scrapy.contracts import Contract

from archiver.request_meta import PARSE_HERE_META


class FixtureContract(Contract):
    """@fixture PATH: request PATH (relative) of the fixture site, served for the check by the
    spider's `serve_fixture_site` (archiver/crawl/spider.py)."""

    name = "fixture"

    def __init__(self, method: Any, *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = method.__self__

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        # ArticlesSpider serves the site once for all its contracts and stops it when it closes.
        args["url"] = urljoin(self.spider.serve_fixture_site(), self.args[0] if self.args else "")
        # A contract reads the callback's output as a plain iterable: no parse pool.
        args["meta"] = {**(args.get("meta") or {}), PARSE_HERE_META: True}
        return args
