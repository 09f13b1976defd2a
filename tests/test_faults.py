"""Faults made for real (the long versions: benchmarks/fault_drill.py): every article archived
exactly once, or counted as failed and the crawl closed with a reason; nothing hangs.

1. a server that answers 503 once, or drops the connection once (and one that never recovers);
2. a disk that fills for a moment; 3. a disk that stays full (a real tmpfs; root only).
Redis killed and restarted (4) and a worker that never comes back (9): test_distributed.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT, crawl_stats, run_crawl

sys.path.insert(0, str(ROOT / "benchmarks"))
from faultsite import FaultySite
from kill_drill import count_archive
from sitegen import generate


def article(i: int) -> str:
    return f"https://www.devnews-mirror.test/news/{i}.html"


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    root = tmp_path_factory.mktemp("faults") / "site"
    return root, generate(root, 40)


def test_a_retry_is_the_same_request_coming_back(small_site: tuple[Path, list[int]], tmp_path: Path) -> None:
    root, ids = small_site
    # 503 once, the connection dropped once, a listing page 503 once: each archived once on
    # its retry. Article 7 answers 503 past RETRY_TIMES: counted failed.
    plan = {"/news/3.html": ["503"], "/news/5.html": ["drop"], "/news/list_2.html": ["503"], "/news/7.html": ["503"] * 5}
    archive = tmp_path / "archive"
    with FaultySite(root, plan) as site:
        done = run_crawl(archive, "-a", f"start_url={site.url}", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=2",
                         timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen, corrupt = count_archive(archive)
    assert corrupt == 0 and max(seen.values()) == 1
    assert set(seen) == {article(i) for i in ids} - {article(7)}
    stats = crawl_stats(done.stderr)
    assert stats["archiver/failed/http_503"] == 1, "the article that never recovered is counted failed"
    assert stats["retry/count"] == 1 + 1 + 1 + 2  # 3, 5, list_2 once each; 7 RETRY_TIMES times
    assert (site.served["/news/3.html"], site.served["/news/5.html"], site.served["/news/7.html"]) == (2, 2, 3)
