"""The dev sets of ../shared/datasets, read in place: one `Case` per page, with its truth.

Each set's layout and truth format are in its README (and the folder's README.md); this
module only maps them onto one shape, so the scoring never asks which suite a page came from
except for the body metric.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suite_metrics import AebMetric, BodyMetric, ChecksMetric, MeanOfPages

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


@dataclass(frozen=True, slots=True)
class Truth:
    body: str | None = None
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    title: str | None = None
    date: str | None = None
    author: str | None = None
    readerable: bool = True
    """False for readability's pages its reader view would not offer: not counted as articles."""
    chinese: bool = False
    """magic-html's `lang: zh` pages, also scored on their own."""


@dataclass(frozen=True, slots=True)
class Case:
    suite: str
    id: str
    url: str
    html: bytes
    truth: Truth


def _html(folder: Path, name: str) -> bytes:
    return gzip.decompress((folder / "html" / f"{name}.gz").read_bytes())


def _or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _aeb(folder: Path) -> list[Case]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Case(
            folder.name,
            key,
            entry["url"],
            _html(folder, f"{key}.html"),
            Truth(body=entry["articleBody"]),
        )
        for key, entry in sorted(truth.items())
    ]


def _truth_json(folder: Path, truth_of: Callable[[dict[str, Any]], Truth]) -> list[Case]:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return [
        Case(folder.name, name, entry["url"], _html(folder, name), truth_of(entry))
        for name, entry in sorted(truth.items())
    ]


def _magic_html(entry: dict[str, Any]) -> Truth:
    return Truth(body=entry["text"], chinese=entry.get("lang") == "zh")


def _readability(entry: dict[str, Any]) -> Truth:
    meta = entry["meta"]
    return Truth(
        body=entry["text"],
        title=_or_none(meta.get("title")),
        author=_or_none(meta.get("byline")),
        date=_or_none(meta.get("publishedTime")),
        readerable=meta.get("readerable") is not False,
    )


def _trafilatura(entry: dict[str, Any]) -> Truth:
    return Truth(
        with_=tuple(entry["with"]),
        without=tuple(entry["without"]),
        title=_or_none(entry.get("title")),
        author=_or_none(entry.get("author")),
        date=_or_none(entry.get("date")),
    )


@dataclass(frozen=True, slots=True)
class Suite:
    name: str
    metric: BodyMetric
    load: Callable[[Path], list[Case]]


SUITES = (
    Suite("aeb-dev", AebMetric(), _aeb),
    Suite("magic-html-dev", MeanOfPages(), lambda folder: _truth_json(folder, _magic_html)),
    Suite("trafilatura-dev", ChecksMetric(), lambda folder: _truth_json(folder, _trafilatura)),
    Suite("readability-dev", MeanOfPages(), lambda folder: _truth_json(folder, _readability)),
)


def suite_named(name: str) -> Suite:
    for suite in SUITES:
        if suite.name == name:
            return suite
    raise KeyError(name)
