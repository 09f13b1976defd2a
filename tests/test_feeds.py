"""Sitemaps, sitemap indexes, RSS/Atom and robots.txt, including hostile XML."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from conftest import SITE

from archiver.extract.feeds import FeedError, parse_discovery, robots_sitemaps

BASE = "http://127.0.0.1:8000/sitemap.xml"


def test_urlset_with_lastmod() -> None:
    found = parse_discovery((SITE / "sitemap.xml").read_bytes(), BASE)
    assert len(found.entries) == 15 and found.sitemaps == ()
    first = found.entries[0]
    assert first.url == "http://127.0.0.1:8000/news/2024092701.html"
    assert first.modified == datetime(2024, 9, 27, 2, 0, tzinfo=UTC)
    assert found.entries[-1].modified is None


def test_index_gzip_rss_and_atom() -> None:
    index = parse_discovery(gzip.compress((SITE / "sitemap_index.xml").read_bytes()), BASE)
    assert index.sitemaps == ("http://127.0.0.1:8000/sitemap.xml",)
    rss = parse_discovery((SITE / "feed.xml").read_bytes(), "http://127.0.0.1:8000/feed.xml")
    assert [e.url.rsplit("/", 1)[1] for e in rss.entries][:2] == [
        "2024092701.html",
        "2024092702.html",
    ]
    assert rss.entries[0].modified == datetime(2024, 9, 27, 2, 0, tzinfo=UTC)
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="https://a.test/p/1"/>
    <updated>2024-01-02T03:04:05Z</updated></entry></feed>"""
    assert parse_discovery(atom, "https://a.test/feed").entries[0].url == "https://a.test/p/1"


def test_robots_sitemap_lines() -> None:
    text = (
        SITE / "robots.txt"
    ).read_text() + "\nsitemap: https://b.test/s.xml\nSitemap: javascript:alert(1)\n"
    assert robots_sitemaps(text, "http://127.0.0.1:8000/robots.txt") == (
        "http://127.0.0.1:8000/sitemap_index.xml",
        "https://b.test/s.xml",
    )


def test_entity_expansion_is_not_performed() -> None:
    laughs = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
    <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
    <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
    <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
    <!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.test/&lol4;&xxe;</loc></url></urlset>"""
    found = parse_discovery(laughs, "https://a.test/sitemap.xml")
    assert all("lollol" not in e.url and "root:" not in e.url for e in found.entries)


def test_gzip_bomb_and_garbage_are_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(FeedError, match="expands past"):
        parse_discovery(bomb, BASE)
    with pytest.raises(FeedError):
        parse_discovery(b"\x89PNG\r\n\x1a\n", BASE)
    with pytest.raises(FeedError, match="not a sitemap"):
        parse_discovery(b"<html><body>hi</body></html>", BASE)
