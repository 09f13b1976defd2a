"""Scheduled re-crawls: unchanged sites cost no article fetches, changes become versions,
listing walks stop early, sitemaps and feeds discover articles."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SITE, crawl_stats, run_crawl

from archiver.archive import iter_archive_records
from archiver.crawl.fixture_site import StaticSite

sys.path.insert(0, str(ROOT / "benchmarks"))
from sitegen import generate

ARTICLES = 14


def records(archive: Path) -> list[dict]:
    return list(iter_archive_records(archive))


@pytest.fixture()
def site_copy(tmp_path: Path):
    """A private copy of the fixture site (tests edit pages) on a loopback port."""
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    with StaticSite(copy) as server:
        yield copy, server.url


def test_second_run_over_unchanged_site_fetches_no_article(site_copy, tmp_path: Path) -> None:
    _, url = site_copy
    archive = tmp_path / "archive"
    first = run_crawl(archive, "-a", f"start_url={url}")
    assert crawl_stats(first.stderr)["archiver/archived"] == ARTICLES
    # Never stop paging early here: every listing page is read again, no article page.
    second = run_crawl(archive, "-a", f"start_url={url}", "-s", "LISTING_STOP_AFTER_KNOWN_PAGES=99")
    stats = crawl_stats(second.stderr)
    assert second.returncode == 0
    assert stats.get("archiver/archived", 0) == 0
    assert stats["archiver/pages/listing"] == 3, "listing pages are always re-read"
    # robots.txt + 3 listing pages; the about page (not an article) is done as well.
    assert stats["response_received_count"] == 4
    assert len(records(archive)) == ARTICLES


def test_conditional_recheck_and_new_version_of_a_changed_article(
    site_copy, tmp_path: Path
) -> None:
    site, url = site_copy
    archive = tmp_path / "archive"
    run_crawl(archive, "-a", f"start_url={url}")
    page = site / "news" / "2024092704.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("总之，", "更新：总之，"), encoding="utf-8"
    )
    os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 3600))
    second = run_crawl(archive, "-a", f"start_url={url}", "-s", "RECRAWL_AFTER=0")
    stats = crawl_stats(second.stderr)
    # 13 unchanged articles and the about page answer 304; the changed page answers 200.
    assert stats["archiver/not_modified"] == ARTICLES, "unchanged pages answer 304"
    assert stats["archiver/archived"] == 1 and stats["archiver/new_version"] == 1
    versions = [r for r in records(archive) if r["canonical_url"].endswith("2024092704.html")]
    assert len(versions) == 2
    old, new = versions
    assert new["previous_version"] == old["content_hash"] != new["content_hash"]
    assert "更新：总之" in new["body"]


def test_listing_walk_stops_after_known_pages(tmp_path: Path) -> None:
    site = tmp_path / "big"
    generate(site, 200)  # 10 listing pages of 20
    archive = tmp_path / "archive"
    with StaticSite(site) as server:
        first = run_crawl(archive, "-a", f"start_url={server.url}", "-s", "AUTOTHROTTLE_ENABLED=0")
        assert crawl_stats(first.stderr)["archiver/archived"] == 200
        second = run_crawl(archive, "-a", f"start_url={server.url}", "-s", "AUTOTHROTTLE_ENABLED=0")
    stats = crawl_stats(second.stderr)
    assert stats["archiver/pages/listing"] == 2
    assert stats["archiver/listing_stopped_early"] == 1


def test_sitemaps_from_robots_and_feeds_since(site_copy, tmp_path: Path) -> None:
    _, url = site_copy
    by_sitemap = run_crawl(tmp_path / "a1", "-a", f"sitemap_url={url}robots.txt")
    assert crawl_stats(by_sitemap.stderr)["archiver/archived"] == ARTICLES
    by_feed = run_crawl(tmp_path / "a2", "-a", f"feed_url={url}feed.xml", "-a", "since=2024-09-25")
    stats = crawl_stats(by_feed.stderr)
    assert stats["archiver/archived"] == 3
    assert stats["archiver/sitemap_entries_skipped_old"] == 3
