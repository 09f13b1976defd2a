"""`python -m archiver report`: one self-contained HTML page about an archive."""

from __future__ import annotations

import os
from pathlib import Path

from archiver.archive.drift import DEFAULT_THRESHOLDS, DriftThresholds
from archiver.tools.report.data import ReportData, collect
from archiver.tools.report.page import render

__all__ = ["ReportData", "collect", "render", "write_report"]


def write_report(
    directory: Path, out: Path, thresholds: DriftThresholds = DEFAULT_THRESHOLDS
) -> ReportData:
    """Collect and render; the page gets its name only once written whole."""
    data = collect(directory, thresholds)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render(data), encoding="utf-8")
    os.replace(tmp, out)
    return data
