from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from archiver.crawl.fixture_site import StaticSite

if TYPE_CHECKING:
    from archiver.items import Article

# Fixtures of tests/loopback.py (`serve`: a loopback HTTP server answering by path).
pytest_plugins = ("loopback",)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SITE = FIXTURES / "site"
FETCHED_AT = "2024-09-30T08:00:00Z"
SITE_URL = "https://www.devnews-mirror.test/"


@pytest.fixture(scope="session")
def fixture_site() -> Iterator[StaticSite]:
    """The bundled fixture site on a free 127.0.0.1 port."""
    with StaticSite(SITE) as site:
        yield site


def run_crawl(archive: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl articles` in a child process, as a user runs it, from the project root."""
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "articles",
        "-s",
        f"ARCHIVE_DIR={archive}",
        *extra,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def seed_article() -> Article:
    """The seed page's record, parsed from the bundled fixture site."""
    from archiver import parse_article

    page = (SITE / "news" / "2024092701.html").read_bytes()
    article = parse_article(page, SITE_URL + "news/2024092701.html", fetched_at=FETCHED_AT)
    assert article is not None
    return article


def project_settings(**overrides: object) -> dict[str, object]:
    """archiver/settings.py as a dict, as `scrapy crawl` would load it, plus overrides."""
    import archiver.settings as module

    return {**{k: getattr(module, k) for k in dir(module) if k.isupper()}, **overrides}


def crawl_stats(stderr: str) -> dict[str, int]:
    """Integer stats from the 'Dumping Scrapy stats' block a crawl logs at the end."""
    import re

    block = stderr.rsplit("Dumping Scrapy stats:", 1)[-1]
    return {k: int(v) for k, v in re.findall(r"'([^']+)': (\d+),?\n", block)}


@pytest.fixture()
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free loopback port, stopped after the test."""
    import shutil
    import socket
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from redis import Redis

    client = Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:  # noqa: BLE001 - redis-server not up yet, whatever the client says
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
