"""Run summaries, layout drift (unit and across two real crawls), and the HTML report in
Chromium."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SITE, run_crawl

from archiver.archive.drift import (
    CoverageCounter,
    DriftThresholds,
    drift_flags,
    extracted_fields,
    read_runs,
)
from archiver.crawl.fixture_site import StaticSite

CHROMIUM = "/usr/bin/chromium"
# What a redesign does to the fixture pages: the date and author are gone from where the
# profile looks (removed outright: a renamed class alone may still be found by the generic layer).
REDESIGN = re.compile(rb'<span class="(?:date|author)">.*?</span>', re.DOTALL)


def run(name: str, site: str, records: int, present: dict[str, int]) -> dict:
    missing = {f: [f"https://{site}/{i}" for i in range(3)] for f in present}
    return {
        "run": name,
        "started": name,
        "sites": {site: {"records": records, "present": present, "missing_examples": missing}},
    }


def test_a_field_that_goes_missing_is_flagged_with_examples() -> None:
    th = DriftThresholds(min_records=5)
    runs = [
        run("1", "a.test", 10, {"toc": 9, "author": 10}),
        run("2", "a.test", 10, {"toc": 8, "author": 10}),
        run("3", "a.test", 8, {"toc": 0, "author": 8}),
    ]
    [flag] = drift_flags(runs, th)
    assert (flag.site, flag.field, flag.records, flag.run) == ("a.test", "toc", 8, "3")
    assert flag.before == pytest.approx(17 / 20) and flag.now == 0
    assert flag.examples == ("https://a.test/0", "https://a.test/1", "https://a.test/2")
    assert (
        "Layout drift on a.test: toc in 0% of 8 records (was 85% in earlier runs)" in flag.message()
    )


def test_no_flag_without_history_enough_records_or_a_real_drop() -> None:
    th = DriftThresholds(min_records=5)
    assert drift_flags([run("1", "a.test", 10, {"toc": 10})], th) == []
    assert (
        drift_flags([run("1", "a.test", 10, {"toc": 10}), run("2", "a.test", 3, {"toc": 0})], th)
        == []
    )
    assert (
        drift_flags([run("1", "a.test", 10, {"toc": 4}), run("2", "a.test", 10, {"toc": 0})], th)
        == []
    )
    assert (
        drift_flags([run("1", "a.test", 10, {"toc": 10}), run("2", "a.test", 10, {"toc": 6})], th)
        == []
    )
    # Another site's history does not count.
    assert (
        drift_flags([run("1", "b.test", 10, {"toc": 10}), run("2", "a.test", 10, {"toc": 0})], th)
        == []
    )


def test_coverage_fields_come_from_the_schema() -> None:
    schema = {
        "properties": {
            "url": {"type": "string"},
            "new_field": {"type": ["string", "null"]},
            "field_sources": {"type": "object", "properties": {"new_field": {}, "gone": {}}},
        }
    }
    assert extracted_fields(schema) == ("new_field",)
    assert "toc" in extracted_fields() and "published" in extracted_fields()
    counter = CoverageCounter(("toc", "author"), examples=1)
    counter.note({"site": "s", "url": "u1", "toc": [], "author": "x"})
    counter.note({"site": "s", "url": "u2", "toc": [{"level": 1}], "author": None})
    assert counter.to_json() == {
        "s": {
            "records": 2,
            "present": {"author": 1, "toc": 1},
            "missing_examples": {"toc": ["u1"], "author": ["u2"]},
        }
    }


@pytest.fixture(scope="module")
def drifted_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """Two real crawls of one site into one archive; the site is "redesigned" in between."""
    tmp = tmp_path_factory.mktemp("drift")
    site_dir = tmp / "site"
    shutil.copytree(SITE, site_dir)
    archive = tmp / "archive"
    with StaticSite(site_dir) as site:
        first = run_crawl(archive, "-a", f"start_url={site.url}")
        assert first.returncode == 0, first.stderr[-3000:]
        for page in (site_dir / "news").glob("*.html"):
            page.write_bytes(REDESIGN.sub(b"", page.read_bytes()))
        # A fresh crawl state, so the same articles are fetched and archived again.
        second = run_crawl(
            archive, "-a", f"start_url={site.url}", "-s", f"STATE_DIR={tmp / 'state2'}"
        )
        assert second.returncode == 0, second.stderr[-3000:]
    yield archive, second.stderr, site.url


def test_crawl_end_warns_of_drift_and_keeps_run_summaries(
    drifted_archive: tuple[Path, str, str],
) -> None:
    archive, stderr, url = drifted_archive
    warnings = [line for line in stderr.splitlines() if "WARNING: Layout drift" in line]
    assert len(warnings) == 2, stderr[-3000:]
    assert (
        "author in 0% of 14 records (was 100% in earlier runs); e.g. " + url + "news/"
        in warnings[0]
    )
    assert "published in 0% of 14 records" in warnings[1]
    runs = read_runs(archive)
    assert [len(r["drift"]) for r in runs] == [0, 2]
    assert runs[0]["stats"]["archived"] == 14 and runs[0]["stats"]["skipped/not_article"] == 1
    site = url.split("/")[2]
    assert (
        runs[1]["sites"][site]["present"]["toc"] == 7
        and "author" not in runs[1]["sites"][site]["present"]
    )
    assert not list((archive / "runs").glob("*.tmp"))


@pytest.fixture(scope="module")
def report(drifted_archive: tuple[Path, str, str]) -> tuple[Path, str]:
    archive, _stderr, _url = drifted_archive
    out = archive.parent / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "archiver", "report", str(archive), "-o", str(out)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "28 records, 1 sites, 2 runs, 2 drift warnings" in proc.stdout
    return out, out.read_text(encoding="utf-8")


def test_report_is_self_contained_and_names_drift(
    report: tuple[Path, str], drifted_archive: tuple[Path, str, str]
) -> None:
    _out, html = report
    url = drifted_archive[2]
    # Nothing to fetch: no script or stylesheet URL, no image, no CSS url(); links only in <a>.
    assert not re.search(r"<(script|link|img|iframe)\b|url\(|@import", html)
    assert set(re.findall(r'\b(?:src|href)="([^"]+)"', html)) <= {
        f"{url}news/{n}" for n in (p.name for p in (SITE / "news").glob("*.html"))
    }
    assert html.count("<svg") >= 4
    for text in (
        "Layout drift",
        "<code>author</code> in 0% of 14 records",
        "<code>published</code>",
        f'<a href="{url}news/2024092701.html">',
        "not_article",
        "Coverage by run",
    ):
        assert text in html


def _paeth_row(line: bytearray, prev: bytes, bpp: int, average: bool) -> None:
    for i in range(len(line)):
        a, b = line[i - bpp] if i >= bpp else 0, prev[i]
        if average:
            line[i] = (line[i] + (a + b) // 2) & 0xFF
            continue
        c = prev[i - bpp] if i >= bpp else 0
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF


def png_rgb(path: Path) -> np.ndarray:
    """An 8-bit RGB(A) non-interlaced PNG (what Chromium writes) as a height x width x 3 array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += chunk if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color_type, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color_type in (2, 6) and interlace == 0
    bpp = 3 if color_type == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width * bpp + 1)
    out = np.zeros((height, width * bpp), np.uint8)
    prev = np.zeros(width * bpp, np.uint8)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:]
        if kind == 0:
            row = line.copy()
        elif kind == 1:  # Sub: a running sum along each channel
            row = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up
            row = line + prev
        else:  # Average, Paeth: each byte needs the one decoded left of it
            buf = bytearray(line.tobytes())
            _paeth_row(buf, prev.tobytes(), bpp, average=kind == 3)
            row = np.frombuffer(bytes(buf), np.uint8)
        out[y], prev = row, row
    return out.reshape(height, width, bpp)[:, :, :3]


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install chromium; .ci/run does it)")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=90)


def test_report_renders_its_charts_in_chromium(report: tuple[Path, str], tmp_path: Path) -> None:
    out, html = report
    # A copy that measures every chart bar as laid out, into the DOM that --dump-dom prints.
    probe = tmp_path / "probe.html"
    probe.write_text(
        html.replace(
            "</body>",
            "<script>const r=[...document.querySelectorAll('svg.chart rect.bar')]"
            ".map(e=>e.getBoundingClientRect());const p=document.createElement('pre');p.id='m';"
            "p.textContent=JSON.stringify(r.map(b=>[b.width,b.height]));"
            "document.body.appendChild(p);</script></body>",
        ),
        encoding="utf-8",
    )
    dom = _chromium(tmp_path, "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    sizes = json.loads(re.search(r'<pre id="m">(.*?)</pre>', dom.stdout).group(1))  # type: ignore[union-attr]
    drawn = [w for w, h in sizes if w > 0 and h > 0]
    assert len(drawn) == len(sizes) == html.count('class="bar"') >= 14
    shot = tmp_path / "report.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", out.as_uri())
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    pixels = png_rgb(shot)
    assert pixels.shape == (2000, 1200, 3)
    count = lambda hex_rgb: int(
        np.all(pixels == np.frombuffer(bytes.fromhex(hex_rgb), np.uint8), axis=2).sum()
    )
    # Blue bars and the red drift bars were painted, not just a white page and text.
    assert count("4e79a7") > 5000 and count("d62728") > 1000
