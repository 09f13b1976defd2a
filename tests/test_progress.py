"""Progress: a bar for `parse` on a terminal, nothing in a pipe; periodic progress lines in a
crawl."""

from __future__ import annotations

import io
import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SITE

from archiver.crawl.extensions import CrawlSummary, progress_line
from archiver.tools.progress import ProgressBar

PAGES = sum(1 for p in SITE.rglob("*") if p.suffix in (".html", ".htm"))


def parse_on_a_terminal(out: Path) -> tuple[int, str, str]:
    """`python -m archiver parse` with stderr on a pseudo-terminal (as in a shell), stdout piped."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "parse", str(SITE), "-o", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=120)
    os.close(master)
    return code, stdout, b"".join(chunks).decode("utf-8", "replace")


def test_parse_shows_a_bar_on_a_terminal(tmp_path: Path) -> None:
    code, stdout, terminal = parse_on_a_terminal(tmp_path / "o.jsonl")
    assert code == 0, terminal
    assert stdout == ""
    pages, articles = re.search(r"parsed (\d+) pages: (\d+) articles", terminal).groups()  # type: ignore[union-attr]
    assert int(pages) == PAGES
    final = re.findall(
        r"(\d+) pages · [\d.]+ pages/s · (\d+) articles · (\d+) skipped · (\d+) failed", terminal
    )
    assert final and final[-1] == (pages, articles, str(PAGES - int(articles)), "0")
    # The skip reason is on a line of its own: the bar's line was cleared (\r) before it.
    assert re.search(
        r"\r *\rskipped \S*about\.html: not_article \(profile_reject\)\r?\n", terminal
    ), terminal


def test_parse_is_quiet_in_a_pipe(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "archiver", "parse", str(SITE), "-o", str(tmp_path / "o.jsonl")],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    assert "pages/s" not in proc.stderr and "\r" not in proc.stderr and "\x1b" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert f"skipped {SITE / 'about.html'}: not_article (profile_reject)" in lines
    assert all(x.startswith("skipped ") for x in lines[:-1]) and lines[-1].startswith("parsed ")


def test_bar_rate_and_forced_modes() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True)
    bar.bar.start_t -= 2.0  # as if two seconds had passed
    bar.update(10, written=7, skipped=2, failed=1)
    bar.say("skipped a.html: not_article (listing)")
    bar.close()
    drawn = stream.getvalue()
    assert "\rskipped a.html: not_article (listing)\n" in drawn
    assert re.search(r"\r10 pages · 5\.\d pages/s · 7 articles · 2 skipped · 1 failed\n$", drawn), (
        drawn
    )
    quiet = io.StringIO()
    silent = ProgressBar(quiet)  # a StringIO is not a terminal: no bar, the lines still said
    silent.update(5)
    silent.say("skipped b.html: failed:parse_error")
    silent.close()
    assert quiet.getvalue() == "skipped b.html: failed:parse_error\n"


def test_crawl_logs_progress_with_archived_and_failed(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    stats = MemoryStatsCollector(get_crawler())
    for key, value in {
        "response_received_count": 30,
        "archiver/archived": 20,
        "archiver/dropped/duplicate_url": 3,
        "archiver/skipped/not_article": 2,
        "archiver/failed/http_404": 4,
        "archiver/failed/Timeout": 1,
    }.items():
        stats.set_value(key, value)
    summary = CrawlSummary(stats, tmp_path, "run", progress_interval=30.0)
    summary.pages_before = 10
    with caplog.at_level(logging.INFO, logger="archiver.crawl.extensions"):
        summary.log_progress()
    assert (
        "Progress: 30 pages (40 pages/min), 20 archived, 3 dropped, 2 skipped, 5 failed"
        in caplog.text
    )
    assert summary.pages_before == 30
    assert (
        progress_line({}, 0, 60)
        == "Progress: 0 pages (0 pages/min), 0 archived, 0 dropped, 0 skipped, 0 failed"
    )
