"""The metrics of ../shared/datasets/README.md, as pure functions on strings (tests import them).

Body metrics score one page into a `BodyScore`; a `BodyMetric` turns a suite's page scores
into its P / R / F1. Field checks (title, date, author) and the junk-author test follow the
README's definitions word for word; each is a one-line normalisation and a comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

# Kana, hangul and hanzi: every one a token of its own, so Chinese is scored on characters.
_CJK = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEADING_BY = re.compile(r"^by\b[\s:]*")


# -- tokens -----------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    """`\\w+` runs, except that each CJK character is a token of its own."""
    return _TOKEN.findall(text)


def words(text: str) -> list[str]:
    """AEB's tokens: plain `\\w+` runs (a run of Chinese is one token there)."""
    return _WORD.findall(text)


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# -- one page's body score ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BodyScore:
    """One page's body score. `score` ranks pages (0 worst, 1 perfect)."""

    score: float
    precision: float | None
    """None where the page does not count for the suite's precision (AEB: nothing predicted)."""
    recall: float | None
    passed: bool | None = None
    """AEB: token lists identical; with/without: every check right; bag of tokens: None."""
    checks: tuple[int, int, int, int] | None = None
    """With/without only: (tp, fp, fn, tn)."""


@dataclass(frozen=True, slots=True)
class SuiteBody:
    f1: float
    precision: float
    recall: float
    passed: int | None
    """Pages with `BodyScore.passed` true (None where the metric has no such notion)."""


def f1_of(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def bag_page(truth: str, predicted: str) -> BodyScore:
    """Multiset overlap of tokens: P = overlap/|prediction|, R = overlap/|truth|."""
    truth_bag, predicted_bag = Counter(tokens(truth)), Counter(tokens(predicted))
    overlap = sum((truth_bag & predicted_bag).values())
    predicted_n, truth_n = sum(predicted_bag.values()), sum(truth_bag.values())
    precision = overlap / predicted_n if predicted_n else 0.0
    recall = overlap / truth_n if truth_n else 0.0
    return BodyScore(f1_of(precision, recall), precision, recall)


def with_without_page(body: str, with_: Iterable[str], without: Iterable[str]) -> BodyScore:
    """Each `with` string found is a tp (missing: fn); each `without` found is an fp (absent:
    tn)."""
    text = collapse(body)
    found = [collapse(s) in text for s in with_]
    leaked = [collapse(s) in text for s in without]
    tp, fn = sum(found), len(found) - sum(found)
    fp, tn = sum(leaked), len(leaked) - sum(leaked)
    total = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return BodyScore(
        (tp + tn) / total if total else 1.0, precision, recall, fp == fn == 0, (tp, fp, fn, tn)
    )


# -- AEB: 4-token shingles ----------------------------------------------------------
def shingles(items: Sequence[str], n: int = 4) -> Counter[tuple[str, ...]]:
    """All n-item windows as a multiset; fewer than n items make one shorter shingle."""
    if len(items) < n:
        return Counter([tuple(items)]) if items else Counter()
    return Counter(tuple(items[i : i + n]) for i in range(len(items) - n + 1))


def page_counts(
    truth: Counter[tuple[str, ...]], predicted: Counter[tuple[str, ...]]
) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, divided by their sum so that every page weighs the same."""
    tp = sum((truth & predicted).values())
    fp = sum((predicted - truth).values())
    fn = sum((truth - predicted).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def aeb_page(truth: str, predicted: str) -> BodyScore:
    truth_items, predicted_items = words(truth), words(predicted)
    tp, fp, fn = page_counts(shingles(truth_items), shingles(predicted_items))
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else None)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else None)
    own = f1_of(precision or 0.0, recall or 0.0)
    return BodyScore(own, precision, recall, truth_items == predicted_items)


# -- suites ---------------------------------------------------------------------------
class BodyMetric(Protocol):
    @property
    def name(self) -> str: ...

    def suite(self, pages: Sequence[BodyScore]) -> SuiteBody: ...


@dataclass(frozen=True, slots=True)
class MeanOfPages:
    """Bag of tokens: P, R and F1 are each the mean of the pages' own."""

    name: str = "bag of tokens"

    def suite(self, pages: Sequence[BodyScore]) -> SuiteBody:
        return SuiteBody(
            _mean([p.score for p in pages]),
            _mean([p.precision or 0.0 for p in pages]),
            _mean([p.recall or 0.0 for p in pages]),
            None,
        )


@dataclass(frozen=True, slots=True)
class AebMetric:
    """P and R are means over the pages that count for them; F1 comes from the two means."""

    name: str = "AEB 4-shingles"

    def suite(self, pages: Sequence[BodyScore]) -> SuiteBody:
        precision = _mean([p.precision for p in pages if p.precision is not None])
        recall = _mean([p.recall for p in pages if p.recall is not None])
        return SuiteBody(
            f1_of(precision, recall), precision, recall, sum(bool(p.passed) for p in pages)
        )


@dataclass(frozen=True, slots=True)
class ChecksMetric:
    """With / without: the checks are summed over the suite, then P, R, F1."""

    name: str = "with/without"

    def suite(self, pages: Sequence[BodyScore]) -> SuiteBody:
        tp = sum(p.checks[0] for p in pages if p.checks)
        fp = sum(p.checks[1] for p in pages if p.checks)
        fn = sum(p.checks[2] for p in pages if p.checks)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        return SuiteBody(
            f1_of(precision, recall), precision, recall, sum(bool(p.passed) for p in pages)
        )


def aeb_score(pairs: Iterable[tuple[str, str]]) -> SuiteBody:
    """AEB's score of (truth, prediction) pairs: F1, P, R and the count of identical pages."""
    return AebMetric().suite([aeb_page(truth, predicted) for truth, predicted in pairs])


# -- fields ---------------------------------------------------------------------------
def normal_title(title: str) -> str:
    return collapse(unicodedata.normalize("NFKC", title).casefold())


def title_matches(truth: str, predicted: str | None) -> bool:
    """Equal after NFKC, case folding and whitespace collapsing (a site suffix is wrong)."""
    return predicted is not None and normal_title(truth) == normal_title(predicted)


def day(value: str | None) -> str | None:
    """The YYYY-MM-DD part of a date."""
    found = _DAY.search(value or "")
    return found.group() if found else None


def date_matches(truth: str, predicted: str | None) -> bool:
    return day(truth) is not None and day(truth) == day(predicted)


def normal_author(author: str) -> str:
    return _LEADING_BY.sub("", collapse(author).casefold())


def author_matches(truth: str, predicted: str | None) -> bool:
    """After case folding and dropping a leading "by", one contains the other."""
    a, b = normal_author(truth), normal_author(predicted or "")
    return bool(a and b) and (a in b or b in a)


_EMAIL = re.compile(r"\S+@\S+\.\w+")
_JUNK_AUTHOR = re.compile(
    r"\d+"  # a numeric id
    r"|(?:posted\s+by|author|by)\b.*"  # the label kept with the name
    r"|(?:https?://|www\.)\S*|\S+\.(?:com|net|org|cn)(?:/\S*)?",  # a URL or a host
    re.IGNORECASE,
)


def is_junk_author(author: str | None) -> bool:
    """Emails, all-digit ids, values starting "Posted by" / "Author" / "By", URL-ish values."""
    value = collapse(author or "")
    return bool(value) and (
        _EMAIL.search(value) is not None or _JUNK_AUTHOR.fullmatch(value) is not None
    )
