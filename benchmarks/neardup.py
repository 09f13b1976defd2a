"""Near-duplicate detection: quality, checks per second, memory per indexed document.

    python benchmarks/neardup.py                       # ~1.5 min on 2 shared cores
    python benchmarks/neardup.py --topics 500 --sizes 100000   # quick look

Quality: a generated corpus (neardup_corpus: Chinese fixture bodies and generated
Chinese / English articles; copies mirrored with farm boilerplate or lightly edited; distinct
articles on the same topic or with the same farm boilerplate as hard negatives) streamed
through the index as the pipeline's "drop" policy sees it (neardup_evaluate).

Scale: for each N a SQLite store holding N signatures is written (random 16-bit values:
memory and lookup cost do not depend on content), then a fresh child process opens it as
the pipeline does. Memory per document = growth of VmRSS across the open, divided by N;
beside it what tracemalloc counts as still allocated after a second open (numpy reports its
buffers to tracemalloc), the band arrays' own bytes, and the store's bytes on disk.
Then ~2,000 generated articles are checked against it, half of them added first:
  check/s  = body -> normalise, shingle, sign -> LSH lookup -> confirm from SQLite
  lookup/s = the lookup and confirmation alone, signature given
  add/s    = index.add, one SQLite transaction each
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from neardup_corpus import CorpusDoc, generate_corpus
from neardup_evaluate import evaluate

from archiver.neardup.index import LshIndex, MemorySignatureStore
from archiver.neardup.signature import BINS, body_signature
from archiver.neardup.store import SQLiteSignatureStore, open_neardup_index
from archiver.settings import NEARDUP_THRESHOLD

WRITE_CHUNK = 100_000


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def fixture_bodies() -> list[str]:
    paths = sorted((ROOT / "fixtures" / "site" / "news").glob("*.article.json"))
    return [json.loads(p.read_text(encoding="utf-8"))["expected"]["body"] for p in paths]


def quality_rows(seed: int, topics: int) -> list[str]:
    docs = generate_corpus(seed, topics, fixture_bodies())
    rows = []
    for threshold in sorted({0.25, NEARDUP_THRESHOLD, 0.35}):
        s = evaluate(docs, LshIndex(MemorySignatureStore(), threshold))
        mark = " (default)" if threshold == NEARDUP_THRESHOLD else ""
        rows.append(
            f"{f'threshold {threshold:.2f}{mark}':<26} {s.documents:>7,} "
            f"{s.true_positives + s.false_negatives:>7,} "
            f"{s.true_positives:>7,} {s.false_positives:>5,} {s.false_negatives:>5,} "
            f"{s.precision:>9.4f} {s.recall:>7.4f}"
        )
    return rows


def write_store(path: Path, n: int) -> None:
    store = SQLiteSignatureStore(path)
    rng = np.random.default_rng(n)
    for start in range(0, n, WRITE_CHUNK):
        signatures = rng.integers(
            0, 1 << 16, size=(min(WRITE_CHUNK, n - start), BINS), dtype=np.uint16
        )
        store.append_many(
            (f"https://background.test/{start + i}.html", sig) for i, sig in enumerate(signatures)
        )
    store.close()


def measure(path: Path, n: int, seed: int) -> dict[str, float]:
    """In a fresh process: open the store of n signatures (RSS growth, then again under
    tracemalloc, which costs RSS of its own), then check articles against it."""
    docs = generate_corpus(seed + 1, 340, fixture_bodies())
    body_signature("warm the normalisation tables up", None)
    before, started = rss_bytes(), time.perf_counter()
    index, _store = open_neardup_index(path, NEARDUP_THRESHOLD)
    opened = time.perf_counter() - started
    grown = rss_bytes() - before
    bands = index.bands.nbytes()
    index.close()
    del index, _store
    tracemalloc.start()
    index, _store = open_neardup_index(path, NEARDUP_THRESHOLD)
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    result = {
        "open_s": opened,
        "rss_per_doc": grown / n,
        "traced_per_doc": traced / n,
        "bands_per_doc": bands / n,
        "disk_per_doc": path.stat().st_size / n,
    }
    result.update(throughput(index, docs))
    index.close()
    return result


def throughput(index: LshIndex, docs: list[CorpusDoc]) -> dict[str, float]:
    half = docs[: len(docs) // 2]
    signed = [(doc, body_signature(doc.body, doc.language)) for doc in half]
    started = time.perf_counter()
    for doc, signature in signed:
        if signature is not None:
            index.add(signature, doc.url)
    adds = len(signed) / (time.perf_counter() - started)
    started = time.perf_counter()
    flagged = 0
    for doc in docs:
        signature = body_signature(doc.body, doc.language)
        flagged += signature is not None and index.find(signature, doc.url) is not None
    checks = len(docs) / (time.perf_counter() - started)
    signatures = [(doc.url, body_signature(doc.body, doc.language)) for doc in docs]
    started = time.perf_counter()
    for url, signature in signatures:
        if signature is not None:
            index.find(signature, url)
    lookups = len(signatures) / (time.perf_counter() - started)
    chars = sum(len(doc.body) for doc in docs) / len(docs)
    return {
        "checks_per_s": checks,
        "lookups_per_s": lookups,
        "adds_per_s": adds,
        "flagged": flagged,
        "checked": len(docs),
        "mean_chars": chars,
    }


def scale_row(n: int, seed: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "neardup.sqlite"
        write_store(path, n)
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(n),
                "--store",
                str(path),
                "--seed",
                str(seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    r = json.loads(out.stdout)
    return (
        f"{n:>10,} {r['rss_per_doc']:>9.0f} {r['traced_per_doc']:>8.0f} {r['bands_per_doc']:>7.0f} "
        f"{r['disk_per_doc']:>7.0f} {r['open_s']:>7.1f} {r['checks_per_s']:>9,.0f} "
        f"{r['lookups_per_s']:>9,.0f} "
        f"{r['adds_per_s']:>7,.0f}   {r['checked']:,} articles, mean {r['mean_chars']:,.0f} chars"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--topics", type=int, default=2000, help="corpus size for precision / recall"
    )
    parser.add_argument(
        "--sizes", default="100000,1000000", help="indexed signatures, comma-separated"
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.store, args.child, args.seed)))
        return
    print(f"Quality, generated corpus (seed {args.seed}, {args.topics} topics)")
    print(
        f"{'':<26} {'docs':>7} {'copies':>7} {'TP':>7} {'FP':>5} {'FN':>5} "
        f"{'precision':>9} {'recall':>7}"
    )
    for row in quality_rows(args.seed, args.topics):
        print(row)
    print()
    print("Scale: SQLite store opened in a fresh process; bytes per indexed document")
    print(
        f"{'signatures':>10} {'RSS B/doc':>9} {'traced':>8} {'bands':>7} {'disk':>7} {'open s':>7} "
        f"{'checks/s':>9} {'lookups/s':>9} {'adds/s':>7}"
    )
    for n in (int(x) for x in args.sizes.split(",")):
        print(scale_row(n, args.seed), flush=True)


if __name__ == "__main__":
    main()
