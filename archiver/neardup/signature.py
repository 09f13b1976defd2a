"""MinHash signatures by one-permutation hashing, with optimal densification.

Classic MinHash hashes every shingle once per permutation: n x 64 multiplications, ~0.5 ms
for a long article here. One-permutation hashing (Li, Owen & Zhang 2012) hashes each
shingle once, splits the hash space into BINS bins and keeps each bin's minimum, which
estimates Jaccard similarity as well once the article has more shingles than bins. A bin no
shingle fell into borrows the value of the first non-empty bin along a fixed random probe
order ("optimal densification", Shrivastava 2017), which keeps P[equal bin] = Jaccard, so
banding and estimates work as for classic MinHash.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from archiver.neardup.text import U64, shingle_hashes

BINS = 128
BIN_BITS = 7
VALUE_BITS = 16
# Fewer shingles than this (a two-line body) say too little to call anything a copy.
MIN_SHINGLES = 8
_DENSIFY_SEED = 0x5EED
_BIN_SHIFT = np.uint64(64 - BIN_BITS)
_VALUE_SHIFT = np.uint64(64 - BIN_BITS - VALUE_BITS)
_BIN_NUMBERS = np.arange(BINS, dtype=np.uint64)
_BIN_STARTS = _BIN_NUMBERS << _BIN_SHIFT
_ROWS = np.arange(BINS)

Signature = npt.NDArray[np.uint16]


@cache
def _probe_order() -> npt.NDArray[np.intp]:
    """For each bin, every bin in a fixed random order: where an empty bin borrows from.
    Fixed for all time: it is part of every persisted signature."""
    rng = np.random.Generator(np.random.PCG64(_DENSIFY_SEED))
    return np.stack([rng.permutation(BINS) for _ in range(BINS)]).astype(np.intp)


def signature(hashes: U64) -> Signature | None:
    """The BINS-value signature of a set of 64-bit shingle hashes; None when fewer than
    MIN_SHINGLES distinct ones."""
    ordered = np.sort(hashes)
    if len(ordered) < MIN_SHINGLES:
        return None
    # Sorted hashes, bin = top bits: a bin's minimum is the first hash at or after its start.
    firsts = ordered[np.minimum(np.searchsorted(ordered, _BIN_STARTS), len(ordered) - 1)]
    filled = (firsts >> _BIN_SHIFT) == _BIN_NUMBERS
    # The VALUE_BITS bits below the bin bits: astype keeps the low 16 of the shifted hash.
    out = (firsts >> _VALUE_SHIFT).astype(np.uint16)
    if filled.all():
        return out
    # As many distinct shingles as filled bins at least: count them only when that is short.
    if (
        np.count_nonzero(filled) < MIN_SHINGLES
        and np.count_nonzero(ordered[1:] != ordered[:-1]) + 1 < MIN_SHINGLES
    ):
        return None
    empty = (~filled).nonzero()[0]
    probes = _probe_order()[empty]
    out[empty] = out[probes[_ROWS[: len(empty)], filled[probes].argmax(axis=1)]]
    return out


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets: the share of equal bins."""
    return float(np.count_nonzero(a == b)) / BINS


def body_signature(body: str, language: str | None) -> Signature | None:
    """A record's signature: of its body's shingles (the title is not signed: farms retitle)."""
    return signature(shingle_hashes(body, language))
