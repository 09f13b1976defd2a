"""The near-duplicate index on disk: signatures and canonical URLs in SQLite (WAL).

One row per archived record: an integer id, its canonical URL and its 128-value MinHash
signature (256 bytes); no bodies. The LSH band tables live in the same file
(`archiver.neardup.bands`), derived from the signatures: memory holds only the
records indexed since the band rows were last rewritten.

Crash safety is SQLite's: every `append` is its own transaction in the write-ahead log,
which survives a killed process (synchronous=NORMAL: a power cut may lose the last few,
which only makes the next run miss those copies). A torn last WAL frame is discarded by
SQLite's checksums. A file that is not a readable database, or holds signatures of another
scheme, is moved aside and a new one started: a near-duplicate index is a cache of what
the archive holds, and can be seeded again from it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from archiver.neardup.bands import DiskBands
from archiver.neardup.index import LshIndex
from archiver.neardup.signature import BIN_BITS, BINS, MIN_SHINGLES, VALUE_BITS, Signature
from archiver.neardup.text import CHAR_SHINGLE, WORD_SHINGLE

logger = logging.getLogger(__name__)

NEARDUP_FILE = "neardup.sqlite"
# Signatures of another scheme cannot be compared with these: a change here starts afresh.
SCHEME = (
    f"oph-minhash/1 bins={BINS}:{BIN_BITS} value={VALUE_BITS} "
    f"char={CHAR_SHINGLE} word={WORD_SHINGLE} min={MIN_SHINGLES}"
)
_SIGNATURE_BYTES = BINS * 2
_DTYPE = np.dtype("<u2")
LOAD_CHUNK = 16_384
# The signatures appended last (this many, 2 MiB) are also kept in memory: on a crawl's
# own pages they are most of a lookup's candidates, and reading them from SQLite was a
# quarter of the near-duplicate check.
RECENT_SIGNATURES = 8_192

SCHEMA = """
CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class UnusableStore(Exception):
    """The file is not a database of signatures of this scheme."""


class SQLiteSignatureStore:
    """A SignatureStore in one SQLite file. `created` says it started empty."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.created = not path.exists()
        self.skipped_rows = 0
        self.recent = RecentSignatures(RECENT_SIGNATURES)
        self.db = sqlite3.connect(path, isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            # A band-rows rewrite passes through the log: give the space back after it.
            self.db.execute("PRAGMA journal_size_limit=67108864")
            self.db.executescript(SCHEMA)
            self._check_scheme()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise UnusableStore(str(exc)) from exc

    def _check_scheme(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'scheme'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('scheme', ?)", (SCHEME,))
        elif row[0] != SCHEME:
            raise UnusableStore(f"signatures of scheme {row[0]!r}, this archiver makes {SCHEME!r}")

    def __len__(self) -> int:
        try:
            return int(self.db.execute("SELECT count(*) FROM signatures").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise UnusableStore(str(exc)) from exc

    def append(self, canonical_url: str, signature: Signature) -> int:
        cur = self.db.execute(
            "INSERT INTO signatures (canonical_url, signature) VALUES (?, ?)",
            (canonical_url, signature.astype(_DTYPE).tobytes()),
        )
        assert cur.lastrowid is not None
        self.recent.add(cur.lastrowid, canonical_url, signature)
        return cur.lastrowid

    def append_many(self, rows: Iterable[tuple[str, Signature]]) -> list[int]:
        """Many rows in one transaction (seeding, benchmarks): all or none are stored."""
        ids: list[int] = []
        with self.db:
            self.db.execute("BEGIN")
            for url, signature in rows:
                ids.append(self.append(url, signature))
        return ids

    def fetch(self, ids: Sequence[int]) -> tuple[list[str], npt.NDArray[np.uint16]]:
        """In id order (SQLite's order for `id IN (...)`), the recent ones from memory."""
        held = sorted(doc for doc in ids if doc in self.recent)
        stored = [doc for doc in ids if doc not in self.recent]
        if not stored:
            return self.recent.fetch(held)
        marks = ",".join("?" * len(stored))
        rows = self.db.execute(
            f"SELECT canonical_url, signature FROM signatures WHERE id IN ({marks})", stored
        ).fetchall()
        rows = [row for row in rows if len(row[1]) == _SIGNATURE_BYTES]
        # One array for all candidates: find compares them all at once.
        signatures = np.frombuffer(b"".join([row[1] for row in rows]), dtype=_DTYPE).reshape(
            len(rows), BINS
        )
        if not held:
            return [row[0] for row in rows], signatures
        urls, recent = self.recent.fetch(held)
        return [row[0] for row in rows] + urls, np.concatenate((signatures, recent))

    def load(
        self, after: int = 0, chunk: int = LOAD_CHUNK
    ) -> Iterator[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]]:
        """(ids, signatures) of the rows with an id above `after`, in id order, `chunk` rows at
        a time."""
        skipped = 0
        try:
            rows = self.db.execute(
                "SELECT id, signature FROM signatures WHERE id > ? ORDER BY id", (after,)
            )
            while batch := rows.fetchmany(chunk):
                good = [
                    (doc, blob)
                    for doc, blob in batch
                    if isinstance(blob, bytes) and len(blob) == _SIGNATURE_BYTES
                ]
                skipped += len(batch) - len(good)
                if good:
                    ids = np.array([doc for doc, _blob in good], dtype=np.uint32)
                    blob = b"".join(blob for _doc, blob in good)
                    yield (
                        ids,
                        np.frombuffer(blob, dtype=_DTYPE)
                        .reshape(len(good), BINS)
                        .astype(np.uint16),
                    )
        except sqlite3.DatabaseError as exc:
            raise UnusableStore(str(exc)) from exc
        # The band rows read the store again when rewritten: malformed rows are told once.
        if skipped and not self.skipped_rows:
            logger.warning("Near-duplicate store %s: %d malformed rows ignored", self.path, skipped)
        self.skipped_rows = max(self.skipped_rows, skipped)

    def close(self) -> None:
        self.db.close()


class RecentSignatures:
    """The last `size` signatures appended (ids in a row), in a ring by id. The array is
    allocated untouched, so resident memory grows with use, up to size x BINS x 2 bytes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.urls: list[str] = [""] * size
        self.signatures = np.empty((size, BINS), dtype=np.uint16)
        self.first = self.last = 0
        """Ids held: first..last (none while last is 0; SQLite ids start at 1)."""

    def __contains__(self, doc: int) -> bool:
        return self.first <= doc <= self.last and self.last > 0

    def add(self, doc: int, url: str, signature: Signature) -> None:
        if not self.last or doc != self.last + 1:  # the first, or not the next id: start over
            self.first = doc
        self.last = doc
        self.first = max(self.first, doc - self.size + 1)
        self.urls[doc % self.size] = url
        self.signatures[doc % self.size] = signature

    def fetch(self, ids: list[int]) -> tuple[list[str], npt.NDArray[np.uint16]]:
        slots = [doc % self.size for doc in ids]
        return [self.urls[slot] for slot in slots], self.signatures[slots]


def open_neardup_index(path: Path, threshold: float) -> tuple[LshIndex, SQLiteSignatureStore]:
    """The persistent index at `path`, with its store; an unusable file is moved aside."""
    try:
        return _open(path, threshold)
    except UnusableStore as exc:
        aside = f"{path.name}.unusable-{time.strftime('%Y%m%dT%H%M%S')}"
        logger.error(
            "Near-duplicate store %s is unusable (%s): moved to %s, starting a new one",
            path,
            exc,
            aside,
        )
        for suffix in ("", "-wal", "-shm"):
            part = path.with_name(path.name + suffix)
            if part.exists():
                part.rename(path.with_name(aside + suffix))
        return _open(path, threshold)


def _open(path: Path, threshold: float) -> tuple[LshIndex, SQLiteSignatureStore]:
    store = SQLiteSignatureStore(path)
    try:
        try:
            bands = DiskBands.open(store.db, store.load)
        except sqlite3.DatabaseError as exc:
            raise UnusableStore(str(exc)) from exc
        return LshIndex(store, threshold, bands), store
    except BaseException:
        store.close()
        raise
