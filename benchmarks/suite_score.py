"""Scoring one page's prediction against its truth, a suite's summary, and a one-line diagnosis."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from suite_data import Case, Suite
from suite_extract import Prediction
from suite_metrics import (
    AebMetric,
    BodyScore,
    ChecksMetric,
    SuiteBody,
    aeb_page,
    author_matches,
    bag_page,
    collapse,
    date_matches,
    day,
    is_junk_author,
    normal_title,
    title_matches,
    with_without_page,
)

# A wrong title, date or author costs a page this much of its rank in --worst.
FIELD_PENALTY = 0.25


def _check(truth: str | None, predicted: str | None, matches: Any) -> bool | None:
    return None if truth is None else bool(matches(truth, predicted))


@dataclass(frozen=True, slots=True)
class PageResult:
    case: Case
    prediction: Prediction
    body: BodyScore
    title_ok: bool | None
    """None where the truth has no title; likewise for date and author."""
    date_ok: bool | None
    author_ok: bool | None

    @property
    def rank(self) -> float:
        """The body score less a penalty per wrong field: what --worst sorts on."""
        wrong = [self.title_ok, self.date_ok, self.author_ok].count(False)
        return self.body.score - FIELD_PENALTY * wrong


def score_page(suite: Suite, case: Case, prediction: Prediction) -> PageResult:
    truth, body = case.truth, prediction.body
    if isinstance(suite.metric, ChecksMetric):
        scored = with_without_page(body, truth.with_, truth.without)
    elif isinstance(suite.metric, AebMetric):
        scored = aeb_page(truth.body or "", body)
    else:
        scored = bag_page(truth.body or "", body)
    return PageResult(
        case,
        prediction,
        scored,
        _check(truth.title, prediction.title, title_matches),
        _check(truth.date, prediction.date, date_matches),
        _check(truth.author, prediction.author, author_matches),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    pages: int
    body: SuiteBody
    title: tuple[int, int]
    """(right, pages with a truth title); likewise for date and author."""
    date: tuple[int, int]
    author: tuple[int, int]
    not_article: int
    """Empty predictions on pages that are articles (readability's readerable: false excluded)."""
    junk_authors: int
    seconds: float
    cached: int
    """Pages whose prediction (and time) came from the cache."""


def _rate(values: list[bool | None]) -> tuple[int, int]:
    known = [v for v in values if v is not None]
    return sum(known), len(known)


def summarise(suite: Suite, results: Sequence[PageResult]) -> Summary:
    return Summary(
        len(results),
        suite.metric.suite([r.body for r in results]),
        _rate([r.title_ok for r in results]),
        _rate([r.date_ok for r in results]),
        _rate([r.author_ok for r in results]),
        sum(r.prediction.verdict is not None and r.case.truth.readerable for r in results),
        sum(is_junk_author(r.prediction.author) for r in results),
        sum(r.prediction.seconds for r in results),
        sum(r.prediction.cached for r in results),
    )


# -- diagnosis --------------------------------------------------------------------------
def _short(text: str | None, limit: int = 48) -> str:
    text = collapse(text or "")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


Note = tuple[str, str]
"""(class, text): the class is what --worst tallies per suite, the text what it prints."""


def _body_notes(result: PageResult) -> list[Note]:
    body, truth = result.body, result.case.truth
    if body.checks is not None:
        text = collapse(result.prediction.body)
        missing = [s for s in truth.with_ if collapse(s) not in text]
        kept = [s for s in truth.without if collapse(s) in text]
        return (
            [("cut body", f"missing {len(missing)} with {_short(missing[0], 36)}: cut body")]
            if missing
            else []
        ) + (
            [
                (
                    "boilerplate kept",
                    f"kept {len(kept)} without {_short(kept[0], 36)}: boilerplate kept",
                )
            ]
            if kept
            else []
        )
    p, r = body.precision or 0.0, body.recall or 0.0
    if body.score >= 0.95:
        return []
    kind = (
        "boilerplate kept"
        if p < 0.8 <= r
        else "cut body"
        if r < 0.8 <= p
        else "wrong block"
        if p < 0.8 and r < 0.8
        else "slightly off"
    )
    return [(kind, f"body P={p:.2f} R={r:.2f}: {kind}")]


def _title_note(truth: str, predicted: str | None, source: str | None) -> Note:
    if not predicted:
        return "no title", f"no title (truth {_short(truth)})"
    t, p = normal_title(truth), normal_title(predicted)
    if p.startswith(t):
        return (
            "title has site suffix",
            f"title has site suffix {_short(p[len(t) :])} (source: {source})",
        )
    if p.endswith(t):
        return "title has prefix", f"title has prefix {_short(p[: -len(t)])} (source: {source})"
    kind = "title has extra text" if t in p else "title cut" if p in t else "title differs"
    return kind, f"{kind}: {_short(predicted, 60)} vs truth {_short(truth, 60)} (source: {source})"


def _field_notes(result: PageResult) -> list[Note]:
    truth, pred, sources = result.case.truth, result.prediction, result.prediction.sources
    notes = []
    if result.title_ok is False and truth.title:
        notes.append(_title_note(truth.title, pred.title, sources.get("title")))
    if result.date_ok is False:
        notes.append(
            (
                f"date wrong ({sources.get('published')})",
                (
                    f"date {day(pred.date)} vs truth {day(truth.date)} "
                    f"(source: {sources.get('published')})"
                ),
            )
            if pred.date
            else ("no date", f"no date (truth {day(truth.date)})")
        )
    if result.author_ok is False:
        notes.append(
            (
                f"author wrong ({sources.get('author')})",
                (
                    f"author {_short(pred.author)} vs truth {_short(truth.author)} "
                    f"(source: {sources.get('author')})"
                ),
            )
            if pred.author
            else ("no author", f"no author (truth {_short(truth.author)})")
        )
    if is_junk_author(pred.author):
        notes.append(("junk author", f"junk author {_short(pred.author)}"))
    return notes


def notes(result: PageResult) -> list[Note]:
    """What is wrong with one page, each with its class."""
    verdict = result.prediction.verdict
    if verdict is not None:
        return [
            (
                "not article",
                verdict + ("" if result.case.truth.readerable else " (readerable: false)"),
            )
        ]
    return _body_notes(result) + _field_notes(result)


def diagnose(result: PageResult) -> str:
    """One line: why this page scores what it does, and which layer answered."""
    found = notes(result)
    layer = result.prediction.extractor
    line = "; ".join(text for _, text in found) or "ok"
    return line if result.prediction.verdict is not None or not layer else f"{line} [body: {layer}]"


def page_record(result: PageResult) -> dict[str, Any]:
    """What --json keeps of one page and one extractor: enough to diff two runs."""
    pred, body = result.prediction, result.body
    return {
        "score": round(body.score, 6),
        "precision": body.precision,
        "recall": body.recall,
        "passed": body.passed,
        "checks": body.checks,
        "title_ok": result.title_ok,
        "date_ok": result.date_ok,
        "author_ok": result.author_ok,
        "verdict": pred.verdict,
        "title": pred.title,
        "date": pred.date,
        "author": pred.author,
        "extractor": pred.extractor,
        "sources": pred.sources,
        "body_chars": len(pred.body),
        "body_sha1": hashlib.sha1(pred.body.encode()).hexdigest(),
        "diagnosis": diagnose(result),
    }
