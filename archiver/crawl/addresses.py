"""Which addresses a crawl may connect to: the pure decision behind
`archiver.crawl.middlewares.AddressGuard`.

An address is refused when it is loopback, private, link-local, unspecified, multicast,
a cloud-metadata endpoint or otherwise not global, and so is every IPv6 address that
carries such an IPv4 inside it (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
IPv4-translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo
`2001::/32`) and the local-use NAT64 block `64:ff9b:1::/48`. A host the user named is
allowed: a named URL on its own port only, an `ARCHIVER_ALLOWED_PRIVATE_HOSTS` entry on the
port it gives (`host:port`, `[v6]:port`) or on any port (`host`, an IP or a network).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
WEB_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Cloud instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba, ECS tasks).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
# IPv6 blocks whose last 32 bits are an IPv4 address the packet ends up at (RFC 4291 2.5.5.1,
# RFC 2765, RFC 6052): ::/96 also holds :: and ::1, judged as themselves first.
LAST_32_BITS_IPV4 = tuple(
    ipaddress.ip_network(n) for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
# RFC 8215 local-use NAT64: the operator picks where the IPv4 sits, so the whole block is private.
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (Teredo: its server and its client)."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:  # the client's IPv4 is the last 32 bits, inverted
        return ip.teredo
    if any(ip in block for block in LAST_32_BITS_IPV4):
        return (ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF),)
    return ()


def address_class(ip: IPAddress) -> str | None:
    """Why a crawl must not connect to `ip`, or None for a global unicast address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_class(ip.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1, and 8.8.8.8 likewise
    own = _own_class(ip)
    if own in ("metadata", "unspecified", "loopback") or not isinstance(ip, ipaddress.IPv6Address):
        return own
    if ip in NAT64_LOCAL:
        return "private"
    for inner in embedded_ipv4(ip):
        reason = address_class(inner)
        if reason is not None:
            return reason
    return own


def _own_class(ip: IPAddress) -> str | None:
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
    # Shared (100.64/10), documentation, benchmarking, reserved blocks…
    return None if ip.is_global else "reserved"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL would connect: its host (lower case, no trailing dot), port and IP literal."""

    host: str
    port: int
    ip: IPAddress | None


def url_target(url: str) -> Target | str:
    """The URL's target, or why it is no web URL at all (`scheme`, `bad_url`)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "bad_url"
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        return "scheme"
    if not host:
        return "bad_url"
    host = host.rstrip(".")
    return Target(host, port if port is not None else DEFAULT_PORTS[scheme], parse_ip(host))


@dataclass(frozen=True, slots=True)
class AllowedHost:
    """A host the user named: a name or a network, on one port or (`port=None`) any."""

    name: str | None
    network: IPNetwork | None
    port: int | None

    def admits(self, target: Target) -> bool:
        if self.port is not None and self.port != target.port:
            return False
        if self.network is not None:
            return target.ip is not None and target.ip in self.network
        return target.host == self.name

    @classmethod
    def parse(cls, entry: str) -> AllowedHost | None:
        """An ARCHIVER_ALLOWED_PRIVATE_HOSTS entry: `host`, `host:port`, an IP, `[v6]:port`, a
        network. None for an empty entry; ValueError for one that is none of these."""
        text = entry.strip().lower()
        if not text:
            return None
        try:  # an IP or a network, v4 or bare v6 (its colons are no port)
            return cls(None, ipaddress.ip_network(text.strip("[]"), strict=False), None)
        except ValueError:
            if "/" in text:  # meant as a network; never a host name
                raise ValueError(f"{entry!r} is not a network (such as 10.1.0.0/16)") from None
        host, sep, port = text.rpartition(":")
        if not sep or ":" in host and not host.endswith("]"):
            host, port = text, ""
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ValueError(f"{entry!r} is not a host, host:port, IP address or network")
        return cls.of(host.rstrip("."), int(port) if port else None)

    @classmethod
    def of(cls, host: str, port: int | None) -> AllowedHost:
        ip = parse_ip(host)
        return (
            cls(None, ipaddress.ip_network(ip), port)
            if ip is not None
            else cls(host.strip("[]"), None, port)
        )

    @classmethod
    def named_url(cls, url: str) -> AllowedHost | None:
        """A URL the user gave the spider: its host, on that URL's port only."""
        target = url_target(url)
        return None if isinstance(target, str) else cls.of(target.host, target.port)


def allowed_hosts(entries: Iterable[str]) -> tuple[AllowedHost, ...]:
    return tuple(a for a in map(AllowedHost.parse, entries) if a is not None)


def target_refusal(
    target: Target, addresses: Iterable[str], allowed: Iterable[AllowedHost]
) -> str | None:
    """Why `target` must not be fetched when its host resolved to `addresses` (an IP-literal
    host is judged as itself; a name by every address it resolved to); None if it may."""
    if any(a.admits(target) for a in allowed):
        return None
    ips = (
        [target.ip]
        if target.ip is not None
        else [ip for ip in map(parse_ip, addresses) if ip is not None]
    )
    for ip in ips:
        reason = address_class(ip)
        if reason is not None:
            return reason
    return None


def url_refusal(
    url: str, addresses: Iterable[str] = (), allowed_hosts: Iterable[str] = ()
) -> str | None:
    """The decision for a URL, the allowed hosts given as ARCHIVER_ALLOWED_PRIVATE_HOSTS entries."""
    target = url_target(url)
    if isinstance(target, str):
        return target
    return target_refusal(
        target, addresses, [a for a in map(AllowedHost.parse, allowed_hosts) if a is not None]
    )
