"""Honest exits: the real commands, run as a user runs them, against loopback servers and
tmp dirs. A crawl that did not do its job exits non-zero; a bad setting, path or profile is
one line naming it and exit status 2, before anything starts; never a traceback."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, crawl_stats, run_crawl
from loopback import Route, RoutedSite

from archiver.crawl.exits import CrawlExit

sys.path.insert(0, str(ROOT / "benchmarks"))
from sitegen import article_html

FAST = ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=0")


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-3000:]
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def four_articles(statuses: dict[int, int]) -> Route:
    """Listing `/` of four articles; `/a/N.html` answers `statuses.get(N, 200)`."""
    links = "".join(f'<li><a href="/a/{n}.html">第{n}篇文章的标题</a></li>' for n in range(1, 5))
    html = "text/html; charset=utf-8"

    def answer(path: str) -> tuple[int, str, bytes] | None:
        if path == "/":
            return 200, html, f"<html><body><ul>{links}</ul></body></html>".encode()
        if not path.startswith("/a/"):
            return None
        n = int(path[3:].split(".")[0])
        status = statuses.get(n, 200)
        return (
            status,
            html,
            article_html(n, random.Random(n), 4).encode() if status == 200 else b"no",
        )

    return answer


@pytest.fixture()
def site_factory(serve: Callable[..., RoutedSite]) -> Callable[..., RoutedSite]:
    return lambda statuses, delay=0.0: serve(four_articles(statuses), delay)


# -- the crawl's exit status ---------------------------------------------------


def test_an_unreachable_start_url_exits_1_in_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    proc = run_crawl(tmp_path / "archive", "-a", f"start_url={url}", *FAST)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    [verdict] = [line for line in proc.stderr.splitlines() if "Crawl failed" in line]
    assert f"no start URL could be fetched ({url})" in verdict


def test_a_healthy_crawl_exits_0(site_factory, tmp_path: Path) -> None:
    site = site_factory({})
    proc = run_crawl(tmp_path / "archive", "-a", f"start_url={site.url}", *FAST)
    assert proc.returncode == 0 and "Crawl failed" not in proc.stderr
    assert crawl_stats(proc.stderr)["archiver/archived"] == 4


def test_more_failed_pages_than_the_ratio_exit_1(site_factory, tmp_path: Path) -> None:
    site = site_factory({2: 404, 3: 500, 4: 404})
    proc = run_crawl(tmp_path / "a1", "-a", f"start_url={site.url}", *FAST)
    # robots.txt, the listing and one article answered; three articles failed: 3 of 6.
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (
        "Crawl failed: 3 of 6 pages failed, more than CRAWL_MAX_FAILED_RATIO (0.25)" in proc.stderr
    )
    tolerant = run_crawl(
        tmp_path / "a2", "-a", f"start_url={site.url}", *FAST, "-s", "CRAWL_MAX_FAILED_RATIO=0.5"
    )
    assert tolerant.returncode == 0


def test_a_close_reason_that_means_failure_exits_1(site_factory, tmp_path: Path) -> None:
    site = site_factory({}, delay=0.3)
    memory = (
        "-s",
        "MEMUSAGE_ENABLED=1",
        "-s",
        "MEMUSAGE_LIMIT_MB=1",
        "-s",
        "MEMUSAGE_CHECK_INTERVAL_SECONDS=0.2",
    )
    proc = run_crawl(tmp_path / "archive", "-a", f"start_url={site.url}", *FAST, *memory)
    assert proc.returncode == 1
    assert "Crawl failed: it stopped early (memusage_exceeded)" in proc.stderr


@pytest.mark.parametrize(
    "reason, failed",
    [
        ("finished", False),
        ("shutdown", False),
        ("closespider_pagecount", False),
        ("archive_write_failed", True),
        ("memusage_exceeded", True),
        ("cancelled", True),
    ],
)
def test_close_reasons(reason: str, failed: bool) -> None:
    verdict = CrawlExit.__new__(CrawlExit)
    verdict.starts_answered, verdict.max_failed_ratio = 1, 0.25
    problem = verdict.judge(object(), reason, {})
    assert (problem is not None) == failed
    assert problem is None or reason in problem


# -- before the crawl: settings, paths, profiles, a busy state -------------------


@pytest.mark.parametrize(
    "setting",
    [
        "NEARDUP_POLICY=dorp",
        "NEARDUP_THRESHOLD=2",
        "CONCURRENT_REQUESTS=many",
        "DOWNLOAD_TIMEOUT=soon",
        "ARCHIVE_GZIP=maybe",
        "TRAP_MAX_SITEMAPS=-1",
        "CRAWL_MAX_FAILED_RATIO=2",
        "STATE_TAKE_BATCH=0",
        "ARCHIVER_ALLOWED_PRIVATE_HOSTS=10.0.0.0/99",
        "ARCHIVER_ALLOWED_PRIVATE_HOSTS=not_a_host:xx",
        "ARCHIVER_REDIS_URL=http://redis",
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2(tmp_path: Path, setting: str) -> None:
    proc = run_crawl(tmp_path / "archive", "-s", setting)
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert line.startswith("scrapy crawl: error: ") and setting.split("=")[0] in line
    assert not (tmp_path / "archive" / "runs").exists()


def test_an_unwritable_archive_dir_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for name in ("ARCHIVE_DIR", "STATE_DIR", "LOG_FILE"):
        target = blocker / "sub" / ("x.log" if name == "LOG_FILE" else "")
        proc = run_crawl(tmp_path / "archive", "-s", f"{name}={target}")
        assert proc.returncode == 2
        line = one_line(proc.stderr)
        assert (
            str(blocker / "sub") in line
            and name.split("_")[0] in line
            and "OperationalError" not in line
        )


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only tmpfs needs root")
def test_a_read_only_archive_dir_is_named(tmp_path: Path) -> None:
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=False
    ).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        proc = run_crawl(mount)
        assert proc.returncode == 2
        assert (
            f"ARCHIVE_DIR '{mount}' is not a writable directory: Read-only file system"
            in one_line(proc.stderr)
        )
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.fixture()
def project_with_a_broken_profile(tmp_path: Path) -> Path:
    """The project (package and scrapy.cfg) copied, with one site profile that is not TOML:
    run from there, its package is the one imported (the current directory comes first)."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT / "archiver", copy / "archiver", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "scrapy.cfg", copy)
    (copy / "archiver" / "profiles" / "broken.toml").write_text(
        'name = "broken"\n[match\nhosts = ["x"]\n'
    )
    return copy


def test_a_broken_site_profile_stops_the_crawl_and_parse_before_they_start(
    project_with_a_broken_profile: Path, tmp_path: Path
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=project_with_a_broken_profile,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    crawl = run("scrapy", "crawl", "articles", "-s", f"ARCHIVE_DIR={tmp_path / 'a'}")
    assert crawl.returncode == 2 and "site profile broken.toml: " in one_line(crawl.stderr)
    parse = run(
        "archiver", "parse", str(ROOT / "fixtures" / "site"), "-o", str(tmp_path / "o.jsonl")
    )
    assert parse.returncode == 2 and "site profile broken.toml: " in one_line(parse.stderr)


def test_a_second_crawl_into_a_busy_archive_is_one_line_and_exit_75(
    site_factory, tmp_path: Path
) -> None:
    site = site_factory({}, delay=0.5)
    archive = tmp_path / "archive"
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "articles",
        "-a",
        f"start_url={site.url}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        *FAST,
    ]
    first = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        # The lock is taken before the crawl state is created.
        while not (archive / "crawl-state.sqlite").exists():
            assert time.monotonic() < deadline and first.poll() is None, (
                "the first crawl never started"
            )
            time.sleep(0.05)
        second = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert second.returncode == 75
        assert f"another crawl is using the crawl state in {archive}" in one_line(second.stderr)
        _, stderr = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0 and crawl_stats(stderr)["archiver/archived"] == 4


# -- scripts/daily-crawl.sh ------------------------------------------------------


def test_daily_crawl_passes_the_status_on_and_still_writes_the_report(
    site_factory, tmp_path: Path
) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    script = str(ROOT / "scripts" / "daily-crawl.sh")
    down = subprocess.run(
        [script, f"http://127.0.0.1:{closed_port()}/", str(tmp_path / "down"), *FAST],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert down.returncode == 1 and (tmp_path / "down" / "report.html").is_file()
    assert "exited with status 1" in down.stderr and "Traceback" not in down.stderr
    # A relative ARCHIVE_DIR is the caller's directory, not the checkout's.
    up = subprocess.run(
        [script, site_factory({}).url, "up", *FAST],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert up.returncode == 0 and (tmp_path / "up" / "report.html").is_file()
    assert not (ROOT / "up").exists()
    # The run summary is readable like the shards beside it (mkstemp alone made it 0600).
    runs = list((tmp_path / "up" / "runs").glob("*.json"))
    assert runs and all(r.stat().st_mode & 0o044 == 0o044 for r in runs)


# -- python -m archiver parse / report ----------------------------------------------


def archiver_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_parse_of_an_empty_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = archiver_cli("parse", str(tmp_path / "empty"), "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 2
    assert f"no pages to parse in {tmp_path / 'empty'}" in one_line(proc.stderr)
    assert not (tmp_path / "out.jsonl").exists()


def test_report_skips_a_run_summary_of_the_wrong_shape_in_one_line(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir(parents=True)
    good = {"run": "r1", "started": "2024-09-30T08:00:00Z", "stats": {"archived": 1}, "sites": {}}
    (runs / "r1.json").write_text(json.dumps(good))
    (runs / "r2.json").write_text(
        json.dumps({"run": "r2", "stats": ["archived", 3], "sites": {"a": {"records": "many"}}})
    )
    proc = archiver_cli("report", str(tmp_path), "-o", str(tmp_path / "report.html"))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    line = one_line(proc.stderr)
    assert f"{runs / 'r2.json'}" in line and "'stats' is not an object of counts" in line
    assert "1 runs" in proc.stdout


def test_report_names_an_archive_line_that_is_not_utf8(tmp_path: Path) -> None:
    record = json.loads(
        (ROOT / "fixtures" / "site" / "news" / "2024092701.article.json").read_text(
            encoding="utf-8"
        )
    )
    good = json.dumps(record, ensure_ascii=False).encode()
    shard = tmp_path / "articles-20240930T080000Z-host-1-00001.jsonl"
    shard.write_bytes(
        good + b"\n" + good.replace(b'"title": "', b'"title": "\xc2\xff', 1) + b"\n" + good + b"\n"
    )
    proc = archiver_cli("report", str(tmp_path), "-o", str(tmp_path / "report.html"))
    assert proc.returncode == 0
    line = one_line(proc.stderr)
    assert f"1 archive line(s) are not records and were left out: {shard.name}:2: not UTF-8" in line
    assert "2 records" in proc.stdout
    assert "unreadable archive lines" in (tmp_path / "report.html").read_text(encoding="utf-8")
