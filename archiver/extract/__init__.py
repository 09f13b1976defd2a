"""Pure extraction: bytes (or text) and a URL in, records out. No Scrapy, no I/O, no settings."""

from __future__ import annotations

from datetime import UTC, datetime

from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.listing import Listing, parse_listing_page
from archiver.extract.pages import FieldError
from archiver.extract.parse import ParseResult, parse_page
from archiver.items import Article


def utc_now() -> str:
    """Now as a record's `fetched_at`: ISO 8601 UTC, second precision, `Z` suffix."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_article(
    html: bytes | str,
    url: str,
    *,
    fetched_at: str | None = None,
    content_type: str | None = None,
    limits: PageLimits = DEFAULT_LIMITS,
) -> Article | None:
    """The article record of one page, or None when the page is not an article (or is refused)."""
    return parse_page(
        html, url, fetched_at=fetched_at or utc_now(), content_type=content_type, limits=limits
    ).article


def parse_listing(
    html: bytes | str,
    url: str,
    *,
    content_type: str | None = None,
    limits: PageLimits = DEFAULT_LIMITS,
) -> Listing:
    """A listing page's article URLs (page order, tracking stripped) and next-page URL."""
    return parse_listing_page(html, url, content_type=content_type, limits=limits)


__all__ = [
    "Article",
    "FieldError",
    "Listing",
    "PageLimits",
    "PageRefused",
    "ParseResult",
    "parse_article",
    "parse_listing",
    "parse_page",
    "utc_now",
]
