"""Real crawls of the fixture site on 127.0.0.1, compared with offline parsing byte for byte."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

from conftest import FIXTURES, SITE, run_crawl

from archiver import parse_article
from archiver.serialize import json_line
from archiver.tools import golden

ARTICLE_CASES = [
    c for c in golden.cases(FIXTURES) if c.kind == "article" and c.page.is_relative_to(SITE)
]
EXPECTED_TITLES = sorted(c.expected["title"] for c in ARTICLE_CASES if c.expected)


def archive_lines(archive: Path) -> list[bytes]:
    assert not list(archive.glob("*.open")), "a shard was left open"
    shards = sorted(archive.glob("*.jsonl.gz"))
    assert shards and all(s.with_name(s.name + ".manifest.json").exists() for s in shards)
    return [
        line
        for shard in shards
        for line in gzip.decompress(shard.read_bytes()).splitlines(keepends=True)
    ]


def test_crawl_archives_each_article_once_and_matches_offline_parse(
    fixture_site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    proc = run_crawl(archive, "-a", f"start_url={fixture_site.url}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = archive_lines(archive)
    records = [json.loads(line) for line in lines]
    assert sorted(r["title"] for r in records) == EXPECTED_TITLES
    assert len({r["canonical_url"] for r in records}) == len(records)
    assert f"articles archived: {len(EXPECTED_TITLES)}" in proc.stderr
    assert "not articles: 1" in proc.stderr
    # Parity: the same bytes through the library give the same line, byte for byte.
    for line, record in zip(lines, records):
        page = SITE / urlsplit(record["url"]).path.lstrip("/")
        offline = parse_article(
            page.read_bytes(),
            record["url"],
            fetched_at=record["fetched_at"],
            content_type="text/html",
        )
        assert offline is not None and json_line(offline) == line, record["url"]


def test_default_crawl_serves_the_fixture_site_and_a_rerun_fetches_no_article(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "archive"
    port = free_port()  # the default (8639) may be another crawl's on a shared machine
    first = run_crawl(archive, "-s", f"ARCHIVER_FIXTURE_SITE_PORT={port}")
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"crawling the bundled fixture site at http://127.0.0.1:{port}/" in first.stderr
    assert len(archive_lines(archive)) == len(EXPECTED_TITLES)
    second = run_crawl(archive, "-s", f"ARCHIVER_FIXTURE_SITE_PORT={port}")
    assert second.returncode == 0, second.stderr[-3000:]
    # Same URLs as the first run: every article is known, none is fetched (or dropped) again.
    assert "articles archived: 0" in second.stderr
    assert "duplicates dropped: 0" in second.stderr
    assert "pages seen: 3\n" in second.stderr  # the three listing pages, no article page
    assert len(archive_lines(archive)) == len(EXPECTED_TITLES)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_pages_are_counted_and_the_crawl_goes_on(fixture_site, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    start = f"{fixture_site.url}missing.html,{fixture_site.url}"
    proc = run_crawl(archive, "-a", f"start_url={start}", "-s", "RETRY_TIMES=0")
    assert proc.returncode == 0
    assert "pages failed: http_404=1" in proc.stderr
    assert f"{fixture_site.url}missing.html" in proc.stderr
    assert len(archive_lines(archive)) == len(EXPECTED_TITLES)
