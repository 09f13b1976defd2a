"""Scrapy conventions: `scrapy check` contracts run offline, and the project deploys to a real
Scrapyd on 127.0.0.1 that schedules the crawl through its HTTP API and writes the archive."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

from archiver.archive import iter_archive_records
from archiver.archive.drift import read_runs
from archiver.crawl.spider import ArticlesSpider

BIN = Path(sys.executable).parent
# The spider's own contracts, in a subclass whose contracts a test can break.
LISTING_CONTRACTS = ArticlesSpider.parse_listing.__doc__
ARTICLE_CONTRACTS = ArticlesSpider.parse_article.__doc__
PROBE = f'''
from archiver.crawl.spider import ArticlesSpider


class ProbeSpider(ArticlesSpider):
    name = "articles_probe"

    def parse_listing(self, response):
        """{LISTING_CONTRACTS}"""
        return super().parse_listing(response)

    def parse_article(self, response):
        """{ARTICLE_CONTRACTS}"""
        return super().parse_article(response)
'''


def scrapy_check(
    tmp_path: Path, spider: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "check",
        spider,
        "-s",
        f"ARCHIVE_DIR={tmp_path / 'archive'}",
        *extra,
    ]
    return subprocess.run(
        cmd,
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_contracts_run_offline_on_the_fixture_site(tmp_path: Path) -> None:
    (tmp_path / "contract_probe.py").write_text(PROBE, encoding="utf-8")
    proc = scrapy_check(
        tmp_path,
        "articles_probe",
        "-s",
        "SPIDER_MODULES=archiver.crawl.spider,contract_probe",
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ran 6 contracts" in proc.stderr and proc.stderr.rstrip().endswith("OK")
    assert not (tmp_path / "archive" / "runs").exists()  # a check is not a crawl of the archive
    # A contract that does not hold fails the check.
    (tmp_path / "contract_probe.py").write_text(
        PROBE.replace("@returns items 1 1", "@returns items 2 2"), encoding="utf-8"
    )
    failing = scrapy_check(
        tmp_path,
        "articles_probe",
        "-s",
        "SPIDER_MODULES=archiver.crawl.spider,contract_probe",
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert failing.returncode == 1 and "Returned 1 items, expected 2" in failing.stderr


def test_the_spiders_own_contracts(tmp_path: Path) -> None:
    assert "@fixture" in (LISTING_CONTRACTS or "") and "@scrapes" in (ARTICLE_CONTRACTS or "")
    proc = scrapy_check(tmp_path, "articles")
    assert (
        proc.returncode == 0
        and "Ran 6 contracts" in proc.stderr
        and proc.stderr.rstrip().endswith("OK")
    ), proc.stderr[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=10) as response:  # loopback only
        return dict(json.loads(response.read()))


@pytest.fixture()
def scrapyd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real scrapyd on a free loopback port, with its own config and directories."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir "
        f"= {home / 'dbs'}\nitems_dir =\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(150):
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("scrapyd did not start")
        yield base, home
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def deploy(base: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`scrapyd-deploy` from a copy of the project (it writes setup.py and build/ where it runs)."""
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "archiver", project / "archiver", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    (project / "scrapy.cfg").write_text(
        f"[settings]\ndefault = archiver.settings\n\n[deploy]\nurl = {base}\nproject = archiver\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [str(BIN / "scrapyd-deploy")],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_deploy_schedule_and_find_the_archive(
    scrapyd: tuple[str, Path], fixture_site, tmp_path: Path
) -> None:
    base, home = scrapyd
    deployed = deploy(base, tmp_path)
    assert deployed.returncode == 0 and '"status": "ok"' in deployed.stdout + deployed.stderr, (
        deployed.stderr[-3000:]
    )
    assert "articles" in api(base, "listspiders.json?project=archiver")["spiders"]
    archive = tmp_path / "archive"
    job = api(
        base,
        "schedule.json",
        [
            ("project", "archiver"),
            ("spider", "articles"),
            ("start_url", fixture_site.url),
            ("setting", f"ARCHIVE_DIR={archive}"),
            ("setting", "PROGRESS_INTERVAL=0.5"),
        ],
    )
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        jobs = api(base, "listjobs.json?project=archiver")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"job {job['jobid']} did not finish: {jobs}")
    log = (home / "logs" / "archiver" / "articles" / f"{job['jobid']}.log").read_text(
        encoding="utf-8"
    )
    assert "Crawl summary (finished)" in log and "articles archived: 14" in log, log[-3000:]
    records = list(iter_archive_records(archive))
    assert len(records) == 14 and {r["site"] for r in records} == {fixture_site.url.split("/")[2]}
    # The egg's site profiles were read from inside the zipped egg.
    assert sum(r["extractor"] == "csdn-mirror" for r in records) >= 13
    [run] = read_runs(archive)
    assert run["stats"]["archived"] == 14


def test_bad_spider_arguments_are_one_error_line_and_exit_2(tmp_path: Path) -> None:
    for args, message in (
        (
            ["articles", "-a", "start_url=ftp://x"],
            "error: start_url must be an http(s) URL, got 'ftp://x'",
        ),
        (["articles", "-a", "since=yesterday"], "error: since must be an ISO 8601 date"),
        (["articles", "-a", "bogus=1"], "error: unknown spider argument(s): bogus"),
        (["nope"], "error: no spider named 'nope'; spiders: articles"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", *args, "-s", f"ARCHIVE_DIR={tmp_path}"],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists()


def test_a_dropped_record_is_logged_in_one_line() -> None:
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from archiver.crawl.logformatter import OneLineLogFormatter

    spider = type("FakeSpider", (), {"crawler": get_crawler(ArticlesSpider)})()
    line = OneLineLogFormatter().dropped(
        {"body": "x\n" * 1000}, DropItem("duplicate_url: https://a.test/1"), None, spider
    )
    assert line["msg"] % line["args"] == "Dropped: duplicate_url: https://a.test/1"
