"""Where a crawl may connect, what file names it may make, and that no shell is ever used.

No test here sends a packet: the address guard is tested through its decision function
and with in-memory requests and a fake resolver.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import ROOT, project_settings
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

import archiver.settings
from archiver.archive.paths import path_inside, safe_component
from archiver.crawl.middlewares import (
    AddressGuard,
    RefusedRequest,
    failure_reason,
    limits_from_settings,
    url_refusal,
)
from archiver.extract.limits import DEFAULT_LIMITS


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.8.9.10:8000/x", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd12::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://100.100.100.200/", "metadata"),
        ("http://169.254.1.1/", "link_local"),
        ("http://[fe80::1]/", "link_local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://100.64.0.1/", "reserved"),
        ("http://198.18.0.1/", "private"),  # Python counts benchmarking and class E as private
        ("http://240.0.0.1/", "private"),
        ("file:///etc/passwd", "scheme"),
        ("data:text/html,hi", "scheme"),
        ("ftp://example.com/", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("http://[bad/", "bad_url"),
        ("http:///nohost", "bad_url"),
        ("http://93.184.216.34/", None),
        ("https://[2606:4700::1111]/", None),
    ],
)
def test_ip_literals_and_schemes(url: str, reason: str | None) -> None:
    assert url_refusal(url) == reason


# Every IPv6 form that carries an IPv4 address is judged by that IPv4 (fault 7 of issue 15).
EMBEDDED_IPV4 = [
    ("::ffff:7f00:1", "loopback"),  # IPv4-mapped, hex spelling
    ("::ffff:a9fe:a9fe", "metadata"),
    ("::127.0.0.1", "loopback"),  # IPv4-compatible (deprecated, still parsed)
    ("::10.0.0.1", "private"),
    ("::169.254.1.1", "link_local"),
    ("::ffff:0:127.0.0.1", "loopback"),  # IPv4-translated (RFC 2765)
    ("::ffff:0:192.168.0.1", "private"),
    ("64:ff9b::127.0.0.1", "loopback"),  # NAT64 well-known prefix (RFC 6052)
    ("64:ff9b::10.1.2.3", "private"),
    ("64:ff9b::a9fe:a9fe", "metadata"),
    ("64:ff9b::224.0.0.1", "multicast"),
    ("64:ff9b::0.0.0.0", "unspecified"),
    ("64:ff9b:1::a00:1", "private"),  # NAT64 local-use (RFC 8215): the whole /48
    ("64:ff9b:1:ff00:808:800:8::", "private"),
    ("2002:7f00:1::1", "loopback"),  # 6to4
    ("2002:c0a8:101::", "private"),
    ("2002:a9fe:a9fe::1", "metadata"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo: client 127.0.0.1, XOR-ed
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo client 10.0.0.1
    ("2001:0:a00:1::1", "private"),  # Teredo server 10.0.0.1
    ("fe80::1%25eth0", "link_local"),
    ("ff02::1", "multicast"),
    ("::", "unspecified"),
    ("64:ff9b::93.184.216.34", None),  # a public IPv4 behind NAT64 is a public address
    ("2002:5db8:d822::1", None),  # 6to4 of 93.184.216.34
    ("::ffff:93.184.216.34", None),
]


@pytest.mark.parametrize(("address", "reason"), EMBEDDED_IPV4)
def test_ipv6_forms_carrying_ipv4_are_judged_by_it(address: str, reason: str | None) -> None:
    assert url_refusal(f"http://[{address}]:8080/x") == reason
    # A host name resolving to the same address is refused alike (zone ids exist only in URLs).
    if "%" not in address:
        assert (
            url_refusal(
                "http://rebind.example.test/", ["93.184.216.34", address.replace("%25", "%")]
            )
            == reason
        )


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        (["93.184.216.34"], None),
        (["10.1.2.3"], "private"),
        (["93.184.216.34", "127.0.0.1"], "loopback"),  # any bad answer refuses
        (["169.254.169.254"], "metadata"),
        (["::1"], "loopback"),
        (["::ffff:127.0.0.1"], "loopback"),
        (["64:ff9b::a9fe:a9fe"], "metadata"),
    ],
)
def test_host_names_are_judged_by_what_they_resolve_to(
    addresses: list[str], reason: str | None
) -> None:
    assert url_refusal("http://rebind.example.test/", addresses) == reason


def test_hosts_the_user_named_are_allowed_and_nothing_else() -> None:
    named = ["127.0.0.1", "intranet.test", "10.1.0.0/16"]
    assert url_refusal("http://127.0.0.1:8000/", (), named) is None
    assert url_refusal("http://intranet.test/a", ["10.9.9.9"], named) is None
    assert url_refusal("http://10.1.200.3/", (), named) is None
    assert url_refusal("http://10.2.0.1/", (), named) == "private"
    assert url_refusal("http://169.254.169.254/", (), named) == "metadata"
    assert url_refusal("http://localhost:8000/", ["127.0.0.1"], named) == "loopback"
    assert url_refusal("file:///etc/passwd", (), ["", "127.0.0.1"]) == "scheme"


class _NamedSpider(Spider):
    name = "named"
    named_urls = ("http://127.0.0.1:8000/",)


def _guard(resolved: dict[str, Iterable[str]], **settings: object) -> AddressGuard:
    crawler = get_crawler(_NamedSpider, settings_dict=project_settings(**settings))
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.spider = _NamedSpider()

    async def resolve(host: str) -> Iterable[str]:
        return resolved[host]

    guard = AddressGuard.from_crawler(crawler)
    guard.resolve = resolve
    return guard


def _run(guard: AddressGuard, url: str) -> Request:
    request = Request(url)
    asyncio.run(guard.process_request(request))
    return request


def test_guard_lets_the_named_site_through_and_caps_its_size() -> None:
    guard = _guard({"example.test": ["93.184.216.34"]}, ARCHIVER_MAX_PAGE_BYTES=1000)
    assert _run(guard, "http://127.0.0.1:8000/news/1.html").meta["download_maxsize"] == 1000
    assert _run(guard, "https://example.test/a.html").meta["download_maxsize"] == 1000


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.0.0.1/", "private"),
        ("http://localhost:8000/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as a decimal number, via the resolver
        ("http://rebind.test/", "private"),
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_guard_refuses_and_counts(url: str, reason: str) -> None:
    guard = _guard(
        {"localhost": ["127.0.0.1"], "2130706433": ["127.0.0.1"], "rebind.test": ["192.168.0.10"]}
    )
    with pytest.raises(RefusedRequest) as refused:
        _run(guard, url)
    assert refused.value.reason == reason and isinstance(refused.value, IgnoreRequest)
    assert guard.crawler.stats.get_value(f"archiver/refused/{reason}") == 1


def test_guard_allows_private_hosts_from_the_setting() -> None:
    guard = _guard(
        {"wiki.corp": ["10.3.0.7"]}, ARCHIVER_ALLOWED_PRIVATE_HOSTS=["wiki.corp", "192.168.0.0/24"]
    )
    _run(guard, "http://wiki.corp/page.html")
    _run(guard, "http://192.168.0.20/page.html")
    with pytest.raises(RefusedRequest):
        _run(guard, "http://192.168.1.20/page.html")


@pytest.mark.parametrize(
    ("named", "url", "reason"),
    [
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/news/1.html", None),
        (
            "http://127.0.0.1:8000/",
            "https://127.0.0.1:8000/x",
            None,
        ),  # the port, whatever the scheme
        (
            "http://127.0.0.1:8000/",
            "http://127.0.0.1:6379/",
            "loopback",
        ),  # not every port of the host
        ("http://127.0.0.1:8000/", "http://127.0.0.1/", "loopback"),
        ("http://127.0.0.1:8000/", "http://[::ffff:127.0.0.1]:8000/", "loopback"),
        ("http://10.0.0.5/", "http://10.0.0.5:80/a", None),  # no port: the scheme's
        ("http://10.0.0.5/", "https://10.0.0.5/a", "private"),
        (
            "https://[fd00::5]/",
            "https://[fd00:0::5]:443/a",
            None,
        ),  # an IP by value, not by spelling
        ("https://[fd00::5]/", "http://[fd00::5]:8443/", "private"),
        ("http://intranet.test:8080/", "http://intranet.test:8080/a", None),
        ("http://intranet.test:8080/", "http://intranet.test:22/", "private"),
    ],
)
def test_a_named_url_allows_its_host_on_its_own_port_only(
    named: str, url: str, reason: str | None
) -> None:
    guard = _guard({"intranet.test": ["10.0.0.9"]})
    guard.crawler.spider.named_urls = (named,)  # type: ignore[union-attr]
    if reason is None:
        _run(guard, url)
    else:
        with pytest.raises(RefusedRequest) as refused:
            _run(guard, url)
        assert refused.value.reason == reason


def test_private_host_entries_may_give_a_port() -> None:
    entries = ["wiki.corp:8080", "[fd00::5]:443", "10.9.0.1:80", "10.8.0.0/16", "[fd00::6]"]
    assert url_refusal("http://wiki.corp:8080/", ["10.3.0.7"], entries) is None
    assert url_refusal("http://wiki.corp/", ["10.3.0.7"], entries) == "private"
    assert url_refusal("https://[fd00::5]/", (), entries) is None
    assert url_refusal("http://[fd00::5]/", (), entries) == "private"
    assert url_refusal("http://10.9.0.1/", (), entries) is None
    assert url_refusal("http://10.9.0.1:8080/", (), entries) == "private"
    assert url_refusal("http://10.8.3.4:9999/", (), entries) is None
    assert url_refusal("http://[fd00::6]:1234/", (), entries) is None
    with pytest.raises(ValueError, match="ARCHIVER_ALLOWED_PRIVATE_HOSTS"):
        _guard({}, ARCHIVER_ALLOWED_PRIVATE_HOSTS=["wiki.corp:http"])


def test_guard_caps_a_size_the_request_asks_to_raise() -> None:
    guard = _guard({}, ARCHIVER_MAX_PAGE_BYTES=1000)
    for asked, kept in ((10**12, 1000), (0, 1000), ("big", 1000), (500, 500)):
        request = Request("http://127.0.0.1:8000/", meta={"download_maxsize": asked})
        asyncio.run(guard.process_request(request))
        assert request.meta["download_maxsize"] == kept


def test_unresolvable_host_is_left_to_fail_as_usual() -> None:
    async def fail(host: str) -> Iterable[str]:
        raise OSError("no such host")

    guard = _guard({})
    guard.resolve = fail
    _run(guard, "http://nonexistent.invalid/")


def test_failure_reasons() -> None:
    request = Request("http://a.test/")
    assert failure_reason(Failure(RefusedRequest("private", request.url))) == "refused"
    assert (
        failure_reason(Failure(HttpError(Response(request.url, status=404, request=request))))
        == "http_404"
    )
    wire = (
        "Received 2000000 bytes which is larger than download max size (1000000) in request "
        "<GET x>."
    )
    assert failure_reason(Failure(RuntimeError(wire))) == "too_large"
    inflated = (
        "Ignored response <200 x> because its body (5 B compressed, 9 B decompressed so far) "
        "exceeded DOWNLOAD_MAXSIZE (8 B)"
    )
    assert failure_reason(Failure(IgnoreRequest(inflated))) == "too_large"
    assert failure_reason(Failure(TimeoutError())) == "TimeoutError"


def test_caps_are_settings_whose_defaults_are_the_library_defaults() -> None:
    assert limits_from_settings(Settings(project_settings())) == DEFAULT_LIMITS
    assert limits_from_settings(Settings(project_settings(ARCHIVER_MAX_LINKS=5))).max_links == 5
    # Scrapy's own stop still counts when it is the smaller one.
    assert (
        limits_from_settings(Settings(project_settings(DOWNLOAD_MAXSIZE=1000))).max_page_bytes
        == 1000
    )


def test_no_download_handler_for_other_schemes() -> None:
    handlers = archiver.settings.DOWNLOAD_HANDLERS
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))
    assert "archiver.crawl.middlewares.AddressGuard" in archiver.settings.DOWNLOADER_MIDDLEWARES


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        ".",
        "",
        "a\x00b",
        "a/b\\c",
        "C:\\x",
        "．．／x",
        "CON",
        "nul.txt",
        "x" * 500,
    ],
)
def test_safe_component_never_makes_a_path(name: str, tmp_path: Path) -> None:
    part = safe_component(name)
    assert part and part not in (".", "..") and len(part) <= 100
    assert "/" not in part and "\\" not in part and "\x00" not in part and ":" not in part
    assert not part.startswith(".")
    target = path_inside(tmp_path, name, "shard.jsonl")
    assert target.resolve().is_relative_to(tmp_path.resolve())


def test_safe_component_keeps_safe_names_and_separates_unsafe_ones() -> None:
    assert (
        safe_component("articles-20240930T080000Z-host-123") == "articles-20240930T080000Z-host-123"
    )
    assert safe_component("例子.测试") == "例子.测试"
    assert safe_component("a/b") != safe_component("a_b")


def test_no_shell_is_ever_given_a_url_or_file_name() -> None:
    """archiver/ runs no subprocess and no shell: nothing to inject a URL or file name into."""
    banned_calls = {
        ("os", "system"),
        ("os", "popen"),
        ("os", "execl"),
        ("os", "execv"),
        ("os", "spawnl"),
    }
    for path in (ROOT / "archiver").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
                )
                assert not {"subprocess", "pty", "commands"} & {n.split(".")[0] for n in names}, (
                    path
                )
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
            ):
                assert (node.func.value.id, node.func.attr) not in banned_calls, (
                    f"{path}:{node.lineno}"
                )
            if isinstance(node, ast.keyword) and node.arg == "shell":
                raise AssertionError(f"{path}:{node.value.lineno} passes shell=")


def test_sitemaps_and_feeds_do_not_expand_xml_entities() -> None:
    """Billion laughs and external entities in a sitemap stay unexpanded (lxml, no DTD)."""
    from archiver.extract.feeds import parse_discovery

    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY l0 "lol">{laughs}<!ENTITY x SYSTEM '
        '"file:///etc/passwd">]>'
    )
    sitemap = bomb + (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        "<loc>https://a.test/p&l9;&x;</loc></url></urlset>"
    )
    found = parse_discovery(sitemap.encode(), "https://a.test/sitemap.xml")
    assert all(len(entry.url) < 100 and "root:" not in entry.url for entry in found.entries)
