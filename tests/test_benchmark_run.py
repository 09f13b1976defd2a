"""benchmarks/run.py counts what each row really did, and stops when a row did less."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from run import Row, median_run, require, round_ratios, stat

STATS_DUMP = """2026-11-26 01:49:20 [scrapy.statscollectors] INFO: Dumping Scrapy stats:
{'downloader/request_count': 3255,
 'item_dropped_count': 100,
 'item_scraped_count': 3000,
 'response_received_count': 3255,
 'start_time': datetime.datetime(2026, 11, 26, 1, 49, 5)}
"""


def test_counts_come_from_the_final_stats_dump() -> None:
    assert stat(STATS_DUMP, "response_received_count") == 3255
    assert stat(STATS_DUMP, "item_scraped_count") == 3000
    assert stat(STATS_DUMP, "archiver/archived") == 0, "Scrapy leaves zero counters out"


def test_a_row_that_did_less_than_the_site_fails_the_benchmark() -> None:
    require("crawl", "pages fetched", 3255, 3255, "")
    with pytest.raises(SystemExit, match="bare: pages fetched 0 < 3255"):
        require("bare", "pages fetched", 0, 3255, "AddressGuard refused 127.0.0.1")


def _rows(name: str, rates: list[float]) -> list[Row]:
    return [Row(name, 100, 100, 100 / rate, 1.0, 1, 0.9) for rate in rates]


def test_a_ratio_is_the_median_of_the_rounds_and_a_row_its_median_round() -> None:
    rows = {"bare": _rows("bare", [200, 100, 300]), "crawl": _rows("crawl", [100, 70, 120])}
    assert round_ratios(rows, "crawl") == pytest.approx([0.5, 0.7, 0.4])
    assert median_run(rows["crawl"]).rate == pytest.approx(100)
    assert median_run(_rows("parse", [5, 1, 9, 3])).rate == pytest.approx(3), (
        "the lower middle of an even count"
    )
    assert round_ratios({"crawl": rows["crawl"]}, "crawl") == [], "no base row, no ratio"
