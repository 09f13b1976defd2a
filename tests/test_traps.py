"""Crawler traps, served for real on 127.0.0.1 and generated on the fly: each crawl ends, in
bounded time, with the real articles archived once and the trap counted."""

from __future__ import annotations

import random
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, crawl_stats, run_crawl
from loopback import Route

from archiver.archive import iter_archive_records

sys.path.insert(0, str(ROOT / "benchmarks"))
from sitegen import article_html

ARTICLES = (1, 2, 3)
FAST = ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", "ROBOTSTXT_OBEY=0", "-s", "RETRY_TIMES=0")


def listing(links: list[str], next_url: str | None) -> str:
    items = "".join(
        f'<li class="news-item"><h2 class="news-title"><a href="{u}">第{u[-6:]}篇文章</a></h2></li>'
        for u in links
    )
    nxt = f'<a rel="next" class="next" href="{next_url}">下一页</a>' if next_url else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>news</title>'
        "</head><body>"
        f'<div class="news-list"><ul>{items}</ul></div><div class="pagination">{nxt}</div>'
        "</body></html>"
    )


def article(path: str) -> tuple[str, str] | None:
    found = re.fullmatch(r"/news/(\d+)\.html", path)
    if found is None:
        return None
    i = int(found.group(1))
    return "text/html; charset=utf-8", article_html(i, random.Random(i), 1000)


def real_articles() -> list[str]:
    return [f"/news/{i}.html" for i in ARTICLES]


def with_articles(route: Callable[[str], tuple[str, str] | None]) -> Route:
    """`route`, and the real articles at /news/N.html (session ids in their paths ignored)."""

    def answer(path: str) -> tuple[int, str, bytes] | None:
        found = article(re.sub(r";jsessionid=\w+", "", path).split("?")[0]) or route(path)
        return None if found is None else (200, found[0], found[1].encode())

    return answer


def crawl(tmp_path: Path, *args: str) -> tuple[dict[str, int], list[dict], str]:
    archive = tmp_path / "archive"
    proc = run_crawl(archive, *FAST, *args, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return crawl_stats(proc.stderr), list(iter_archive_records(archive)), proc.stderr


def assert_real_articles_once(records: list[dict]) -> None:
    paths = sorted(urlsplit(r["url"]).path for r in records)
    assert paths == real_articles(), paths
    assert not any("sess" in r["url"].lower() or "sid=" in r["url"] for r in records)


def trap_lines(log: str, reason: str) -> list[str]:
    return [line for line in log.splitlines() if f"Crawler trap ({reason})" in line]


def endless_empty_next(path: str) -> tuple[str, str] | None:
    """The start page lists the articles; then "next" pages that list nothing, forever."""
    if path == "/":
        return "text/html", listing(real_articles(), "/list/1")
    found = re.fullmatch(r"/list/(\d+)", path)
    return ("text/html", listing([], f"/list/{int(found.group(1)) + 1}")) if found else None


def calendar(path: str) -> tuple[str, str] | None:
    """Month after month (rel=next), each listing the same articles in its sidebar."""
    found = re.fullmatch(r"/calendar/(\d+)/(\d+)", path)
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    following = f"/calendar/{year + month // 12}/{month % 12 + 1}"
    return "text/html", listing(real_articles(), following)


def test_an_endless_next_chain_of_empty_pages_ends(serve, tmp_path: Path) -> None:
    site = serve(with_articles(endless_empty_next))
    stats, records, log = crawl(tmp_path, "-a", f"start_url={site.url}")
    assert_real_articles_once(records)
    assert stats["archiver/trap/listing_without_new_articles"] == 1
    assert len(trap_lines(log, "listing_without_new_articles")) == 1
    # The start page, then TRAP_LISTING_PAGES_WITHOUT_NEW_ARTICLES (10) empty pages.
    assert sum(p.startswith("/list/") for p in site.requests) == 10


@pytest.mark.parametrize(
    "bound, reason",
    [
        ((), "listing_without_new_articles"),
        (
            ("-s", "TRAP_LISTING_PAGES_WITHOUT_NEW_ARTICLES=0", "-s", "TRAP_MAX_LISTING_DEPTH=25"),
            "listing_depth",
        ),
    ],
)
def test_a_calendar_ends(serve, tmp_path: Path, bound: tuple[str, ...], reason: str) -> None:
    site = serve(with_articles(calendar))
    # A first crawl: LISTING_STOP_AFTER_KNOWN_PAGES stops a re-crawl early on pages of archived
    # articles, and here might (once the articles are archived); the trap bounds may not rely on it.
    no_known_stop = ("-s", "LISTING_STOP_AFTER_KNOWN_PAGES=1000")
    stats, records, log = crawl(
        tmp_path, "-a", f"start_url={site.url}calendar/2024/1", *no_known_stop, *bound
    )
    assert_real_articles_once(records)
    assert stats[f"archiver/trap/{reason}"] == 1
    assert len(trap_lines(log, reason)) == 1
    months = sum(p.startswith("/calendar/") for p in site.requests)
    assert months == (11 if reason == "listing_without_new_articles" else 26)


def session_everywhere(path: str) -> tuple[str, str] | None:
    """Every link carries a fresh session id; the last listing page's "next" wraps to the first."""
    found = re.fullmatch(r"/list/(\d+)(;jsessionid=\w+)?(\?.*)?", path)
    if found is None:
        return None
    page = int(found.group(1))

    def sid() -> str:
        return uuid.uuid4().hex

    links = [f"{u};jsessionid={sid()}" for u in real_articles()] + [
        f"/news/{i}.html?PHPSESSID={sid()}" for i in ARTICLES
    ]
    return "text/html", listing(links, f"/list/{page % 3 + 1};jsessionid={sid()}?sid={sid()}")


def test_session_ids_in_every_url_end(serve, tmp_path: Path) -> None:
    site = serve(with_articles(session_everywhere))
    stats, records, log = crawl(tmp_path, "-a", f"start_url={site.url}list/1")
    assert_real_articles_once(records)
    assert stats["archiver/trap/session_id"] >= 1
    assert len(trap_lines(log, "session_id")) == 1
    # Each listing page and each article fetched once, without a session id.
    assert sorted(site.requests) == sorted(["/list/1", "/list/2", "/list/3", *real_articles()])
    assert "duplicate_url" not in log


def endless_sitemap_index(path: str) -> tuple[str, str] | None:
    """Index n names a sitemap of the articles, and indexes 2n+1 and 2n+2."""
    if path == "/sitemap.xml":
        urls = "".join(f"<url><loc>{u}</loc></url>" for u in real_articles())
        return (
            "application/xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        )
    found = re.fullmatch(r"/index-(\d+)\.xml", path)
    if found is None:
        return None
    n = int(found.group(1))
    names = ("/sitemap.xml", f"/index-{2 * n + 1}.xml", f"/index-{2 * n + 2}.xml")
    entries = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in names)
    return (
        "application/xml",
        (
            "<sitemapindex "
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
        ),
    )


@pytest.mark.parametrize(
    "bound, reason, indexes",
    [
        ((), "sitemap_depth", 2**5 - 1),  # TRAP_MAX_SITEMAP_DEPTH=4: index-0 and 4 levels below it
        # 20 sitemaps: index-0, sitemap.xml and 18 more indexes.
        (("-s", "TRAP_MAX_SITEMAP_DEPTH=0", "-s", "TRAP_MAX_SITEMAPS=20"), "sitemap_count", 19),
    ],
)
def test_a_sitemap_index_naming_new_indexes_ends(
    serve, tmp_path: Path, bound: tuple[str, ...], reason: str, indexes: int
) -> None:
    site = serve(with_articles(endless_sitemap_index))
    stats, records, log = crawl(tmp_path, "-a", f"sitemap_url={site.url}index-0.xml", *bound)
    assert_real_articles_once(records)
    assert stats[f"archiver/trap/{reason}"] >= 1
    assert len(trap_lines(log, reason)) == 1
    assert sum(p.startswith("/index-") for p in site.requests) == indexes


def new_articles_forever(path: str) -> tuple[str, str] | None:
    """Every page lists three articles no page listed before, and a next page."""
    found = re.fullmatch(r"/list/(\d+)", path)
    if found is None:
        return None
    page = int(found.group(1))
    return "text/html", listing(
        [f"/news/{3 * page + k}.html" for k in (1, 2, 3)], f"/list/{page + 1}"
    )


def test_urls_per_host_bound_a_site_of_endless_new_articles(serve, tmp_path: Path) -> None:
    site = serve(with_articles(new_articles_forever))
    stats, records, _ = crawl(
        tmp_path,
        "-a",
        f"start_url={site.url}list/0",
        "-s",
        "TRAP_MAX_LISTING_DEPTH=0",
        "-s",
        "TRAP_MAX_URLS_PER_HOST=40",
    )
    assert stats["archiver/trap/urls_per_host"] >= 1
    # 40 URLs of the host, the start URL included: listing pages and the articles they
    # offered, each archived once.
    assert len(site.requests) == 40
    assert (
        len(records)
        == len({r["url"] for r in records})
        == sum(p.startswith("/news/") for p in site.requests)
    )


@pytest.mark.parametrize(
    "url, stripped",
    [
        ("https://a.test/x;jsessionid=0A1B2C3D?p=1", "https://a.test/x?p=1"),
        ("https://a.test/x;JSESSIONID=0A1B2C3D.node1", "https://a.test/x"),
        ("https://a.test/x?PHPSESSID=9v8u7t6s5r4q3p2o1n0m&p=2", "https://a.test/x?p=2"),
        ("https://a.test/x?ASPSESSIONIDQQGGQGRB=KLMNOPQRS&x=1", "https://a.test/x?x=1"),
        ("https://a.test/x?session_id=1&sessid=2&sessionid=3", "https://a.test/x"),
        ("https://a.test/x?sid=3f2a9c1d8e7b6a5f4e3d2c1b", "https://a.test/x"),
        # `sid` as a story id stays: it names the document.
        (
            "https://a.test/article.pl?sid=04/12/01/1234",
            "https://a.test/article.pl?sid=04/12/01/1234",
        ),
        ("https://a.test/x?sid=123", "https://a.test/x?sid=123"),
        ("https://a.test/sidebar/session-notes", "https://a.test/sidebar/session-notes"),
    ],
)
def test_session_ids_are_stripped_and_story_ids_kept(url: str, stripped: str) -> None:
    from archiver.extract.urls import dedup_key, strip_session_ids

    assert strip_session_ids(url) == stripped
    assert dedup_key(url) == dedup_key(stripped)
