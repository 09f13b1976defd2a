"""benchmarks/realsite.py builds a site of real pages, serves it with nginx, and every crawler
row must fetch all of it: a smoke run on 3 dataset pages, and the checks that stop a row."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from realsite import DATASETS, final_stats, nginx_binary, require_whole_site
from realsite_build import RealSite
from run import Run

ROWS = ("bare", "trafilatura", "trafilatura text", "articles", "articles 1 core")


def _run(output: str) -> Run:
    return Run(1.0, 1.0, 1.0, 1, output)


def _site(articles: int) -> RealSite:
    return RealSite(ROOT, tuple(f"/news/2024/{n}.html" for n in range(articles)), ("/",), {})


def test_a_row_with_a_page_not_found_or_fetched_twice_stops_the_benchmark() -> None:
    dump = (
        "Dumping Scrapy stats:\n{{'downloader/response_status_count/200': {ok},\n "
        "'response_received_count': {got},\n}}"
    )
    assert require_whole_site("bare", _site(3), _run(dump.format(ok=4, got=4))) == 4
    with pytest.raises(SystemExit, match="HTTP 200 responses 3 < 4"):
        require_whole_site("bare", _site(3), _run(dump.format(ok=3, got=4)))
    with pytest.raises(SystemExit, match="pages fetched 5 > 4"):
        require_whole_site("bare", _site(3), _run(dump.format(ok=5, got=5)))


def test_counters_under_a_prefix_are_summed_from_the_last_stats_dump() -> None:
    output = (
        "Dumping Scrapy stats:\n{'archiver/skipped/not_article': 9}\n"
        "Dumping Scrapy stats:\n{'archiver/skipped/not_article': 2,\n "
        "'archiver/skipped/too_large': 1,\n"
        " 'archiver/failed/parse_error': 4}\n"
    )
    assert final_stats(output, "archiver/skipped/") == 3
    assert final_stats(output, "archiver/dropped/") == 0


@pytest.mark.skipif(
    not (DATASETS / "trafilatura-dev").is_dir() or not (DATASETS / "magic-html-dev").is_dir(),
    reason="the dev data sets are not here",
)
@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")
def test_one_round_on_three_real_pages_crawls_the_whole_site_with_every_crawler() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "realsite.py"), "--pages", "3", "--repeat", "1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "site: 3 article pages, 1 listing pages" in proc.stdout
    two_cpus = len(os.sched_getaffinity(0)) > 1
    for name in (*ROWS, "articles 2 cores") if two_cpus else ROWS:
        # The row's pages and items: 3 articles + 1 listing fetched.
        assert re.search(rf"^{re.escape(name)}\s+4\s+\d+\s", proc.stdout, re.MULTILINE), proc.stdout
    assert re.search(r"^trafilatura\s+4\s+3\s", proc.stdout, re.MULTILINE), proc.stdout
    assert ("scaling, articles on CPUs" in proc.stdout) == two_cpus
