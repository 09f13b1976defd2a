"""Where the crawl may go: http(s) only, never to private or metadata addresses; page caps.

`AddressGuard` refuses, before anything is sent, a request whose URL is not http(s), or
whose host is (or resolves to) a loopback, private, link-local, cloud-metadata, multicast
or otherwise non-global address, unless the user named that host (a start / sitemap / feed
URL, or `ARCHIVER_ALLOWED_PRIVATE_HOSTS`). So a crawl started at http://127.0.0.1:8000/
works, and a link from any page to http://169.254.169.254/ or http://10.0.0.1/ is refused
and counted (`archiver/refused/<reason>`). The address checked is the one the download
then uses: Scrapy's caching resolver answers both lookups.
"""

from __future__ import annotations

import ipaddress
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
from twisted.python.failure import Failure

from archiver.extract.limits import PageLimits

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
WEB_SCHEMES = frozenset({"http", "https"})
# Cloud instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba, ECS tasks).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
Resolver = Callable[[str], Awaitable[Iterable[str]]]


class RefusedRequest(IgnoreRequest):
    """A request the guard would not send; `reason` names why (`private`, `scheme`, …)."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"refused ({reason}): {url}")
        self.reason = reason


def address_class(ip: IPAddress) -> str | None:
    """Why a crawl must not connect to `ip`, or None for a global unicast address."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        return address_class(mapped)
    if ip in METADATA_ADDRESSES:
        return "metadata"
    for reason, test in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link_local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
    ):
        if test:
            return reason
    # Shared (100.64/10), documentation, benchmarking, 6to4 relays, reserved blocks…
    return None if ip.is_global else "reserved"


def url_refusal(url: str, addresses: Iterable[str] = (), allowed_hosts: Iterable[str] = ()) -> str | None:
    """The decision: why `url` must not be fetched when its host resolves to `addresses`.

    A host the user named (`allowed_hosts`: names, IP literals or networks) is always allowed;
    an IP-literal host is judged as such; a host name by every address it resolved to.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "bad_url"
    if parts.scheme.lower() not in WEB_SCHEMES:
        return "scheme"
    if not host:
        return "bad_url"
    if host_allowed(host, allowed_hosts):
        return None
    literal = _ip(host)
    for ip in [literal] if literal is not None else [a for a in map(_ip, addresses) if a is not None]:
        reason = address_class(ip)
        if reason is not None:
            return reason
    return None


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    ip = _ip(host)
    for allowed in allowed_hosts:
        allowed = allowed.strip().lower().rstrip(".")
        if not allowed:
            continue
        if host == allowed:
            return True
        if ip is not None and "/" in allowed:
            try:
                if ip in ipaddress.ip_network(allowed, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


async def _resolve_with_reactor(host: str) -> list[str]:
    # The reactor's resolver is Scrapy's caching one: the download reuses this answer.
    from twisted.internet import reactor

    resolver: Any = reactor
    return [await maybe_deferred_to_future(resolver.resolve(host))]


class AddressGuard:
    """Downloader middleware: refuse requests to schemes other than http(s) and to
    non-global addresses the user did not name; cap the download size."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        allowed_hosts: tuple[str, ...],
        max_page_bytes: int,
        resolve: Resolver = _resolve_with_reactor,
    ) -> None:
        self.crawler = crawler
        self.allowed_hosts = allowed_hosts
        self.max_page_bytes = max_page_bytes
        self.resolve = resolve
        self._logged: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        s = crawler.settings
        return cls(
            crawler,
            allowed_hosts=tuple(s.getlist("ARCHIVER_ALLOWED_PRIVATE_HOSTS")),
            max_page_bytes=download_cap(s),
        )

    def named_hosts(self, *, shared: bool = False) -> tuple[str, ...]:
        """ARCHIVER_ALLOWED_PRIVATE_HOSTS plus the hosts of the URLs the user gave the spider
        (`shared`: also those given to the other workers of a distributed crawl)."""
        spider = self.crawler.spider
        named = tuple(getattr(spider, "named_urls", ()) or ())
        if shared and callable(getattr(spider, "shared_named_urls", None)):
            named += tuple(spider.shared_named_urls())
        hosts = []
        for url in named:
            try:
                hosts.append(urlsplit(url).hostname or "")
            except ValueError:
                continue
        return self.allowed_hosts + tuple(hosts)

    async def process_request(self, request: Request) -> None:
        request.meta.setdefault("download_maxsize", self.max_page_bytes)
        reason = await self.refusal(request.url, self.named_hosts())
        if reason not in (None, "scheme", "bad_url"):
            # Before refusing, ask whether another worker was given this host (only then:
            # that costs a Redis round trip).
            reason = await self.refusal(request.url, self.named_hosts(shared=True))
        if reason is not None:
            self.refuse(request, reason)

    async def refusal(self, url: str, allowed: tuple[str, ...]) -> str | None:
        reason = url_refusal(url, (), allowed)
        if reason is not None:
            return reason
        host = urlsplit(url).hostname or ""
        if host_allowed(host, allowed) or _ip(host) is not None:
            return None
        try:
            addresses = list(await self.resolve(host))
        except Exception:  # noqa: BLE001 - any resolver failure means the same thing here
            # Unresolvable: the download fails the ordinary way (DNSLookupError).
            return None
        return url_refusal(url, addresses, allowed)

    def refuse(self, request: Request, reason: str) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"archiver/refused/{reason}")
        host = _host_or_url(request.url)
        if (host, reason) not in self._logged:
            # Logged once per host and reason; after that only counted.
            self._logged.add((host, reason))
            logger.warning("Refused %s: %s address (further refusals for %s only counted)", request.url, reason, host)
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
