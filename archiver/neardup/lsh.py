"""In-memory LSH band tables over MinHash signatures, as sorted numpy arrays.

A signature's first BANDS x ROWS values are cut into BANDS bands of ROWS; two signatures
whose Jaccard similarity is J share at least one band with probability
1 - (1 - J^ROWS)^BANDS (32 bands of 2: 0.95 at J = 0.3, 0.9999 at J = 0.5, 0.08 at
J = 0.05). Each (band, band value) is one 64-bit entry `band | 27-bit hash of the value |
32-bit document id`: 8 bytes per band per document (256 with 32 bands), where a dict entry
costs ~100. Entries sit in sorted arrays with a directory of offsets by leading bits
(`SortedRun`), so a lookup touches ~2 cache lines per band instead of a 25-step binary
search through hundreds of megabytes.

Documents added during a crawl wait in a small dict, then join a `delta` run every
RUN_DOCS documents; the delta merges into the `base` run (what was loaded at start) once it
is a quarter of its size, so a lookup reads at most one dict and two runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

BANDS = 32
ROWS = 2
RUN_DOCS = 1024
# Average entries per directory bucket: the directory costs 4 / BUCKET_ENTRIES bytes per
# entry; a lookup reads the fullest bucket's width (~2.5x this) per band.
BUCKET_ENTRIES = 16
# Widest bucket read at once; fuller buckets are binary-searched.
WINDOW_CAP = 64
_ID_BITS = 32
_BAND_BITS = 5
_ID_MASK = np.uint64((1 << _ID_BITS) - 1)
_HASH_MASK = np.uint64(((1 << (64 - _BAND_BITS)) - 1) & ~((1 << _ID_BITS) - 1))
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_PAD = ~np.uint64(0)
_BAND_TOP = np.arange(BANDS, dtype=np.uint64) << np.uint64(64 - _BAND_BITS)
_SBAND = np.uint64(_BAND_BITS)

Ids = npt.NDArray[np.uint32]
Entries = npt.NDArray[np.uint64]


def band_prefixes(signatures: npt.NDArray[np.uint16]) -> Entries:
    """(n, BANDS) entry prefixes (id bits zero) of (n, BINS) signatures, vectorised. A band
    is two adjacent 16-bit values read as one 32-bit number (native order: band keys are
    rebuilt at every start, never stored); multiplicative hashing keeps the top 27 bits."""
    assert ROWS == 2 and BANDS <= 1 << _BAND_BITS
    band = np.ascontiguousarray(signatures[:, : 2 * BANDS]).view(np.uint32).astype(np.uint64)
    return (((band * _MULTIPLIER) >> _SBAND) & _HASH_MASK) | _BAND_TOP


class SortedRun:
    """Sorted entries and, per leading-bits bucket, the offset of its first entry.

    A lookup reads `window` entries (the fullest bucket, at most WINDOW_CAP) from each
    bucket start: entries past a bucket's end belong to later buckets and never match its
    prefixes. A bucket fuller than the cap (many documents sharing one band value, say a
    template with little text) is binary-searched instead, so skew costs time, not answers.
    """

    def __init__(self, buffer: Entries, count: int) -> None:
        """`buffer[:count]` are the sorted entries; at least WINDOW_CAP more slots follow,
        which this fills with padding so that no read needs clamping."""
        assert len(buffer) >= count + WINDOW_CAP
        self.count = count
        self.entries = buffer
        entries = buffer[:count]
        bits = max(1, int(np.ceil(np.log2(max(count, 2) / BUCKET_ENTRIES))))
        self.shift = np.uint64(64 - bits)
        bounds = np.searchsorted(entries, np.arange(1 << bits, dtype=np.uint64) << self.shift)
        sizes = np.diff(bounds, append=count)
        self.starts = bounds.astype(np.uint32)
        widest = int(sizes.max()) if count else 0
        self.window = np.arange(max(1, min(widest, WINDOW_CAP)), dtype=np.uint32)
        self.wide = sizes > WINDOW_CAP if widest > WINDOW_CAP else None
        # All ones: a prefix no band reaches in practice (a hit would name id 2^32 - 1,
        # which no store holds: harmless).
        buffer[count:] = _PAD

    @classmethod
    def of(cls, entries: Entries) -> SortedRun:
        """A run of unsorted entries (copied once, into a padded buffer)."""
        buffer = np.empty(len(entries) + WINDOW_CAP, dtype=np.uint64)
        buffer[: len(entries)] = entries
        buffer[: len(entries)].sort()
        return cls(buffer, len(entries))

    def __len__(self) -> int:
        return self.count

    def find(self, prefixes: Entries) -> list[int]:
        """Ids of the entries with any of these prefixes."""
        if not self.count:
            return []
        buckets = (prefixes >> self.shift).astype(np.intp)
        values = self.entries.take(self.starts.take(buckets)[:, None] + self.window)
        extra: list[int] = []
        if self.wide is not None and (wide := self.wide.take(buckets)).any():
            values[wide] = _PAD
            extra = self._search(prefixes[wide])
        return (values[(values ^ prefixes[:, None]) <= _ID_MASK] & _ID_MASK).tolist() + extra

    def _search(self, prefixes: Entries) -> list[int]:
        entries = self.entries[: self.count]
        low = np.searchsorted(entries, prefixes, side="left")
        high = np.searchsorted(entries, prefixes | _ID_MASK, side="right")
        return [
            doc
            for lo, hi in zip(low.tolist(), high.tolist())
            for doc in (entries[lo:hi] & _ID_MASK).tolist()
        ]

    def merged(self, entries: Entries) -> SortedRun:
        """A new run with these (unsorted) entries too: sorted, then one linear merge."""
        entries.sort()
        buffer = np.empty(self.count + len(entries) + WINDOW_CAP, dtype=np.uint64)
        both = buffer[: self.count + len(entries)]
        both[: self.count] = self.entries[: self.count]
        both[self.count :] = entries
        both.sort(kind="stable")  # timsort: two sorted runs merge in linear time
        return SortedRun(buffer, len(both))

    def nbytes(self) -> int:
        return self.entries.nbytes + self.starts.nbytes


def by_shared_bands(hits: list[int]) -> list[int]:
    """Distinct ids of `hits`, those that occur most (share most bands) first."""
    if len(hits) <= 1:
        return hits
    return [doc for doc, _count in Counter(hits).most_common()]


def _empty_run() -> SortedRun:
    return SortedRun.of(np.zeros(0, dtype=np.uint64))


class BandIndex:
    """Which documents share a band with a signature. Holds ids only: signatures and URLs
    live in the store, which confirms each candidate."""

    def __init__(self) -> None:
        self._base = _empty_run()
        self._delta = _empty_run()
        self._recent: dict[int, list[int]] = {}
        self._recent_docs = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, ids: Ids, signatures: npt.NDArray[np.uint16]) -> None:
        """Index a few documents: they wait in a dict until RUN_DOCS join the delta run."""
        self._size += len(ids)
        for doc, row in zip(ids.tolist(), band_prefixes(signatures).tolist()):
            for prefix in row:
                self._recent.setdefault(prefix, []).append(doc)
        self._recent_docs += len(ids)
        if self._recent_docs >= RUN_DOCS:
            entries = [prefix | doc for prefix, docs in self._recent.items() for doc in docs]
            self._recent, self._recent_docs = {}, 0
            self._delta = self._delta.merged(np.array(entries, dtype=np.uint64))
            if 4 * len(self._delta) > len(self._base):
                delta = self._delta.entries[: len(self._delta)]
                self._base, self._delta = self._base.merged(delta), _empty_run()

    def add_bulk(
        self, chunks: Iterable[tuple[Ids, npt.NDArray[np.uint16]]], expected: int = 0
    ) -> None:
        """Index many documents (a store being loaded), chunk by chunk, into one run. With
        `expected` documents (into an empty index) the entries are written straight into
        the run's buffer: the peak is the run, not the run plus copies of it."""
        if expected and not self._size:
            buffer = np.empty(expected * BANDS + WINDOW_CAP, dtype=np.uint64)
            count = 0
            for ids, signatures in chunks:
                part = (band_prefixes(signatures) | ids.astype(np.uint64)[:, None]).ravel()
                if count + len(part) + WINDOW_CAP > len(buffer):  # more rows than announced
                    buffer = np.concatenate(
                        (buffer[:count], part, np.empty(WINDOW_CAP, dtype=np.uint64))
                    )
                else:
                    buffer[count : count + len(part)] = part
                count += len(part)
                self._size += len(ids)
            buffer[:count].sort()
            self._base = SortedRun(buffer, count)
            return
        parts = []
        for ids, signatures in chunks:
            self._size += len(ids)
            parts.append((band_prefixes(signatures) | ids.astype(np.uint64)[:, None]).ravel())
        if parts:
            self._base = self._base.merged(np.concatenate(parts))

    def candidates(self, signature: npt.NDArray[np.uint16]) -> list[int]:
        """Ids of the documents sharing a band with `signature`, most bands shared first."""
        return by_shared_bands(self.hits(band_prefixes(signature[None, :])[0]))

    def hits(self, prefixes: Entries) -> list[int]:
        """One id per band a document shares with these band prefixes (repeats included)."""
        found = self._base.find(prefixes) + self._delta.find(prefixes)
        if self._recent:
            for prefix in prefixes.tolist():
                found.extend(self._recent.get(prefix, ()))
        return found

    def nbytes(self) -> int:
        """Bytes held by the runs (the recent dict is at most RUN_DOCS documents)."""
        return self._base.nbytes() + self._delta.nbytes()
