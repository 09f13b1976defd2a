"""Article-body extraction quality on aeb-dev, archiver against trafilatura, one table.

    python benchmarks/aeb.py                     # every extractor, every page, one run
    python benchmarks/aeb.py --worst 10          # also list archiver's ten worst pages

The data set is read from ../shared/datasets/aeb-dev relative to the project (as laid out
for developers and CI) and never copied into the project. Its README defines the metric,
implemented here: `\\w+` tokens, 4-token shingles counted as multisets, per-page tp/fp/fn
normalised to sum 1, precision and recall averaged over pages, F1 from the two means,
accuracy = share of pages whose token lists are identical.

A third table times the template profiles on their own fixture pages (CSDN mirror, CSDN
blog, cnblogs, WordPress), where the speed target is 10x trafilatura.

A second table scores the Chinese generic fixtures (fixtures/generic/*.html whose golden
body is Chinese) on character 4-grams, where `\\w+` would make a whole sentence one token.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "datasets" / "aeb-dev"
GENERIC_FIXTURES = ROOT / "fixtures" / "generic"
FETCHED_AT = "2024-09-30T08:00:00Z"
_TOKEN = re.compile(r"\w+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

Extractor = Callable[[bytes, str], str]


# -- the metric -------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


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


@dataclass(frozen=True, slots=True)
class Score:
    f1: float
    precision: float
    recall: float
    accuracy: float


def score(pairs: Iterable[tuple[str, str]], unit: Callable[[str], Sequence[str]] = tokens) -> Score:
    """Score (truth, prediction) pairs; `unit` splits a text into the items shingled."""
    precisions: list[float] = []
    recalls: list[float] = []
    exact = pages = 0
    for truth_text, predicted_text in pairs:
        pages += 1
        truth_items, predicted_items = unit(truth_text), unit(predicted_text)
        exact += truth_items == predicted_items
        tp, fp, fn = page_counts(shingles(truth_items), shingles(predicted_items))
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        elif fn == 0:
            precisions.append(1.0)
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
        elif fp == 0:
            recalls.append(1.0)
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1, precision, recall, exact / pages if pages else 0.0)


def chars(text: str) -> list[str]:
    """Characters without whitespace: the unit for Chinese, where words are not spaced."""
    return [c for c in text if not c.isspace()]


# -- the extractors ---------------------------------------------------------------
def archiver_generic(html: bytes, url: str) -> str:
    """The generic layer alone: the page object with no profile."""
    from archiver.extract.document import Document
    from archiver.extract.pages import ArticlePage

    page = ArticlePage(Document.parse(html, url, FETCHED_AT), None)
    return page.body if page.is_article else ""


def archiver_parse(html: bytes, url: str) -> str:
    """What a crawl archives: parse_article, profiles first."""
    from archiver import parse_article

    article = parse_article(html, url, fetched_at=FETCHED_AT)
    return article.body if article else ""


def trafilatura_default(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def trafilatura_precision(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, favor_precision=True) or ""


EXTRACTORS: dict[str, Extractor] = {
    "archiver (generic layer)": archiver_generic,
    "archiver (parse_article)": archiver_parse,
    "trafilatura": trafilatura_default,
    "trafilatura favor_precision": trafilatura_precision,
}


# -- running ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    html: bytes
    truth: str


def load_aeb(dataset: Path = DATASET) -> list[Page]:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            key,
            entry["url"],
            gzip.decompress((dataset / "html" / f"{key}.html.gz").read_bytes()),
            entry["articleBody"],
        )
        for key, entry in sorted(truth.items())
    ]


def load_chinese_fixtures(folder: Path = GENERIC_FIXTURES) -> list[Page]:
    """Generic fixtures whose golden body is Chinese, scored against that body."""
    pages = []
    for golden in sorted(folder.glob("*.article.json")):
        record = json.loads(golden.read_text(encoding="utf-8"))
        if record["expected"] is None:
            continue
        body = record["expected"]["body"]
        # Code blocks are ASCII: a page counts as Chinese from a fifth of its characters.
        if len(_CJK.findall(body)) * 5 < len(chars(body)):
            continue
        html = golden.with_name(golden.name.removesuffix(".article.json") + ".html").read_bytes()
        pages.append(Page(golden.stem.removesuffix(".article"), record["input"]["url"], html, body))
    return pages


PROFILE_FIXTURES = ("site", "csdn-blog", "cnblogs", "wordpress")


def load_profile_fixtures(root: Path = ROOT / "fixtures") -> list[Page]:
    """The article pages of the template profiles' fixtures, against their golden body."""
    pages = []
    for folder in PROFILE_FIXTURES:
        for golden in sorted((root / folder).rglob("*.article.json")):
            record = json.loads(golden.read_text(encoding="utf-8"))
            if record["expected"] is None or record["expected"]["extractor"] == "generic":
                continue
            html = golden.with_name(golden.name.removesuffix(".article.json") + ".html").read_bytes()
            pages.append(Page(f"{folder}/{golden.stem.removesuffix('.article')}", record["input"]["url"], html,
                              record["expected"]["body"]))
    return pages


WARM_UP = (
    b"<html><head><title>t</title></head><body><h1>t</h1><p>"
    + b"Warm up, once. " * 40
    + b"</p></body></html>"
)


def run(
    chosen: dict[str, Extractor], pages: list[Page], repeat: int = 1
) -> dict[str, tuple[list[str], float]]:
    """Every extractor on every page, interleaved page by page so that the load of a shared
    machine falls on all of them alike. Time is CPU time (all of them are single-threaded
    and do no I/O), so other processes on the machine do not count; a page's time is its
    fastest of `repeat` runs."""
    for extract in chosen.values():
        extract(WARM_UP, "https://example.com/warm-up")  # imports and first-call set-up
    outputs: dict[str, list[str]] = {name: [] for name in chosen}
    seconds = dict.fromkeys(chosen, 0.0)
    for page in pages:
        for name, extract in chosen.items():
            best = float("inf")
            for _ in range(repeat):
                start = time.process_time()
                out = extract(page.html, page.url)
                best = min(best, time.process_time() - start)
            outputs[name].append(out)
            seconds[name] += best
    return {name: (outputs[name], seconds[name]) for name in chosen}


def print_table(title: str, rows: list[tuple[str, Score, float]]) -> None:
    print(f"\n{title}")
    print(
        f"| {'extractor':<28} | {'F1':>6} | {'precision':>9} | {'recall':>6} | {'accuracy':>8} | {'pages/s':>7} |"
    )
    print(f"|{'-' * 30}|{'-' * 8}|{'-' * 11}|{'-' * 8}|{'-' * 10}|{'-' * 9}|")
    for name, s, rate in rows:
        print(
            f"| {name:<28} | {s.f1:6.4f} | {s.precision:9.4f} | {s.recall:6.4f} | {s.accuracy:8.4f} | {rate:7.1f} |"
        )


def page_f1(truth: str, predicted: str, unit: Callable[[str], Sequence[str]] = tokens) -> float:
    return score([(truth, predicted)], unit).f1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument(
        "--only", action="append", help="run only extractors whose name contains this"
    )
    parser.add_argument("--worst", type=int, default=0, help="list archiver's N worst pages")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each page N times, keep the fastest"
    )
    args = parser.parse_args(argv)
    if not (args.dataset / "ground-truth.json").exists():
        sys.exit(
            f"no data set at {args.dataset} (expected ../shared/datasets/aeb-dev beside the project)"
        )
    chosen = {
        n: f for n, f in EXTRACTORS.items() if not args.only or any(o in n for o in args.only)
    }
    pages = load_aeb(args.dataset)
    results = run(chosen, pages, args.repeat)
    outputs = {name: out for name, (out, _) in results.items()}
    rows = [
        (name, score(zip((p.truth for p in pages), out, strict=True)), len(pages) / seconds)
        for name, (out, seconds) in results.items()
    ]
    print_table(f"aeb-dev: {len(pages)} pages, \\w+ tokens, 4-token shingles", rows)
    chinese = load_chinese_fixtures()
    if chinese:
        print_chinese(chinese, chosen)
    profiled = load_profile_fixtures()
    if profiled:
        results = run(chosen, profiled, repeat=5)
        print_table(
            f"Template profile pages (fixtures of {', '.join(PROFILE_FIXTURES)}): {len(profiled)} pages, "
            "character 4-grams against the golden body, fastest of 5 runs",
            [(name, score(zip((p.truth for p in profiled), out, strict=True), chars), len(profiled) / seconds)
             for name, (out, seconds) in results.items()],
        )
    first = next(iter(outputs), None)
    if args.worst and first:
        worst = sorted(
            zip(pages, outputs[first], strict=True), key=lambda po: page_f1(po[0].truth, po[1])
        )
        print(f"\n{first}: worst pages")
        for page, out in worst[: args.worst]:
            print(f"{page_f1(page.truth, out):.3f}  {page.id[:12]}  {page.url}")


def print_chinese(pages: list[Page], chosen: dict[str, Extractor]) -> None:
    results = run(chosen, pages)
    rows = [
        (name, score(zip((p.truth for p in pages), out, strict=True), chars), len(pages) / seconds)
        for name, (out, seconds) in results.items()
    ]
    print_table(
        f"Chinese generic fixtures: {len(pages)} pages, character 4-grams against the golden body",
        rows,
    )
    names = list(results)
    print("\n| page | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for i, page in enumerate(pages):
        cells = (f"{page_f1(page.truth, results[n][0][i], chars):.4f}" for n in names)
        print(f"| {page.id} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
