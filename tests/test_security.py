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
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

import archiver.settings
from archiver.extract.limits import DEFAULT_LIMITS
from archiver.middlewares import AddressGuard, RefusedRequest, failure_reason, limits_from_settings, url_refusal
from archiver.paths import path_inside, safe_component
from conftest import ROOT, project_settings


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


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        (["93.184.216.34"], None),
        (["10.1.2.3"], "private"),
        (["93.184.216.34", "127.0.0.1"], "loopback"),  # any bad answer refuses
        (["169.254.169.254"], "metadata"),
        (["::1"], "loopback"),
    ],
)
def test_host_names_are_judged_by_what_they_resolve_to(addresses: list[str], reason: str | None) -> None:
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
    guard = _guard({"localhost": ["127.0.0.1"], "2130706433": ["127.0.0.1"], "rebind.test": ["192.168.0.10"]})
    with pytest.raises(RefusedRequest) as refused:
        _run(guard, url)
    assert refused.value.reason == reason and isinstance(refused.value, IgnoreRequest)
    assert guard.crawler.stats.get_value(f"archiver/refused/{reason}") == 1


def test_guard_allows_private_hosts_from_the_setting() -> None:
    guard = _guard({"wiki.corp": ["10.3.0.7"]}, ARCHIVER_ALLOWED_PRIVATE_HOSTS=["wiki.corp", "192.168.0.0/24"])
    _run(guard, "http://wiki.corp/page.html")
    _run(guard, "http://192.168.0.20/page.html")
    with pytest.raises(RefusedRequest):
        _run(guard, "http://192.168.1.20/page.html")


def test_guard_allows_hosts_other_workers_were_given() -> None:
    """Distributed crawls: one worker takes the pushed start URL, all fetch from its host."""
    guard = _guard({})
    spider = guard.crawler.spider
    spider.shared_named_urls = lambda: ("http://10.5.0.1:8000/",)  # type: ignore[union-attr]
    _run(guard, "http://10.5.0.1:8000/news/1.html")
    with pytest.raises(RefusedRequest):
        _run(guard, "http://10.5.0.2:8000/")


def test_unresolvable_host_is_left_to_fail_as_usual() -> None:
    async def fail(host: str) -> Iterable[str]:
        raise OSError("no such host")

    guard = _guard({})
    guard.resolve = fail
    _run(guard, "http://nonexistent.invalid/")


def test_failure_reasons() -> None:
    request = Request("http://a.test/")
    assert failure_reason(Failure(RefusedRequest("private", request.url))) == "refused"
    assert failure_reason(Failure(HttpError(Response(request.url, status=404, request=request)))) == "http_404"
    wire = "Received 2000000 bytes which is larger than download max size (1000000) in request <GET x>."
    assert failure_reason(Failure(RuntimeError(wire))) == "too_large"
    inflated = "Ignored response <200 x> because its body (5 B compressed, 9 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (8 B)"
    assert failure_reason(Failure(IgnoreRequest(inflated))) == "too_large"
    assert failure_reason(Failure(TimeoutError())) == "TimeoutError"


def test_caps_are_settings_whose_defaults_are_the_library_defaults() -> None:
    assert limits_from_settings(Settings(project_settings())) == DEFAULT_LIMITS
    assert limits_from_settings(Settings(project_settings(ARCHIVER_MAX_LINKS=5))).max_links == 5
    # Scrapy's own stop still counts when it is the smaller one.
    assert limits_from_settings(Settings(project_settings(DOWNLOAD_MAXSIZE=1000))).max_page_bytes == 1000


def test_no_download_handler_for_other_schemes() -> None:
    handlers = archiver.settings.DOWNLOAD_HANDLERS
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))
    assert "archiver.middlewares.AddressGuard" in archiver.settings.DOWNLOADER_MIDDLEWARES


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "..", ".", "", "a\x00b", "a/b\\c", "C:\\x", "．．／x", "CON", "nul.txt", "x" * 500]
)
def test_safe_component_never_makes_a_path(name: str, tmp_path: Path) -> None:
    part = safe_component(name)
    assert part and part not in (".", "..") and len(part) <= 100
    assert "/" not in part and "\\" not in part and "\x00" not in part and ":" not in part
    assert not part.startswith(".")
    target = path_inside(tmp_path, name, "shard.jsonl")
    assert target.resolve().is_relative_to(tmp_path.resolve())


def test_safe_component_keeps_safe_names_and_separates_unsafe_ones() -> None:
    assert safe_component("articles-20240930T080000Z-host-123") == "articles-20240930T080000Z-host-123"
    assert safe_component("例子.测试") == "例子.测试"
    assert safe_component("a/b") != safe_component("a_b")


def test_no_shell_is_ever_given_a_url_or_file_name() -> None:
    """archiver/ runs no subprocess and no shell: nothing to inject a URL or file name into."""
    banned_calls = {("os", "system"), ("os", "popen"), ("os", "execl"), ("os", "execv"), ("os", "spawnl")}
    for path in (ROOT / "archiver").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                assert not {"subprocess", "pty", "commands"} & {n.split(".")[0] for n in names}, path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                assert (node.func.value.id, node.func.attr) not in banned_calls, f"{path}:{node.lineno}"
            if isinstance(node, ast.keyword) and node.arg == "shell":
                raise AssertionError(f"{path}:{node.value.lineno} passes shell=")


def test_sitemaps_and_feeds_do_not_expand_xml_entities() -> None:
    """Billion laughs and external entities in a sitemap stay unexpanded (lxml, no DTD)."""
    from archiver.extract.feeds import parse_discovery

    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY l0 "lol">{laughs}<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    sitemap = bomb + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.test/p&l9;&x;</loc></url></urlset>'
    found = parse_discovery(sitemap.encode(), "https://a.test/sitemap.xml")
    assert all(len(entry.url) < 100 and "root:" not in entry.url for entry in found.entries)
