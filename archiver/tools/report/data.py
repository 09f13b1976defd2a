"""What the report shows, gathered from the archive's records and its run summaries (runs/)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.archive.drift import (
    DEFAULT_THRESHOLDS,
    CoverageCounter,
    DriftFlag,
    DriftThresholds,
    ProfileMiss,
    SiteCoverage,
    drift_flags,
    extracted_fields,
    profile_misses,
    read_runs,
)
from archiver.archive.reader import UnreadableLines, iter_archive_records
from archiver.items import utc_iso

# Charts stay readable: the busiest sites, the latest days and runs.
MAX_SITES = 30
MAX_DAYS = 90
MAX_RUNS = 8


@dataclass
class ReportData:
    archive: str
    generated: str
    fields: tuple[str, ...]
    records: int = 0
    coverage: dict[str, SiteCoverage] = field(default_factory=dict)
    per_day: dict[str, Counter[str]] = field(default_factory=dict)
    """site -> day (YYYY-MM-DD of fetched_at) -> records."""
    runs: list[dict[str, Any]] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    not_article: Counter[str] = field(default_factory=Counter)
    """Pages skipped as not an article, by why (listing, no_body, profile_reject)."""
    drift: list[DriftFlag] = field(default_factory=list)
    profile_misses: list[ProfileMiss] = field(default_factory=list)
    """The latest run's pages whose profile no longer fit them (the generic layer answered)."""
    run_coverage: dict[str, list[tuple[str, SiteCoverage]]] = field(default_factory=dict)
    """site -> (run, its coverage) for the site's latest runs, oldest first."""
    unreadable: UnreadableLines = field(default_factory=UnreadableLines)
    """Archive lines that are not records (not UTF-8, not JSON)."""

    @property
    def sites(self) -> list[str]:
        """Sites by record count, busiest first."""
        return sorted(self.coverage, key=lambda s: (-self.coverage[s].records, s))

    @property
    def days(self) -> list[str]:
        return sorted({d for counts in self.per_day.values() for d in counts})[-MAX_DAYS:]


def _stat_sums(runs: list[dict[str, Any]], prefix: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for run in runs:
        for key, value in run.get("stats", {}).items():
            if key.startswith(prefix) and isinstance(value, int):
                total[key.removeprefix(prefix)] += value
    return total


def _run_coverage(runs: list[dict[str, Any]]) -> dict[str, list[tuple[str, SiteCoverage]]]:
    per_site: dict[str, list[tuple[str, SiteCoverage]]] = {}
    for run in runs:
        for site, data in run.get("sites", {}).items():
            cov = SiteCoverage.from_json(data)
            if cov.records:
                per_site.setdefault(site, []).append((str(run.get("run", "?")), cov))
    return {site: history[-MAX_RUNS:] for site, history in per_site.items()}


def collect(directory: Path, thresholds: DriftThresholds = DEFAULT_THRESHOLDS) -> ReportData:
    """Read every record once (coverage and per-day counts) and every run summary."""
    data = ReportData(archive=str(directory), generated=utc_iso(), fields=extracted_fields())
    counter = CoverageCounter(data.fields)
    for record in iter_archive_records(directory, data.unreadable):
        counter.note(record)
        day = str(record.get("fetched_at") or "unknown")[:10]
        data.per_day.setdefault(str(record.get("site") or "?"), Counter())[day] += 1
        data.records += 1
    data.coverage = counter.sites
    data.runs = read_runs(directory)
    data.dropped = _stat_sums(data.runs, "dropped/")
    data.failed = _stat_sums(data.runs, "failed/")
    data.skipped = _stat_sums(data.runs, "skipped/")
    data.not_article = _stat_sums(data.runs, "not_article/")
    data.drift = drift_flags(data.runs, thresholds)
    data.profile_misses = profile_misses(data.runs, thresholds.history)
    data.run_coverage = _run_coverage(data.runs)
    return data
