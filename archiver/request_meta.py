"""Every `Request.meta` key archiver writes, and which of them may come back from a shared queue.

A distributed crawl decodes requests that anyone with write access to Redis could have
queued, so their meta is reduced to what the project itself puts there (`queued_meta`):
never `proxy`, `download_timeout`, `download_maxsize`, `dont_*`, `handle_httpstatus_all`
or any other key that changes where or how a request is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

KIND_META = "archiver_kind"
"""`"article"` on article requests (the scheduler's queue, raw-page capture); listings have none."""
KNOWN_STREAK = "archiver_known_streak"
"""Listing pages in a row that listed only archived articles (the early stop of a listing walk)."""
FULL_WALK = "archiver_full_walk"
"""A listing walk that must reach the end (a distributed crawl lost its queue): no early stop."""
FETCHED_AT_META = "archiver_fetched_at"
"""The fetch time RawPagesMiddleware wrote to the WARC; set on each response, never queued."""
VALIDATORS_META = "archiver_validators"
"""(ETag, Last-Modified) of an article response, for the archive pipeline; never queued."""
LEASE_META = "archiver_lease"
"""The Redis lease a popped request holds; set by the queue after decoding, never queued."""
LISTING_IDLE_META = "archiver_listing_idle"
"""Listing pages in a row, up to the one requested, that offered no new article
(archiver/crawl/traps.py)."""
LISTING_DEPTH_META = "archiver_listing_depth"
"""Next-page steps from the start URL (archiver/crawl/traps.py)."""
SITEMAP_DEPTH_META = "archiver_sitemap_depth"
"""Sitemap indexes (or robots.txt) between the URL given and this sitemap
(archiver/crawl/traps.py)."""
PARSE_HERE_META = "archiver_parse_here"
"""Parse the page in the crawl's own process, not the pool's workers: `scrapy check` reads a
callback's output synchronously (archiver/crawl/contracts.py). Never queued."""


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _reasons(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, (int, str)) and not isinstance(v, bool) for v in value
    )


# The keys a queued request of this project can legitimately carry, each with the only values
# it takes. Scrapy's own bookkeeping is kept where dropping it would undo a bound: a redirect
# or retry goes back through the queue, so without `redirect_ttl` / `retry_times` every hop
# would start a fresh budget (an endless redirect chain or 503 loop).
QUEUEABLE: Mapping[str, Callable[[Any], bool]] = {
    KIND_META: lambda v: v == "article",
    KNOWN_STREAK: _count,
    FULL_WALK: lambda v: v is True,
    # The trap bounds' counters: dropped, a chain or sitemap index would start over at each hop.
    LISTING_IDLE_META: _count,
    LISTING_DEPTH_META: _count,
    SITEMAP_DEPTH_META: _count,
    # The one status the project handles itself: a conditional re-check answered 304.
    "handle_httpstatus_list": lambda v: v == [304],
    "depth": _count,
    "retry_times": _count,
    "redirect_times": _count,
    "redirect_ttl": _count,
    "redirect_urls": _strings,
    "redirect_reasons": _reasons,
    "is_start_request": lambda v: isinstance(v, bool),
}


def queued_meta(meta: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The part of a decoded `meta` the project would have queued, and the keys dropped."""
    kept = {k: v for k, v in meta.items() if k in QUEUEABLE and QUEUEABLE[k](v)}
    return kept, tuple(sorted(str(k) for k in meta if k not in kept))
