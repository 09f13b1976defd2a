"""benchmarks/run.py counts what each row really did, and stops when a row did less."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from run import require, stat

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
