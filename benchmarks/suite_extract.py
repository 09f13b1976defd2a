"""The two extractors as the suites see them, timed in CPU seconds; trafilatura's answers cached.

archiver is `parse_page`, the product path (profiles first, then the generic layer);
trafilatura is `bare_extraction(include_comments=False, with_metadata=True)`. Both give a
`Prediction`: a page called not an article (or refused, or given no result) is an empty body
with its `verdict`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from suite_data import Case

# The pages are old: the newest date in any truth and in any page's own metadata
# (published / modified, all four sets) is 2024-06-25. A fetch time just after it makes
# no true date impossible, and keeps "after fetched_at" meaning what it means in a crawl.
FETCHED_AT = "2024-07-01T00:00:00Z"
TRAFILATURA_OPTIONS = "include_comments=False, with_metadata=True"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "archiver-suites"
WARM_UP = (
    b"<html><head><title>t</title></head><body><h1>t</h1><p>"
    + b"Warm up, once. " * 40
    + b"</p></body></html>"
)


@dataclass(frozen=True, slots=True)
class Prediction:
    body: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    verdict: str | None = None
    """None for an article; else why the body is empty (not_article, a refusal, no result)."""
    extractor: str = ""
    """archiver: the profile that gave the body, or `generic`."""
    sources: dict[str, str | None] = field(default_factory=dict)
    """archiver's `field_sources`: which layer gave each field."""
    seconds: float = 0.0
    """CPU seconds of the extraction call alone."""
    cached: bool = False


Extractor = Callable[[Case], Prediction]


def _cpu(call: Callable[[], object]) -> tuple[object, float]:
    start = time.process_time()
    out = call()
    return out, time.process_time() - start


# -- archiver -------------------------------------------------------------------------
def archiver(case: Case) -> Prediction:
    from archiver.extract import parse_page

    result, seconds = _cpu(lambda: parse_page(case.html, case.url, fetched_at=FETCHED_AT))
    article = result.article  # type: ignore[attr-defined]
    if article is None:
        # `not_article (listing)`: the page object's own why; a profile that missed says so too.
        missed = f", profile {result.profile} missed" if result.profile_missed else ""  # type: ignore[attr-defined]
        return Prediction(
            "",
            verdict=result.message + missed,  # type: ignore[attr-defined]
            extractor=result.extractor,
            seconds=seconds,
        )  # type: ignore[attr-defined]
    return Prediction(
        article.body,
        article.title,
        article.published,
        article.author,
        None,
        article.extractor,
        asdict(article.field_sources),
        seconds,
    )


# -- trafilatura ----------------------------------------------------------------------
def trafilatura_version() -> str:
    import trafilatura

    return str(trafilatura.__version__)


def trafilatura(case: Case) -> Prediction:
    import trafilatura

    try:
        doc, seconds = _cpu(
            lambda: trafilatura.bare_extraction(
                case.html, url=case.url, include_comments=False, with_metadata=True
            )
        )
    except Exception as error:  # noqa: BLE001 - its failure is an empty prediction, as archiver's
        return Prediction("", verdict=f"error: {type(error).__name__}")
    if doc is None:
        return Prediction("", verdict="no result", seconds=seconds)
    return Prediction(
        doc.text or "",
        doc.title,
        doc.date,
        doc.author,
        None,  # type: ignore[attr-defined]
        seconds=seconds,
    )


class TrafilaturaCache:
    """trafilatura's answers on disk, keyed by its version, its options, the URL and the bytes:
    it never changes while archiver is tuned, and it is the slower half of a run."""

    def __init__(self, folder: Path = CACHE, read: bool = True) -> None:
        self.folder = folder / trafilatura_version()
        self.read = read
        """False: run trafilatura on every page (real timing) and refresh what is stored."""

    def _path(self, case: Case) -> Path:
        key = hashlib.sha256(json.dumps([TRAFILATURA_OPTIONS, case.url]).encode() + case.html)
        return self.folder / f"{key.hexdigest()}.json"

    def get(self, case: Case) -> Prediction | None:
        if not self.read:
            return None
        try:
            stored = json.loads(self._path(case).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return replace(Prediction(**stored), cached=True)

    def put(self, case: Case, prediction: Prediction) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(case)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(prediction), ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)  # atomic: two runs at once never read half a file


# -- running --------------------------------------------------------------------------
def run(
    cases: Sequence[Case],
    with_trafilatura: bool,
    cache: TrafilaturaCache | None,
    progress: Callable[[int], None] = lambda done: None,
) -> dict[str, list[Prediction]]:
    """Both extractors on every page, interleaved page by page so that a shared machine's
    load falls on both alike; imports and first-call set-up are done on a tiny page first."""
    warm = Case("", "", "https://example.com/warm-up", WARM_UP, cases[0].truth) if cases else None
    out: dict[str, list[Prediction]] = {"archiver": []}
    if warm:
        archiver(warm)
    if with_trafilatura:
        out["trafilatura"] = []
        if warm:
            trafilatura(warm)
    for done, case in enumerate(cases, 1):
        out["archiver"].append(archiver(case))
        if with_trafilatura:
            out["trafilatura"].append(_cached_trafilatura(case, cache))
        progress(done)
    return out


def _cached_trafilatura(case: Case, cache: TrafilaturaCache | None) -> Prediction:
    if cache is not None and (hit := cache.get(case)) is not None:
        return hit
    prediction = trafilatura(case)
    if cache is not None:
        cache.put(case, prediction)
    return prediction
