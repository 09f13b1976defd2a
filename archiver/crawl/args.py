"""Spider arguments (`-a name=value`), parsed and checked once at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError

KNOWN = ("start_url", "sitemap_url", "feed_url", "since")


def parse_url_list(name: str, value: str | None) -> tuple[str, ...]:
    urls = tuple(u.strip() for u in (value or "").split(",") if u.strip())
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"{name} must be an http(s) URL, got {url!r}")
    return urls


@dataclass(frozen=True, slots=True)
class SpiderArgs:
    start_urls: tuple[str, ...]
    """Listing pages to walk (comma-separated)."""
    sitemap_urls: tuple[str, ...]
    """Sitemaps, sitemap indexes or robots.txt files whose `Sitemap:` lines to read."""
    feed_urls: tuple[str, ...]
    """RSS / Atom feeds."""
    since: datetime | None
    """Skip sitemap / feed entries last modified before this date."""

    @classmethod
    def parse(cls, **kwargs: Any) -> SpiderArgs:
        unknown = sorted(set(kwargs) - set(KNOWN))
        if unknown:
            raise UsageError(
                f"unknown spider argument(s): {', '.join(unknown)}; known: {', '.join(KNOWN)}"
            )
        since = None
        if kwargs.get("since"):
            try:
                since = datetime.fromisoformat(str(kwargs["since"]))
            except ValueError:
                raise UsageError(
                    f"since must be an ISO 8601 date, got {kwargs['since']!r}"
                ) from None
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
        return cls(
            start_urls=parse_url_list("start_url", kwargs.get("start_url")),
            sitemap_urls=parse_url_list("sitemap_url", kwargs.get("sitemap_url")),
            feed_urls=parse_url_list("feed_url", kwargs.get("feed_url")),
            since=since,
        )

    @property
    def empty(self) -> bool:
        return not (self.start_urls or self.sitemap_urls or self.feed_urls)
