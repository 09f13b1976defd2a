"""Short kill drills (the long ones: benchmarks/kill_drill.py): kill, resume, nothing lost or
doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from archiver.neardup.bands import DiskBands
from archiver.neardup.index import LshIndex
from archiver.neardup.store import SQLiteSignatureStore

sys.path.insert(0, str(ROOT / "benchmarks"))
from kill_drill import run_drill
from sitegen import generate


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    site = tmp_path_factory.mktemp("drill") / "site"
    return site, generate(site, 500)


@pytest.mark.parametrize(
    "sig, kills", [(signal.SIGKILL, 3), (signal.SIGTERM, 2)], ids=["SIGKILL", "SIGTERM"]
)
def test_killed_crawl_resumes_with_every_article_exactly_once(
    big_site, tmp_path: Path, sig: int, kills: int
) -> None:
    site, ids = big_site
    result = run_drill(site, tmp_path / "archive", ids, kills=kills, sig=sig, seed=sig)
    assert result.interrupted >= 1, "no signal hit a running crawl"
    assert result.final_returncode == 0
    assert (result.corrupt, result.duplicate, result.missing) == (0, 0, 0), result.line()
    assert not list((tmp_path / "archive").glob("*.open")), (
        "a shard was left open after the final run"
    )


# A process that indexes signatures 0, 1, 2, ... (deterministic per number) into the
# near-duplicate store, band rows rewritten every 40 records (or 1/16 of the index), until it
# is killed: by the test, or by itself in the middle of the N-th rewrite's row writes.
INDEXER = """
import os, signal, sys
from pathlib import Path
import numpy as np
from archiver.neardup.index import LshIndex
from archiver.neardup.bands import DiskBands
from archiver.neardup.store import SQLiteSignatureStore
store = SQLiteSignatureStore(Path(sys.argv[1]))
bands = DiskBands.open(store.db, store.load, flush_docs=40)
die_at, writes, write_rows = int(sys.argv[2]), [0], bands._write_rows
def dying_write_rows(*args, **kwargs):
    carry = write_rows(*args, **kwargs)
    writes[0] += 1
    if writes[0] == die_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return carry
bands._write_rows = dying_write_rows
index = LshIndex(store, 0.3, bands)
for i in range(len(store), 3000):
    index.add(np.random.default_rng(i).integers(0, 1 << 16, 128, dtype=np.uint16), f"https://a.test/{i}")
"""


def test_near_duplicate_bands_lose_nothing_when_killed_mid_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "neardup.sqlite"
    rng = random.Random(7)
    # Killed inside a rewrite (after some rows of the new table were written), twice; then at
    # random moments; then left to finish.
    for die_at, after in (
        (12, None),
        (30, None),
        (0, rng.uniform(0.8, 1.4)),
        (0, rng.uniform(0.8, 1.4)),
        (0, None),
    ):
        proc = subprocess.Popen([sys.executable, "-c", INDEXER, str(path), str(die_at)], cwd=ROOT)
        if after is not None:
            time.sleep(after)
            proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=120)
        if die_at:
            assert code == -signal.SIGKILL  # it killed itself inside the die_at-th rewrite
        elif after is not None:
            assert code in (-signal.SIGKILL, 0)  # a fast machine may finish before the signal
        else:
            assert code == 0
    store = SQLiteSignatureStore(path)
    bands = DiskBands.open(store.db, store.load, flush_docs=40)
    index = LshIndex(store, 0.3, bands)
    assert len(store) == len(index) == 3000 and bands.held.docs > 2000
    for i in range(3000):
        signature = np.random.default_rng(i).integers(0, 1 << 16, 128, dtype=np.uint16)
        found = index.find(signature, "https://elsewhere.test/")
        assert found is not None and found.canonical_url == f"https://a.test/{i}", i
    index.close()
