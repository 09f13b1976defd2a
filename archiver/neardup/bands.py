"""The near-duplicate LSH band tables on disk, so memory does not grow with the index.

In memory (`archiver.neardup.lsh.BandIndex`) the band tables cost ~265 bytes per indexed
record, all resident for the whole crawl: a crawl of 100k articles held 26 MB more than one
of 10k for them alone. `DiskBands` keeps the same 64-bit entries (`band | hash | doc id`,
see lsh.py) in the near-duplicate store's SQLite file instead, sorted, in rows of ~64
entries keyed by the entries' leading bits: a lookup reads the <= 32 rows of a signature's
bands in one query. Documents indexed since the rows were last rewritten wait in a small
in-memory `BandIndex` (at most max(FLUSH_DOCS, 1/8 of the indexed documents)); when it is
full they are merged into the rows, streaming, in one transaction.

The signatures table stays the truth: `meta.bands_through` (written in the transaction that
writes the rows) names the last signature id the rows hold, and on open the signatures
after it are read back into memory. A kill at any point loses nothing; rows of another
scheme, or a backlog too large to hold, are rebuilt from the signatures.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from archiver.neardup.lsh import BANDS, ROWS, BandIndex, band_prefixes, by_shared_bands

Chunks = Iterator[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]]
# The signatures stored after a given id (all of them for 0), so many rows at a time.
LoadAfter = Callable[[int, int], Chunks]

# Entries per row, on average: a row is one read, and ~64 entries (512 bytes) keep the
# rows (and a lookup's 32 reads) small while the row count stays ~N/2.
ROW_ENTRIES = 64
# Documents held in memory before they are merged into the rows (~2 MiB of entries, ~6 MiB
# with the in-memory index's recent-documents dict), or 1/16 of the indexed documents when
# more: a rewrite then grows the rows by at least 1/16, so rewriting stays linear overall.
FLUSH_DOCS = 8_192
MEMORY_SHARE = 16
# Documents whose entries a rebuild sorts at a time (8 MiB of entries).
BUILD_DOCS = 32_768
# Signatures read from the store at a time (0.5 MiB), and old entries read while merging.
LOAD_DOCS = 2_048
MERGE_CHUNK = 1 << 16
_ID_MASK = np.uint64((1 << 32) - 1)
_ENTRY = np.dtype("<u8")
# band_prefixes reads signature values in native byte order: rows written on a machine of
# the other order mean nothing here and are rebuilt.
SCHEME = f"rows/1 bands={BANDS}x{ROWS} {sys.byteorder}"

SCHEMA = "CREATE TABLE IF NOT EXISTS band_rows (bucket INTEGER PRIMARY KEY, entries BLOB NOT NULL)"
_LOOKUP = f"SELECT entries FROM band_rows WHERE bucket IN ({','.join('?' * BANDS)}) ORDER BY bucket"


def bucket_bits(entries: int) -> int:
    """Leading bits that key a row, for ~ROW_ENTRIES entries per row."""
    return max(1, int(np.ceil(np.log2(max(entries, 2) / ROW_ENTRIES))))


def band_entries(
    ids: npt.NDArray[np.uint32], signatures: npt.NDArray[np.uint16]
) -> npt.NDArray[np.uint64]:
    return (band_prefixes(signatures) | ids.astype(np.uint64)[:, None]).ravel()


@dataclass(frozen=True, slots=True)
class Held:
    """What the rows hold, as `meta` records it."""

    through: int = 0
    """The last signature id whose entries are in the rows."""
    docs: int = 0
    entries: int = 0
    bits: int = 0
    """Leading bits of an entry that key its row; 0: no rows."""

    @classmethod
    def from_meta(cls, db: sqlite3.Connection) -> Held | None:
        """None when the rows were written by another scheme (or never)."""
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key LIKE 'bands_%'").fetchall())
        if meta.get("bands_scheme") != SCHEME:
            return None
        return cls(
            *(int(meta.get(f"bands_{name}", 0)) for name in ("through", "docs", "entries", "bits"))
        )

    def write(self, db: sqlite3.Connection) -> None:
        meta = {
            "scheme": SCHEME,
            "through": self.through,
            "docs": self.docs,
            "entries": self.entries,
            "bits": self.bits,
        }
        db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [(f"bands_{k}", str(v)) for k, v in meta.items()],
        )


class DiskBands:
    """A `BandTable` (archiver.neardup.index) in SQLite rows plus a bounded memory part.

    `db` is the store's connection (autocommit); `load_after(id)` streams the store's
    signatures after `id`. `DiskBands.open` also catches up with the store.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        load_after: LoadAfter,
        *,
        flush_docs: int = FLUSH_DOCS,
        build_docs: int = BUILD_DOCS,
    ) -> None:
        self.db = db
        self.load_after = load_after
        self.flush_docs = flush_docs
        self.build_docs = build_docs
        self.memory = BandIndex()
        # The highest id added here: a flush takes the store's rows up to it, not rows
        # appended to the store but not yet added (LshIndex appends, then adds).
        self.last_added = 0
        db.execute(SCHEMA)
        held = Held.from_meta(db)
        self.stale = (
            held is None and db.execute("SELECT 1 FROM band_rows LIMIT 1").fetchone() is not None
        )
        self.held = held or Held()

    @classmethod
    def open(cls, db: sqlite3.Connection, load_after: LoadAfter, **kwargs: int) -> DiskBands:
        bands = cls(db, load_after, **kwargs)
        bands.last_added = int(
            db.execute("SELECT coalesce(max(id), 0) FROM signatures").fetchone()[0]
        )
        backlog = int(
            db.execute(
                "SELECT count(*) FROM signatures WHERE id > ?", (bands.held.through,)
            ).fetchone()[0]
        )
        if bands.stale or backlog > bands.capacity():
            bands.rebuild()
        else:
            bands._reload_memory()
        return bands

    def __len__(self) -> int:
        return self.held.docs + len(self.memory)

    def capacity(self) -> int:
        """Documents the memory part holds before they are merged into the rows."""
        return max(self.flush_docs, self.held.docs // MEMORY_SHARE)

    def nbytes(self) -> int:
        """Bytes held in memory (the rows are on disk)."""
        return self.memory.nbytes()

    def add(self, ids: npt.NDArray[np.uint32], signatures: npt.NDArray[np.uint16]) -> None:
        self.memory.add(ids, signatures)
        self.last_added = max(self.last_added, int(ids.max(initial=0)))
        if len(self.memory) >= self.capacity():
            self.flush()

    def add_bulk(
        self,
        chunks: Iterable[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]],
        expected: int = 0,
    ) -> None:
        for ids, signatures in chunks:
            self.add(ids, signatures)

    def candidates(self, signature: npt.NDArray[np.uint16]) -> list[int]:
        """Ids of the documents sharing a band with `signature`, most bands shared first."""
        prefixes = band_prefixes(signature[None, :])[0]
        return by_shared_bands(self._row_hits(prefixes) + self.memory.hits(prefixes))

    def _row_hits(self, prefixes: npt.NDArray[np.uint64]) -> list[int]:
        if not self.held.bits:
            return []
        keys = (prefixes >> np.uint64(64 - self.held.bits)).tolist()
        # Rows come in bucket order, each sorted: together one sorted array.
        values = np.frombuffer(
            b"".join(row[0] for row in self.db.execute(_LOOKUP, keys)), dtype=_ENTRY
        )
        low = np.searchsorted(values, prefixes, "left").tolist()
        high = np.searchsorted(values, prefixes | _ID_MASK, "right").tolist()
        return [
            doc
            for lo, hi in zip(low, high)
            if lo < hi
            for doc in (values[lo:hi] & _ID_MASK).tolist()
        ]

    def flush(self) -> None:
        """Merge the documents held in memory into the rows, in one transaction. Their
        entries are made again from the store, so the memory part goes first (a lower peak);
        if the merge fails it is loaded back, and lookups still see every document."""
        self.memory = BandIndex()
        try:
            parts, last, docs = [], self.held.through, 0
            for ids, signatures in self._pending():
                parts.append(band_entries(ids, signatures))
                last, docs = int(ids[-1]), docs + len(ids)
            if docs:
                entries = np.concatenate(parts)
                del parts
                entries.sort()
                self._commit(
                    lambda: self._merge(
                        entries, Held(last, self.held.docs + docs, self.held.entries + len(entries))
                    )
                )
        except BaseException:
            self._reload_memory()
            raise

    def _reload_memory(self) -> None:
        """The memory part from the store: the documents the rows do not hold."""
        self.memory = BandIndex()
        for chunk in self._pending():
            self.memory.add_bulk([chunk])

    def _pending(self) -> Chunks:
        """The store's signatures after the rows' last one, up to the last one added here."""
        for ids, signatures in self.load_after(self.held.through, LOAD_DOCS):
            ours = ids <= self.last_added
            if ours.any():
                yield ids[ours], signatures[ours]
            if not ours.all():
                return

    def rebuild(self) -> None:
        """Every signature's entries into new rows: BUILD_DOCS documents' share of the key
        space per pass over the signatures, so memory stays bounded for any store size."""
        self._commit(self._build)
        self.memory = BandIndex()
        self.stale = False

    def _build(self) -> Held:
        docs = int(self.db.execute("SELECT count(*) FROM signatures").fetchone()[0])
        bits = bucket_bits(docs * BANDS)
        buckets, passes = 1 << bits, max(1, -(-docs // self.build_docs))
        self.db.execute("DELETE FROM band_rows")
        held = Held(bits=bits)
        for p in range(passes):
            # Pass p takes the entries of buckets [lo, hi): whole rows, in key order.
            lo, hi = buckets * p // passes, buckets * (p + 1) // passes
            parts = [np.zeros(0, dtype=np.uint64)]
            for ids, signatures in self.load_after(0, LOAD_DOCS):
                keys = band_entries(ids, signatures)
                bucket = keys >> np.uint64(64 - bits)
                parts.append(keys[(bucket >= lo) & (bucket < hi)])
                if p == 0:
                    held = replace(held, through=int(ids[-1]), docs=held.docs + len(ids))
            run = np.concatenate(parts)
            run.sort()
            held = replace(held, entries=held.entries + len(run))
            self._write_rows("band_rows", run, bits)
        return held

    def _merge(self, entries: npt.NDArray[np.uint64], held: Held) -> Held:
        """Old rows and new `entries` (sorted) into a new table, streaming, in key order."""
        bits = bucket_bits(held.entries)
        self.db.execute("DROP TABLE IF EXISTS band_rows_new")
        self.db.execute(SCHEMA.replace("band_rows", "band_rows_new"))
        carry, used = np.zeros(0, dtype=np.uint64), 0
        for old in self._old_chunks():
            upto = int(np.searchsorted(entries, old[-1], "right"))
            chunk = np.concatenate((carry, old, entries[used:upto]))
            chunk.sort()
            used = upto
            carry = self._write_rows("band_rows_new", chunk, bits, keep_last=True)
        if len(carry):
            rest = np.concatenate((carry, entries[used:]))
            rest.sort()
            self._write_rows("band_rows_new", rest, bits)
        else:
            self._write_rows("band_rows_new", entries[used:], bits)
        self.db.execute("DROP TABLE band_rows")
        self.db.execute("ALTER TABLE band_rows_new RENAME TO band_rows")
        return replace(held, bits=bits)

    def _old_chunks(self) -> Iterator[npt.NDArray[np.uint64]]:
        """The current rows' entries in key order, ~MERGE_CHUNK at a time."""
        blobs: list[bytes] = []
        size = 0
        rows = self.db.execute("SELECT entries FROM band_rows ORDER BY bucket")
        while batch := rows.fetchmany(1024):
            for (blob,) in batch:
                blobs.append(blob)
                size += len(blob) // 8
            if size >= MERGE_CHUNK:
                yield np.frombuffer(b"".join(blobs), dtype=_ENTRY).astype(np.uint64)
                blobs, size = [], 0
        if blobs:
            yield np.frombuffer(b"".join(blobs), dtype=_ENTRY).astype(np.uint64)

    def _write_rows(
        self, table: str, entries: npt.NDArray[np.uint64], bits: int, *, keep_last: bool = False
    ) -> npt.NDArray[np.uint64]:
        """Write sorted entries as rows of `table`; with `keep_last`, return the last bucket's
        entries unwritten (the next chunk may hold more of that bucket)."""
        if not len(entries):
            return entries
        buckets = entries >> np.uint64(64 - bits)
        cuts = (np.flatnonzero(buckets[1:] != buckets[:-1]) + 1).tolist()
        starts, ends = [0, *cuts], [*cuts, len(entries)]
        carry = entries[:0]
        if keep_last:
            carry = entries[starts[-1] :]
            starts, ends = starts[:-1], ends[:-1]
        data = entries.astype(_ENTRY, copy=False)
        self.db.executemany(
            f"INSERT INTO {table} (bucket, entries) VALUES (?, ?)",
            ((int(buckets[s]), data[s:e].tobytes()) for s, e in zip(starts, ends)),
        )
        return carry

    def _commit(self, work: Callable[[], Held]) -> None:
        """`work` (new rows) and the meta saying what they hold, in one transaction."""
        self.db.execute("BEGIN")
        try:
            held = work()
            held.write(self.db)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.held = held
