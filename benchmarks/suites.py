"""Extraction quality and speed on every dev set of ../shared/datasets: archiver against
trafilatura.

    python benchmarks/suites.py                          # every suite, both extractors, one table
    python benchmarks/suites.py --worst 10               # also archiver's 10 worst pages per suite
    python benchmarks/suites.py --suite aeb-dev --only archiver   # fast iteration
    python benchmarks/suites.py --json after.json --compare before.json   # what a change did

archiver is `parse_page` (profiles first, then the generic layer) with a fixed fetched_at;
trafilatura is `bare_extraction(include_comments=False, with_metadata=True)`, its answers
cached on disk (~/.cache/archiver-suites). The metrics are the datasets README's
(benchmarks/suite_metrics.py); the data sets are read in place, never copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from suite_compare import compare
from suite_data import DATASETS, SUITES, Case, Suite, suite_named
from suite_extract import (
    FETCHED_AT,
    TRAFILATURA_OPTIONS,
    TrafilaturaCache,
    run,
    trafilatura_version,
)
from suite_score import PageResult, Summary, diagnose, notes, page_record, score_page, summarise

Results = dict[str, dict[str, list[PageResult]]]
"""suite name -> extractor name -> one result per page, in the suite's page order."""


def evaluate(
    suites: Sequence[Suite], datasets: Path, with_trafilatura: bool, cache: TrafilaturaCache | None
) -> Results:
    results: Results = {}
    for suite in suites:
        started = time.monotonic()
        cases = suite.load(datasets / suite.name)
        _warn_future_truth(cases)
        predictions = run(cases, with_trafilatura, cache)
        results[suite.name] = {
            name: [score_page(suite, c, p) for c, p in zip(cases, preds, strict=True)]
            for name, preds in predictions.items()
        }
        print(
            f"{suite.name}: {len(cases)} pages in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
    return results


def _warn_future_truth(cases: Sequence[Case]) -> None:
    late = [c.id for c in cases if c.truth.date and c.truth.date[:10] > FETCHED_AT[:10]]
    if late:
        print(f"warning: truth dates after fetched_at {FETCHED_AT}: {late[:5]}", file=sys.stderr)


# -- the table ----------------------------------------------------------------------------
def _rate(right_of: tuple[int, int]) -> str:
    right, of = right_of
    return f"{100 * right / of:.1f}% ({right}/{of})" if of else "–"


def _speed(pages: int, seconds: float) -> float:
    return pages / seconds if seconds else 0.0


def _row(label: str, name: str, metric: str, s: Summary) -> str:
    exact = f"{s.body.passed}/{s.pages}" if s.body.passed is not None else "–"
    speed = f"{_speed(s.pages, s.seconds):.1f}" + ("*" if s.cached else "")
    return (
        f"| {label} | {name} | {metric} | {s.body.f1:.4f} | {s.body.precision:.4f} "
        f"| {s.body.recall:.4f} "
        f"| {exact} | {_rate(s.title)} | {_rate(s.date)} | {_rate(s.author)} | {s.not_article} "
        f"| {s.junk_authors} | {speed} |"
    )


def _total(summaries: list[Summary]) -> dict[str, Any]:
    def add(field: str) -> tuple[int, int]:
        pairs = [getattr(s, field) for s in summaries]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    return {
        "pages": sum(s.pages for s in summaries),
        "title": add("title"),
        "date": add("date"),
        "author": add("author"),
        "not_article": sum(s.not_article for s in summaries),
        "junk": sum(s.junk_authors for s in summaries),
        "seconds": sum(s.seconds for s in summaries),
        "cached": sum(s.cached for s in summaries),
    }


def print_table(
    results: Results, summaries: dict[str, dict[str, Summary]], version: str | None
) -> None:
    print(
        f"\nDev suites: archiver (parse_page, fetched_at {FETCHED_AT})"
        + (f" vs trafilatura {version} (bare_extraction, {TRAFILATURA_OPTIONS})" if version else "")
    )
    print(
        "\n| suite (pages) | extractor | body metric | F1 | P | R | exact | title | date | author "
        "| not article | junk authors | pages/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    names = list(next(iter(summaries.values())))
    for suite_name, by_extractor in summaries.items():
        metric = suite_named(suite_name).metric.name
        for i, (name, s) in enumerate(by_extractor.items()):
            label = f"{suite_name} ({s.pages})" if i == 0 else ""
            print(_row(label, name, metric if i == 0 else "", s))
    totals = {n: _total([by[n] for by in summaries.values()]) for n in names}
    for i, name in enumerate(names):
        t = totals[name]
        speed = _speed(t["pages"], t["seconds"])
        ratio = ""
        if name == "archiver" and "trafilatura" in totals:
            base = _speed(totals["trafilatura"]["pages"], totals["trafilatura"]["seconds"])
            ratio = f" ({speed / base:.2f}x)" if base else ""
        print(
            f"| {'all (' + str(t['pages']) + ')' if i == 0 else ''} | {name} | | | | | "
            f"| {_rate(t['title'])} "
            f"| {_rate(t['date'])} | {_rate(t['author'])} | {t['not_article']} | {t['junk']} "
            f"| {speed:.1f}{'*' if t['cached'] else ''}{ratio} |"
        )
    print(
        "\nbody metric: the datasets README's; exact = AEB pages whose tokens are identical, "
        "trafilatura-dev pages passing every check. title / date / author: right of the pages "
        "whose truth has one. pages/s: CPU time of the extraction call alone."
    )
    if any(t["cached"] for t in totals.values()):
        print(
            "* trafilatura's answers and CPU times from the cache (measured when it was written); "
            "--no-cache re-runs and re-times it."
        )
    print_chinese(results)
    print_verdicts(results, totals)


def print_chinese(results: Results) -> None:
    """The Chinese pages on their own: the seed's kind of page, a quarter of one suite."""
    for suite_name, by in results.items():
        scores = {
            name: summarise(suite_named(suite_name), [r for r in rows if r.case.truth.chinese])
            for name, rows in by.items()
        }
        if scores["archiver"].pages:
            print(
                f"\n{suite_name}, its {scores['archiver'].pages} Chinese pages alone: body F1 "
                + ", ".join(
                    f"{name} {s.body.f1:.3f} (P {s.body.precision:.3f}, R {s.body.recall:.3f})"
                    for name, s in scores.items()
                )
            )


def print_verdicts(results: Results, totals: dict[str, dict[str, Any]]) -> None:
    articles = sum(sum(r.case.truth.readerable for r in by["archiver"]) for by in results.values())
    count = totals["archiver"]["not_article"]
    print(
        f"\narchiver called {count} of {articles} article pages not an article "
        f"({100 * count / articles if articles else 0:.1f}%; the budget is 1%)."
    )
    for name in totals:
        empty = [r for by in results.values() for r in by[name] if r.prediction.verdict is not None]
        print(f"\n{name}: {len(empty)} empty predictions" + (":" if empty else "."))
        for r in empty:
            print(f"- {r.case.suite} {r.case.id[:24]} {r.case.url} -- {diagnose(r)}")
    by = results.get("readability-dev", {})
    unreadable = [i for i, r in enumerate(by.get("archiver", [])) if not r.case.truth.readerable]
    if unreadable:
        print(
            "\nreadability-dev pages whose truth is readerable: false "
            f"({len(unreadable)}), not counted above:"
        )
        for i in unreadable:
            verdicts = ", ".join(f"{n}: {by[n][i].prediction.verdict or 'article'}" for n in by)
            print(f"- {by['archiver'][i].case.id} -- {verdicts}")


def print_worst(results: Results, n: int) -> None:
    """The worst of the pages archiver made a record of: those it called not an article are
    listed with the table, and would fill the list on their own."""
    for suite_name, by in results.items():
        records = [r for r in by["archiver"] if r.prediction.verdict is None]
        worst = sorted(records, key=lambda r: r.rank)[:n]
        print(
            f"\narchiver's {len(worst)} worst records on {suite_name} "
            f"({len(by['archiver']) - len(records)} "
            "empty predictions listed above; "
            "rank: body score, less 0.25 per wrong title / date / author):"
        )
        tally = Counter(kind for r in by["archiver"] for kind in {kind for kind, _ in notes(r)})
        print(
            "pages per class: "
            + ", ".join(f"{kind} {count}" for kind, count in tally.most_common())
        )
        for r in worst:
            print(f"{r.rank:6.3f}  {r.case.id[:20]:<20}  {r.case.url}\n        {diagnose(r)}")


# -- per-page JSON ----------------------------------------------------------------------
def as_json(
    results: Results, summaries: dict[str, dict[str, Summary]], version: str | None
) -> dict[str, Any]:
    suites: dict[str, Any] = {}
    for suite_name, by in results.items():
        pages: dict[str, dict[str, Any]] = {r.case.id: {"url": r.case.url} for r in by["archiver"]}
        for name, rows in by.items():
            for r in rows:
                pages[r.case.id][name] = page_record(r)
        suites[suite_name] = {
            "summary": {n: asdict(s) for n, s in summaries[suite_name].items()},
            "pages": pages,
        }
    return {"fetched_at": FETCHED_AT, "trafilatura": version, "suites": suites}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--datasets", type=Path, default=DATASETS, help="the folder holding the dev sets"
    )
    parser.add_argument(
        "--suite", action="append", choices=[s.name for s in SUITES], help="only this suite"
    )
    parser.add_argument("--only", choices=["archiver"], help="archiver alone (no trafilatura)")
    parser.add_argument("--worst", type=int, default=0, help="archiver's N worst pages per suite")
    parser.add_argument("--no-cache", action="store_true", help="re-run and re-time trafilatura")
    parser.add_argument("--json", type=Path, help="write per-page results here")
    parser.add_argument(
        "--compare", type=Path, help="a --json file of an earlier run: print what changed"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    suites = [s for s in SUITES if not args.suite or s.name in args.suite]
    missing = [s.name for s in suites if not (args.datasets / s.name).is_dir()]
    if missing:
        sys.exit(
            f"no data set {', '.join(missing)} in {args.datasets} (expected ../shared/datasets "
            "beside the project; --datasets DIR points elsewhere)"
        )
    with_trafilatura = args.only != "archiver"
    version = trafilatura_version() if with_trafilatura else None
    cache = TrafilaturaCache(read=not args.no_cache) if with_trafilatura else None
    results = evaluate(suites, args.datasets, with_trafilatura, cache)
    summaries = {
        name: {n: summarise(suite_named(name), rows) for n, rows in by.items()}
        for name, by in results.items()
    }
    print_table(results, summaries, version)
    if args.worst:
        print_worst(results, args.worst)
    report = as_json(results, summaries, version)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.compare:
        print(
            "\n" + "\n".join(compare(json.loads(args.compare.read_text(encoding="utf-8")), report))
        )
    print(f"\nrun took {time.monotonic() - started:.0f} s (wall clock)", file=sys.stderr)


if __name__ == "__main__":
    main()
