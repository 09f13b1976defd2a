"""Short kill drills (the long ones: benchmarks/kill_drill.py): kill, resume, nothing lost or doubled."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from kill_drill import run_drill  # noqa: E402
from sitegen import generate  # noqa: E402


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    site = tmp_path_factory.mktemp("drill") / "site"
    return site, generate(site, 500)


@pytest.mark.parametrize("sig, kills", [(signal.SIGKILL, 3), (signal.SIGTERM, 2)], ids=["SIGKILL", "SIGTERM"])
def test_killed_crawl_resumes_with_every_article_exactly_once(big_site, tmp_path: Path, sig: int, kills: int) -> None:
    site, ids = big_site
    result = run_drill(site, tmp_path / "archive", ids, kills=kills, sig=sig, seed=sig)
    assert result.interrupted >= 1, "no signal hit a running crawl"
    assert result.final_returncode == 0
    assert (result.corrupt, result.duplicate, result.missing) == (0, 0, 0), result.line()
    assert not list((tmp_path / "archive").glob("*.open")), "a shard was left open after the final run"
