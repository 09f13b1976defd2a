"""Precision and recall of a near-duplicate index on a generated corpus, as the pipeline
with the "drop" policy sees it: documents arrive one by one, each is checked against
those kept so far, and only documents not flagged are added."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from neardup_corpus import CorpusDoc

from archiver.neardup.index import NearDuplicateIndex
from archiver.neardup.signature import body_signature


@dataclass(frozen=True, slots=True)
class Scores:
    documents: int
    true_positives: int
    """Flagged, and the record named is a copy of the same original."""
    false_positives: int
    """Flagged as a copy of a record of another cluster."""
    false_negatives: int
    """A copy of a kept record that was not flagged (or flagged against the wrong one)."""
    unsigned: int
    """Bodies too short to sign: never flagged."""

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        copies = self.true_positives + self.false_negatives
        return self.true_positives / copies if copies else 1.0


def evaluate(docs: Sequence[CorpusDoc], index: NearDuplicateIndex) -> Scores:
    cluster_of = {doc.url: doc.cluster for doc in docs}
    kept_clusters: set[int] = set()
    tp = fp = fn = unsigned = 0
    for doc in docs:
        is_copy = doc.cluster in kept_clusters
        signature = body_signature(doc.body, doc.language)
        if signature is None:
            unsigned += 1
            fn += is_copy
            continue
        match = index.find(signature, doc.url)
        if match is None:
            fn += is_copy
            index.add(signature, doc.url)
            kept_clusters.add(doc.cluster)
        elif cluster_of[match.canonical_url] == doc.cluster:
            tp += 1
        else:
            fp += 1
            fn += is_copy
    return Scores(len(docs), tp, fp, fn, unsigned)
