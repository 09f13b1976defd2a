"""What changed between two runs of suites.py (their --json files): per suite, archiver's
summary deltas, then the pages that got worse and those that got better."""

from __future__ import annotations

from typing import Any

FIELDS = ("title_ok", "date_ok", "author_ok")
EPSILON = 1e-6


def _pct(pair: list[int]) -> float | None:
    right, of = pair
    return 100 * right / of if of else None


def _delta(label: str, old: float | None, new: float | None, digits: int = 3) -> str | None:
    if old is None or new is None:
        return None
    change = new - old
    mark = "" if abs(change) < 10**-digits / 2 else f" ({change:+.{digits}f})"
    return f"{label} {old:.{digits}f} -> {new:.{digits}f}{mark}"


def summary_deltas(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = [
        _delta("F1", old["body"]["f1"], new["body"]["f1"]),
        _delta("P", old["body"]["precision"], new["body"]["precision"]),
        _delta("R", old["body"]["recall"], new["body"]["recall"]),
        *(
            _delta(f"{field} %", _pct(old[field]), _pct(new[field]), 1)
            for field in ("title", "date", "author")
        ),
        _delta("not article", old["not_article"], new["not_article"], 0),
        _delta("junk authors", old["junk_authors"], new["junk_authors"], 0),
    ]
    if old["body"]["passed"] is not None and new["body"]["passed"] is not None:
        parts.append(_delta("exact", old["body"]["passed"], new["body"]["passed"], 0))
    return "; ".join(p for p in parts if p)


def page_change(old: dict[str, Any], new: dict[str, Any]) -> int:
    """-1 worse, +1 better, 0 neither (or both at once: a mix counts as worse, to be looked at)."""
    worse = new["score"] < old["score"] - EPSILON or any(
        old[f] is True and new[f] is False for f in FIELDS
    )
    worse = worse or (old["verdict"] is None and new["verdict"] is not None)
    better = new["score"] > old["score"] + EPSILON or any(
        old[f] is False and new[f] is True for f in FIELDS
    )
    better = better or (old["verdict"] is not None and new["verdict"] is None)
    return -1 if worse else 1 if better else 0


def _fields(record: dict[str, Any]) -> str:
    marks = {True: "ok", False: "wrong", None: "-"}
    return " ".join(f"{f[:-3]} {marks[record[f]]}" for f in FIELDS)


def _line(page_id: str, url: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    return (
        f"  {page_id[:20]:<20} {url}\n      score {old['score']:.3f} -> {new['score']:.3f}; "
        f"{_fields(old)} -> {_fields(new)}\n      now: {new['diagnosis']}"
    )


def compare(old: dict[str, Any], new: dict[str, Any], extractor: str = "archiver") -> list[str]:
    lines = [
        (
            f"Compared with the earlier run (fetched_at {old.get('fetched_at')}; "
            f"now {new.get('fetched_at')}):"
        )
    ]
    for name, suite in new["suites"].items():
        before = old["suites"].get(name)
        if before is None or extractor not in before["summary"]:
            lines.append(f"\n{name}: not in the earlier run")
            continue
        lines.append(
            f"\n{name}: {summary_deltas(before['summary'][extractor], suite['summary'][extractor])}"
        )
        changes: dict[int, list[str]] = {-1: [], 1: []}
        silent = 0
        for page_id, page in suite["pages"].items():
            earlier = before["pages"].get(page_id, {}).get(extractor)
            if earlier is None:
                continue
            change = page_change(earlier, page[extractor])
            if change:
                changes[change].append(_line(page_id, page["url"], earlier, page[extractor]))
            silent += not change and earlier["body_sha1"] != page[extractor]["body_sha1"]
        lines.append(
            f" worse: {len(changes[-1])} pages, better: {len(changes[1])}, "
            f"body changed with the same score: {silent}"
        )
        for change, label in ((-1, "worse"), (1, "better")):
            if changes[change]:
                lines.append(f" {label}:")
                lines.extend(changes[change])
    return lines
