"""Pages/s of 1 vs 3 distributed workers (scrapy-redis, real redis-server) on a local site.

    python benchmarks/distributed.py --articles 2000

Starts redis-server and a static site on 127.0.0.1, runs N workers, and times the crawl
until every article is claimed in Redis (idle waiting at the end is not counted).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import PER_PAGE, generate

from archiver.crawl.fixture_site import StaticSite

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(workers: int, site_url: str, articles: int, tmp: Path) -> float:
    from redis import Redis

    port = free_port()
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:  # noqa: BLE001 - redis-server not up yet, whatever the client says
            time.sleep(0.05)
    client.lpush("articles:start_urls", site_url)
    env = {**os.environ, "ARCHIVER_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "articles",
        "-s",
        f"ARCHIVE_DIR={tmp / f'a{workers}'}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "LOG_LEVEL=WARNING",
        "-s",
        "ARCHIVER_REDIS_MAX_IDLE=1",
        # A pushed start URL names no host: each worker is allowed the loopback site itself.
        "-s",
        f"ARCHIVER_ALLOWED_PRIVATE_HOSTS={urlsplit(site_url).netloc}",
    ]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    while client.hlen("archiver:articles:records") < articles and time.perf_counter() - start < 600:
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    for p in procs:
        p.wait(timeout=120)
    server.terminate()
    server.wait()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    pages = args.articles + -(-args.articles // PER_PAGE)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        generate(site, args.articles)
        with StaticSite(site) as server:
            rows = [(n, run(n, server.url, args.articles, Path(tmp))) for n in (1, 3)]
    base = pages / rows[0][1]
    print(f"{'workers':>8} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'vs 1':>6}")
    for n, secs in rows:
        print(f"{n:>8} {pages:>7} {secs:>8.1f} {pages / secs:>8.1f} {pages / secs / base:>5.2f}x")


if __name__ == "__main__":
    main()
