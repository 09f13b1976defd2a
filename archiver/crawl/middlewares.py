"""Where the crawl may go: http(s) only, never to private or metadata addresses; page caps.

`AddressGuard` refuses, before anything is sent, a request whose URL is not http(s), or
whose host is (or resolves to) a loopback, private, link-local, cloud-metadata, multicast
or otherwise non-global address, or an IPv6 address carrying one (archiver/crawl/addresses.py),
unless the user named that host (a start / sitemap / feed URL, on its own port only, or
`ARCHIVER_ALLOWED_PRIVATE_HOSTS`). So a crawl started at http://127.0.0.1:8000/ works, and
a link from any page to http://169.254.169.254/, http://10.0.0.1/ or http://127.0.0.1:6379/
is refused and counted (`archiver/refused/<reason>`). The address checked is the one the
download then uses: Scrapy's caching resolver answers both lookups.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IHostResolution, IResolutionReceiver
from twisted.python.failure import Failure
from zope.interface import implementer

from archiver.crawl.addresses import (
    AllowedHost,
    address_class,
    allowed_hosts,
    target_refusal,
    url_refusal,
    url_target,
)
from archiver.extract.limits import PageLimits

__all__ = [
    "AddressGuard",
    "RefusedRequest",
    "address_class",
    "download_cap",
    "failure_reason",
    "limits_from_settings",
    "url_refusal",
]

logger = logging.getLogger(__name__)

Resolver = Callable[[str], Awaitable[Iterable[str]]]


class RefusedRequest(IgnoreRequest):
    """A request the guard would not send; `reason` names why (`private`, `scheme`, …)."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"refused ({reason}): {url}")
        self.reason = reason


@implementer(IResolutionReceiver)
class _Addresses:
    """Collects what the reactor's name resolver answers, IPv4 and IPv6 alike."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.done: Deferred[list[str]] = Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.found.append(address.host)

    def resolutionComplete(self) -> None:
        self.done.callback(self.found)


async def _resolve_with_reactor(host: str) -> list[str]:
    # The name resolver the download's HostnameEndpoint asks, behind Scrapy's caching resolver:
    # the connection reuses this answer, every address family included.
    from twisted.internet import reactor

    receiver = _Addresses()
    reactor.nameResolver.resolveHostName(receiver, host, 0)  # type: ignore[attr-defined]
    found = await maybe_deferred_to_future(receiver.done)
    if not found:
        raise OSError(f"no address for {host}")
    return found


class AddressGuard:
    """Downloader middleware: refuse requests to schemes other than http(s) and to
    non-global addresses the user did not name; cap the download size."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        allowed_hosts: tuple[AllowedHost, ...],
        max_page_bytes: int,
        resolve: Resolver = _resolve_with_reactor,
    ) -> None:
        self.crawler = crawler
        self.allowed_hosts = allowed_hosts
        self.max_page_bytes = max_page_bytes
        self.resolve = resolve
        self._logged: set[tuple[str, str]] = set()
        self._named: tuple[tuple[str, ...], tuple[AllowedHost, ...]] = ((), ())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        s = crawler.settings
        try:
            allowed = allowed_hosts(s.getlist("ARCHIVER_ALLOWED_PRIVATE_HOSTS"))
        except ValueError as exc:
            raise ValueError(f"ARCHIVER_ALLOWED_PRIVATE_HOSTS: {exc}") from None
        return cls(crawler, allowed_hosts=allowed, max_page_bytes=download_cap(s))

    def named_hosts(self) -> tuple[AllowedHost, ...]:
        """ARCHIVER_ALLOWED_PRIVATE_HOSTS plus the hosts of the URLs the user gave this spider,
        each on its own port. Never anything read from Redis: anyone who can write there could
        name a host."""
        named = tuple(getattr(self.crawler.spider, "named_urls", ()) or ())
        if named != self._named[0]:
            self._named = (
                named,
                tuple(a for a in map(AllowedHost.named_url, named) if a is not None),
            )
        return self.allowed_hosts + self._named[1]

    async def process_request(self, request: Request) -> None:
        asked = request.meta.get("download_maxsize")
        if not (isinstance(asked, int) and 0 < asked < self.max_page_bytes):
            # Never above the cap, whatever a request's meta asks for (0 would mean no cap).
            request.meta["download_maxsize"] = self.max_page_bytes
        reason = await self.refusal(request.url, self.named_hosts())
        if reason is not None:
            self.refuse(request, reason)

    async def refusal(self, url: str, allowed: tuple[AllowedHost, ...]) -> str | None:
        target = url_target(url)
        if isinstance(target, str):
            return target
        if target.ip is not None or any(a.admits(target) for a in allowed):
            return target_refusal(target, (), allowed)
        try:
            addresses = list(await self.resolve(target.host))
        except Exception:  # noqa: BLE001 - any resolver failure means the same thing here
            # Unresolvable: the download fails the ordinary way (DNSLookupError).
            return None
        return target_refusal(target, addresses, allowed)

    def refuse(self, request: Request, reason: str) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"archiver/refused/{reason}")
        host = _host_or_url(request.url)
        if (host, reason) not in self._logged:
            # Logged once per host and reason; after that only counted.
            self._logged.add((host, reason))
            logger.warning(
                "Refused %s: %s address (further refusals for %s only counted)",
                request.url,
                reason,
                host,
            )
        raise RefusedRequest(reason, request.url)


def _host_or_url(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def download_cap(settings: BaseSettings) -> int:
    """ARCHIVER_MAX_PAGE_BYTES, or Scrapy's DOWNLOAD_MAXSIZE when that is smaller (and set)."""
    ours = settings.getint("ARCHIVER_MAX_PAGE_BYTES")
    scrapy_cap = settings.getint("DOWNLOAD_MAXSIZE")
    return min(ours, scrapy_cap) if scrapy_cap > 0 else ours


def limits_from_settings(settings: BaseSettings) -> PageLimits:
    """The extraction caps (`ARCHIVER_MAX_*`) as the plain values extraction takes."""
    return PageLimits(
        max_page_bytes=download_cap(settings),
        max_tags=settings.getint("ARCHIVER_MAX_TAGS"),
        max_elements=settings.getint("ARCHIVER_MAX_ELEMENTS"),
        max_depth=settings.getint("ARCHIVER_MAX_DEPTH"),
        max_attributes=settings.getint("ARCHIVER_MAX_ATTRIBUTES"),
        max_links=settings.getint("ARCHIVER_MAX_LINKS"),
        max_toc_entries=settings.getint("ARCHIVER_MAX_TOC_ENTRIES"),
        max_record_bytes=settings.getint("ARCHIVER_MAX_RECORD_BYTES"),
    )


def failure_reason(failure: Failure) -> str:
    """The counted reason for a failed request (`archiver/failed/<reason>`)."""
    exc: Any = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, RefusedRequest):
        return "refused"
    message = str(exc)
    # Scrapy's own size stops: the download handler (on the wire) and HttpCompressionMiddleware
    # (a gzip/brotli/zstd body inflating past the cap) say so only in their messages.
    if "larger than download max size" in message or "exceeded DOWNLOAD_MAXSIZE" in message:
        return "too_large"
    return type(exc).__name__
