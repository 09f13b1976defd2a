"""The near-duplicate index: the protocol pipelines use, and its LSH implementation.

`LshIndex` finds candidates in band tables (`BandTable`: `BandIndex` in memory, or the SQLite
store's `DiskBands`, mostly on disk) and asks a `SignatureStore` for the signatures and
canonical URLs of candidates, to confirm them. The store is memory (`MemorySignatureStore`,
for tests and benchmarks) or SQLite on disk (`archiver.neardup.store`), so the index
survives across runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from archiver.neardup.lsh import BandIndex
from archiver.neardup.signature import BINS, Signature

# Confirm at most this many candidates, those sharing the most bands: a site whose every
# article carries the same footer makes many weak candidates; true copies share most bands.
MAX_CANDIDATES = 64


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    canonical_url: str
    """The indexed record the checked one nearly duplicates."""
    similarity: float
    """Estimated Jaccard similarity of their shingle sets."""


class NearDuplicateIndex(Protocol):
    """Signatures of the records archived so far, across runs."""

    def find(self, signature: Signature, canonical_url: str) -> NearDuplicate | None:
        """The most similar known record at or above the threshold, ignoring the versions
        of `canonical_url` itself (a new version of an article is not a copy of it)."""
        ...

    def add(self, signature: Signature, canonical_url: str) -> None:
        """Remember a record; durable when this returns, if the index is persistent."""
        ...

    def add_many(self, rows: Iterable[tuple[Signature, str]]) -> None:
        """Remember many records at once (seeding from an archive): faster than `add`."""
        ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...


class SignatureStore(Protocol):
    """Where signatures and canonical URLs live, by integer id."""

    def __len__(self) -> int: ...

    def append(self, canonical_url: str, signature: Signature) -> int: ...

    def append_many(self, rows: Iterable[tuple[str, Signature]]) -> list[int]: ...

    def fetch(self, ids: Sequence[int]) -> tuple[list[str], npt.NDArray[np.uint16]]:
        """Canonical URLs and signatures (one row each, in the same order) of those of
        `ids` the store holds."""
        ...

    def load(self) -> Iterator[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]]:
        """Every (id, signature) stored, as arrays, a chunk at a time: the band tables are
        rebuilt from these."""
        ...

    def close(self) -> None: ...


class BandTable(Protocol):
    """Which documents share a band with a signature: `BandIndex` in memory, or
    `archiver.neardup.bands.DiskBands` (on disk, a small part in memory)."""

    def __len__(self) -> int: ...

    def add(self, ids: npt.NDArray[np.uint32], signatures: npt.NDArray[np.uint16]) -> None: ...

    def add_bulk(
        self,
        chunks: Iterable[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]],
        expected: int = 0,
    ) -> None: ...

    def candidates(self, signature: Signature) -> list[int]: ...

    def nbytes(self) -> int: ...


class LshIndex:
    """NearDuplicateIndex over band tables and a SignatureStore."""

    def __init__(
        self, store: SignatureStore, threshold: float, bands: BandTable | None = None
    ) -> None:
        """`bands`: a band table already holding the store's documents; default: one built
        in memory from the store."""
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold!r}")
        self.store = store
        self.threshold = threshold
        if bands is None:
            bands = BandIndex()
            bands.add_bulk(store.load(), expected=len(store))
        self.bands: BandTable = bands

    def __len__(self) -> int:
        return len(self.bands)

    def find(self, signature: Signature, canonical_url: str) -> NearDuplicate | None:
        urls, known = self.store.fetch(self.bands.candidates(signature)[:MAX_CANDIDATES])
        if not urls:
            return None
        # Equal bins of every candidate at once (one comparison per candidate cost ~2 us).
        equal = np.count_nonzero(known == signature, axis=1)
        if canonical_url in urls:  # a version of the record itself is not a copy of it
            equal[[i for i, url in enumerate(urls) if url == canonical_url]] = -1
        best = int(equal.argmax())  # the first of equals, as the store ordered them
        count = int(equal[best])
        return NearDuplicate(urls[best], count / BINS) if count >= self.threshold * BINS else None

    def add(self, signature: Signature, canonical_url: str) -> None:
        doc = self.store.append(canonical_url, signature)
        self.bands.add(np.array([doc], dtype=np.uint32), signature[None, :])

    def add_many(self, rows: Iterable[tuple[Signature, str]]) -> None:
        pairs = [(url, signature) for signature, url in rows]
        if pairs:
            ids = np.array(self.store.append_many(pairs), dtype=np.uint32)
            self.bands.add_bulk([(ids, np.stack([signature for _url, signature in pairs]))])

    def close(self) -> None:
        self.store.close()


class MemorySignatureStore:
    """A SignatureStore in memory: nothing survives the process."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.signatures: list[Signature] = []

    def __len__(self) -> int:
        return len(self.urls)

    def append(self, canonical_url: str, signature: Signature) -> int:
        self.urls.append(canonical_url)
        self.signatures.append(signature)
        return len(self.urls) - 1

    def append_many(self, rows: Iterable[tuple[str, Signature]]) -> list[int]:
        return [self.append(url, signature) for url, signature in rows]

    def fetch(self, ids: Sequence[int]) -> tuple[list[str], npt.NDArray[np.uint16]]:
        if not ids:
            return [], np.zeros((0, BINS), dtype=np.uint16)
        return [self.urls[doc] for doc in ids], np.stack([self.signatures[doc] for doc in ids])

    def load(self) -> Iterator[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]]:
        if self.signatures:
            yield np.arange(len(self.urls), dtype=np.uint32), np.stack(self.signatures)

    def close(self) -> None:
        pass
