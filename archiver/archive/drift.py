"""Field coverage per site and run, kept in ARCHIVE_DIR/runs/, and layout drift found from it.

A site redesign rarely breaks a crawl: the profile's TOC or date selector just stops
matching and records come out without those fields. Coverage (how many records of a site
have a value for each extracted field) is recorded per run; a field whose coverage was high
in the previous runs and is about zero in the latest one is flagged, with example URLs.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

RUNS_DIR = "runs"
EXAMPLES_PER_FIELD = 5


@cache
def record_schema() -> dict[str, Any]:
    """The committed JSON Schema, read as package data (works from a zipped Scrapyd egg too)."""
    text = resources.files("archiver").joinpath("article.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def extracted_fields(schema: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The fields extraction fills (those `field_sources` reports on), read from the schema,
    so a field added to the items is covered without a code change; without `field_sources`,
    every field that may be null or an array."""
    props = (schema or record_schema())["properties"]
    sources = props.get("field_sources", {}).get("properties")
    if sources:
        return tuple(name for name in sources if name in props)
    return tuple(
        n
        for n, node in props.items()
        if node.get("type") == "array" or "null" in node.get("type", ())
    )


def has_value(value: Any) -> bool:
    """A field counts as present unless it is null or empty ("", [], {})."""
    return value is not None and not (
        isinstance(value, str | list | tuple | dict) and len(value) == 0
    )


@dataclass
class SiteCoverage:
    """One site's records in one run: how many, how many have each field, URLs lacking each."""

    records: int = 0
    present: Counter[str] = field(default_factory=Counter)
    missing: dict[str, list[str]] = field(default_factory=dict)

    def share(self, name: str) -> float:
        return self.present[name] / self.records if self.records else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "present": dict(sorted(self.present.items())),
            "missing_examples": self.missing,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteCoverage:
        return cls(
            int(data.get("records", 0)),
            Counter(data.get("present", {})),
            dict(data.get("missing_examples", {})),
        )


class CoverageCounter:
    """Counts field coverage per site over the records of one run."""

    def __init__(
        self, fields: Iterable[str] | None = None, examples: int = EXAMPLES_PER_FIELD
    ) -> None:
        self.fields = tuple(fields) if fields is not None else extracted_fields()
        self.examples = examples
        self.sites: dict[str, SiteCoverage] = {}

    def note(self, record: Mapping[str, Any]) -> None:
        site = self.sites.setdefault(str(record.get("site") or "?"), SiteCoverage())
        site.records += 1
        for name in self.fields:
            if has_value(record.get(name)):
                site.present[name] += 1
            else:
                urls = site.missing.setdefault(name, [])
                if len(urls) < self.examples:
                    urls.append(str(record.get("url")))

    def to_json(self) -> dict[str, Any]:
        return {site: cov.to_json() for site, cov in sorted(self.sites.items())}


@dataclass(frozen=True, slots=True)
class DriftThresholds:
    before_min: float = 0.5
    """Coverage in the previous runs at or above which a field is expected."""
    now_max: float = 0.1
    """Coverage in the latest run at or below which an expected field counts as gone."""
    min_records: int = 5
    """Records a site needs in the latest run (and in the runs before) to be judged."""
    history: int = 5
    """How many of the site's previous runs to pool."""


DEFAULT_THRESHOLDS = DriftThresholds()


@dataclass(frozen=True, slots=True)
class DriftFlag:
    site: str
    field: str
    before: float
    now: float
    records: int
    run: str
    examples: tuple[str, ...]

    def message(self) -> str:
        return (
            f"Layout drift on {self.site}: {self.field} in {self.now:.0%} "
            f"of {self.records} records "
            f"(was {self.before:.0%} in earlier runs); e.g. {', '.join(self.examples) or '-'}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "field": self.field,
            "before": round(self.before, 4),
            "now": round(self.now, 4),
            "records": self.records,
            "run": self.run,
            "examples": list(self.examples),
        }


def drift_flags(
    runs: Sequence[Mapping[str, Any]],
    thresholds: DriftThresholds,
    sites: Iterable[str] | None = None,
) -> list[DriftFlag]:
    """For each site (or those given), its latest run with records against its runs before."""
    per_site: dict[str, list[tuple[str, SiteCoverage]]] = {}
    for run in runs:
        for site, data in run.get("sites", {}).items():
            cov = SiteCoverage.from_json(data)
            if cov.records:
                per_site.setdefault(site, []).append((str(run.get("run", "?")), cov))
    flags = []
    for site in sorted(sites if sites is not None else per_site):
        history = per_site.get(site, [])
        if len(history) < 2:
            continue
        run_name, latest = history[-1]
        before = SiteCoverage()
        for _name, cov in history[:-1][-thresholds.history :]:
            before.records += cov.records
            before.present.update(cov.present)
        if latest.records < thresholds.min_records or before.records < thresholds.min_records:
            continue
        for name in sorted(set(before.present) | set(latest.present)):
            was, now = before.share(name), latest.share(name)
            if was >= thresholds.before_min and now <= thresholds.now_max:
                examples = tuple(latest.missing.get(name, ())[:EXAMPLES_PER_FIELD])
                flags.append(DriftFlag(site, name, was, now, latest.records, run_name, examples))
    return flags


PROFILE_MISS = "profile_miss/"


@dataclass(frozen=True, slots=True)
class ProfileMiss:
    """Pages of a run that a profile matched but whose selectors no longer fit them (its
    `require` failed or its body selectors found no text): the generic layer answered."""

    profile: str
    pages: int
    run: str
    new: bool
    """No earlier run (of those pooled) had a miss of this profile: the template likely changed."""

    def message(self) -> str:
        since = "; none in earlier runs" if self.new else ""
        return (
            f"Profile {self.profile} missed on {self.pages} pages of run {self.run}{since}: "
            "its selectors no longer match them and the generic layer answered"
        )

    def to_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "pages": self.pages, "run": self.run, "new": self.new}


def profile_misses(
    runs: Sequence[Mapping[str, Any]], history: int = DEFAULT_THRESHOLDS.history
) -> list[ProfileMiss]:
    """The latest run's profile misses (`archiver/profile_miss/<profile>` in its stats), each
    said to be new when the runs before it (at least one) never missed with that profile."""
    if not runs:
        return []
    *before, latest = runs
    earlier = before[-history:]
    missed_before = {
        key
        for run in earlier
        for key, n in run.get("stats", {}).items()
        if key.startswith(PROFILE_MISS) and n
    }
    found = []
    for key, pages in sorted(latest.get("stats", {}).items()):
        if key.startswith(PROFILE_MISS) and isinstance(pages, int) and pages > 0:
            new = bool(earlier) and key not in missed_before
            found.append(
                ProfileMiss(key.removeprefix(PROFILE_MISS), pages, str(latest.get("run", "?")), new)
            )
    return found


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_run(archive_dir: Path, name: str, run: Mapping[str, Any]) -> Path:
    """ARCHIVE_DIR/runs/<name>.json, whole or not at all (temp file, fsync, rename)."""
    directory = archive_dir / RUNS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    # mkstemp makes it 0600; a run summary is read like the shards beside it (the report, a
    # reviewer's account), so it gets the mode a plain open() would give.
    os.fchmod(fd, 0o666 & ~current_umask())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(run, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_runs(archive_dir: Path) -> list[dict[str, Any]]:
    """Every run summary in ARCHIVE_DIR/runs/, oldest first; an unreadable one is logged and
    left out."""
    directory = archive_dir / RUNS_DIR
    runs = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("Skipped run summary %s: unreadable: %s", path, exc)
            continue
        problem = run_shape_problem(run)
        if problem is None:
            runs.append(run)
        else:
            logger.warning("Skipped run summary %s: %s", path, problem)
    return sorted(runs, key=lambda r: (str(r.get("started", "")), str(r.get("run", ""))))


def run_shape_problem(run: Any) -> str | None:
    """What keeps a run summary from being read as `CrawlSummary.run_summary` writes it
    (a hand-edited or foreign file), else None."""
    if not isinstance(run, dict):
        return "not a JSON object"
    if not _counts(run.get("stats", {})):
        return "'stats' is not an object of counts"
    if not isinstance(run.get("pages_seen", 0), int) or not isinstance(run.get("drift", []), list):
        return "'pages_seen' is not a number or 'drift' not a list"
    sites = run.get("sites", {})
    if not isinstance(sites, dict):
        return "'sites' is not an object"
    for site, data in sites.items():
        if not (
            isinstance(data, dict)
            and isinstance(data.get("records", 0), int)
            and _counts(data.get("present", {}))
            and _url_lists(data.get("missing_examples", {}))
        ):
            return (
                f"site {site!r} is not {{records: int, present: {{field: int}}, "
                "missing_examples: {field: [url]}}"
            )
    return None


def _counts(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, int) for v in value.values())


def _url_lists(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())
