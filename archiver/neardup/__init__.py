"""Near-duplicate detection: MinHash signatures of record bodies and an LSH index of them.

text.py (normalise, shingle) -> signature.py (one-permutation MinHash) -> lsh.py (band
tables in memory) -> index.py (the NearDuplicateIndex protocol, confirmation of candidates).
The SQLite store that makes the index persistent is archiver/neardup/store.py; the
pipeline is archiver/crawl/pipelines/neardup.py. corpus.py and evaluate.py measure quality.
"""

from __future__ import annotations

from archiver.neardup.index import LshIndex, NearDuplicate, NearDuplicateIndex
from archiver.neardup.signature import Signature, body_signature

__all__ = ["LshIndex", "NearDuplicate", "NearDuplicateIndex", "Signature", "body_signature"]
