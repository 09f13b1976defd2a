"""Scoring a listing page's answer against its truth: article links (recall, precision) and
the next page. Shared by benchmarks/listings.py and tests/test_listing_eval.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListingScore:
    name: str
    found: tuple[str, ...]
    """Expected article URLs the extractor gave."""
    extra: tuple[str, ...]
    """URLs it gave that are not expected (false positives), in its order."""
    missed: tuple[str, ...]
    """Expected URLs it did not give (false negatives), in the truth's order."""
    next_expected: str | None
    next_got: str | None

    @property
    def next_right(self) -> bool:
        return self.next_expected == self.next_got


def score_listing(
    name: str,
    expected: Sequence[str],
    got: Sequence[str],
    next_expected: str | None,
    next_got: str | None,
) -> ListingScore:
    given = set(got)
    wanted = set(expected)
    return ListingScore(
        name=name,
        found=tuple(u for u in expected if u in given),
        extra=tuple(u for u in got if u not in wanted),
        missed=tuple(u for u in expected if u not in given),
        next_expected=next_expected,
        next_got=next_got,
    )


@dataclass(frozen=True, slots=True)
class Totals:
    pages: int
    tp: int
    fp: int
    fn: int
    next_right: int

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def totals(scores: Iterable[ListingScore]) -> Totals:
    scores = list(scores)
    return Totals(
        pages=len(scores),
        tp=sum(len(s.found) for s in scores),
        fp=sum(len(s.extra) for s in scores),
        fn=sum(len(s.missed) for s in scores),
        next_right=sum(s.next_right for s in scores),
    )
