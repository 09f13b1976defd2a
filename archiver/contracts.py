"""`scrapy check` contracts that run offline, on the fixture site served on 127.0.0.1.

Scrapy's `@url` needs a fixed URL, and a fixed URL needs the network or a server on a fixed
port. `@fixture news/2024092701.html` instead serves ARCHIVER_FIXTURE_SITE (default: the
bundled `fixtures/site`) on a free loopback port for the check and requests that page of it.
`@returns` and `@scrapes` work on it as usual.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from scrapy.contracts import Contract

from archiver.fixture_site import StaticSite, default_site_dir


class FixtureContract(Contract):
    """@fixture PATH: request PATH (relative) of the fixture site, served for the check."""

    name = "fixture"

    def __init__(self, method: Any, *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = method.__self__

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        site: StaticSite | None = getattr(spider, "fixture_site", None)
        if site is None:
            configured = spider.settings.get("ARCHIVER_FIXTURE_SITE")
            # The spider stops its fixture_site when it closes.
            site = StaticSite(Path(configured) if configured else default_site_dir()).start()
            spider.fixture_site = site
            # Named like a start URL, so the address guard lets the check reach 127.0.0.1.
            spider.named_urls = (*getattr(spider, "named_urls", ()), site.url)
        args["url"] = urljoin(site.url, self.args[0] if self.args else "")
        return args
