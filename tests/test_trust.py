"""What another party can put in a crawl's way (issue 15, faults 5-7): values in the shared Redis
queue that archiver did not write, request meta that steers downloads, a host added to a Redis
set, and addresses a page links to. A real redis-server (conftest) and loopback servers only.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import pytest
from conftest import crawl_stats, run_crawl
from redis import Redis
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from test_distributed import allowed, count_archive, generate, worker

from archiver.crawl.fixture_site import StaticSite
from archiver.crawl.spider import ArticlesSpider
from archiver.distributed import serializer
from archiver.distributed.queue import LeasedPriorityQueue
from archiver.request_meta import (
    KIND_META,
    KNOWN_STREAK,
    LEASE_META,
    LISTING_DEPTH_META,
    LISTING_IDLE_META,
    SITEMAP_DEPTH_META,
)

ARTICLES = 20
GOOD_URL = "https://a.test/news/1.html"


class Trap:
    """A loopback HTTP server that only records who reached it: a passing test leaves it empty."""

    def __init__(self, host: str) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                hits.append(self.requestline)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD = do_POST = do_CONNECT = answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Spider(Spider):
    name = "t"

    def parse_listing(self, response: Response) -> None: ...
    def parse_article(self, response: Response) -> None: ...
    def parse_sitemap(self, response: Response) -> None: ...
    def failed(self, failure: object) -> None: ...


@pytest.fixture()
def queue(redis_server: str) -> Iterator[LeasedPriorityQueue]:
    crawler = get_crawler(_Spider, settings_dict={"ARCHIVER_REDIS_LEASE_SECONDS": 60})
    server = Redis.from_url(redis_server)
    yield LeasedPriorityQueue(server, _Spider.from_crawler(crawler), "t:requests")
    server.close()


def _request(**fields: object) -> bytes:
    return json.dumps(
        {"url": GOOD_URL, "callback": "parse_article", "errback": "failed", **fields}
    ).encode()


POISON = [
    (b"\x80\x04\x95pickle.", "not_json"),
    (b"{not json", "not_json"),
    (b"\xff\xfe\xff", "not_json"),
    (b"[" * 5000, "not_json"),
    (b'["not", "a", "request"]', "bad_shape"),
    (_request(url=7), "bad_shape"),
    (_request(url="no-scheme"), "bad_shape"),
    (_request(meta=["x"]), "bad_shape"),
    (_request(method="POST", body={"__b64__": "eA=="}), "bad_shape"),
    (_request(headers=5), "bad_shape"),
    (_request(callback="parse_comments"), "unknown_callback"),  # a callback the spider lacks
    (
        _request(callback="parse"),
        "unknown_callback",
    ),  # scrapy.Spider.parse: raises, never acknowledged
    (_request(callback=None), "unknown_callback"),
    (_request(errback="close"), "unknown_callback"),
]


@pytest.mark.parametrize(("poison", "reason"), POISON)
def test_a_value_archiver_did_not_queue_is_dead_lettered_and_the_worker_goes_on(
    queue: LeasedPriorityQueue, poison: bytes, reason: str
) -> None:
    queue.server.zadd(queue.key, {poison: -10})  # popped before the real request
    queue.push(Request(GOOD_URL, callback=queue.spider.parse_article, errback=queue.spider.failed))
    request = queue.pop()
    assert request is not None and request.url == GOOD_URL
    assert queue.server.lrange(f"{queue.key}:dead", 0, -1) == [poison]
    assert queue.spider.crawler.stats.get_value(f"archiver/redis/dead_letter/{reason}") == 1
    queue.ack([request.meta[LEASE_META]])
    assert len(queue) == 0, "the poison's lease ended with it: nothing comes back"


def test_poison_is_logged_once_then_only_counted(
    queue: LeasedPriorityQueue, caplog: pytest.LogCaptureFixture
) -> None:
    queue.server.zadd(queue.key, {f"not json {i}".encode(): -10 for i in range(5)})
    with caplog.at_level(logging.WARNING):
        assert queue.pop() is None
    assert [r.levelname for r in caplog.records] == [
        "WARNING"
    ] and f"{queue.key}:dead" in caplog.text
    assert queue.spider.crawler.stats.get_value("archiver/redis/dead_letter/not_json") == 5
    assert len(queue) == 0


def test_queued_meta_is_reduced_to_the_keys_archiver_sets(queue: LeasedPriorityQueue) -> None:
    steering = {
        "proxy": "http://169.254.169.254:80",
        "download_timeout": 0.001,
        "download_maxsize": 0,
        "dont_obey_robotstxt": True,
        "dont_redirect": True,
        "handle_httpstatus_all": True,
        "handle_httpstatus_list": [200, 500],
        "download_slot": "x",
        "cookiejar": 2,
        LEASE_META: "forged",
    }
    ours = {
        KIND_META: "article",
        "depth": 2,
        "redirect_urls": ["https://a.test/old"],
        "redirect_ttl": 19,
    }
    not_as_we_set_them = {
        KIND_META: "listing",
        "depth": -1,
        "retry_times": True,
        "handle_httpstatus_list": [304, 500],
    }
    queue.server.zadd(
        queue.key, {_request(meta={**steering, **ours}): 0, _request(meta=not_as_we_set_them): 1}
    )
    first, second = queue.pop(), queue.pop()
    assert first is not None and second is not None and first.meta[LEASE_META] != "forged"
    assert {k: v for k, v in first.meta.items() if k != LEASE_META} == ours
    assert set(second.meta) == {LEASE_META}
    assert queue.spider.crawler.stats.get_value("archiver/redis/meta_dropped") == len(
        steering
    ) + len(not_as_we_set_them)


def test_every_meta_key_archiver_queues_survives_the_queue(queue: LeasedPriorityQueue) -> None:
    spider, crawler = queue.spider, queue.spider.crawler
    crawler.spider = spider  # RetryMiddleware asks
    # As the downloader leaves a request it retries or redirects: those keys stay behind.
    downloaded = {
        "download_slot": "a.test",
        "download_latency": 0.2,
        "download_maxsize": 1 << 24,
        "download_timeout": 30,
    }
    article = Request(
        GOOD_URL,
        callback=spider.parse_article,
        errback=spider.failed,
        meta={
            KIND_META: "article",
            "handle_httpstatus_list": [304],
            "depth": 1,
            "is_start_request": False,
        },
    )
    listing = Request(
        "https://a.test/?page=2",
        callback=spider.parse_listing,
        errback=spider.failed,
        meta={KNOWN_STREAK: 1, LISTING_IDLE_META: 3, LISTING_DEPTH_META: 7},
    )
    sitemap = Request(
        "https://a.test/s.xml",
        callback=spider.parse_sitemap,
        errback=spider.failed,
        meta={SITEMAP_DEPTH_META: 2},
    )
    retried = RetryMiddleware.from_crawler(crawler).process_response(
        article.replace(meta={**article.meta, **downloaded}), Response(GOOD_URL, status=503)
    )
    redirected = RedirectMiddleware.from_crawler(crawler).process_response(
        article.replace(meta={**article.meta, **downloaded}),
        Response(GOOD_URL, status=301, headers={"Location": "/n/2.html"}),
    )
    assert isinstance(retried, Request) and isinstance(redirected, Request)
    expected = [dict(r.meta) for r in (article, listing, sitemap)]
    expected += [
        {k: v for k, v in r.meta.items() if k not in downloaded} for r in (retried, redirected)
    ]
    for priority, request in enumerate((article, listing, sitemap, retried, redirected)):
        queue.push(request.replace(priority=-priority))
    popped = [queue.pop() for _ in expected]
    assert [
        {k: v for k, v in r.meta.items() if k != LEASE_META} for r in popped if r is not None
    ] == expected
    assert queue.spider.crawler.stats.get_value("archiver/redis/meta_dropped") is None, (
        "nothing of ours is dropped"
    )


def test_the_callbacks_the_queue_accepts_are_the_spiders() -> None:
    assert all(
        callable(getattr(ArticlesSpider, name, None))
        for name in serializer.CALLBACKS | serializer.ERRBACKS
    )


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("trust") / "site"
    generate(root, ARTICLES)
    with StaticSite(root) as server:
        yield server.url


def test_a_poisoned_queue_costs_a_worker_nothing_but_the_poison(
    redis_server: str, small_site: str, tmp_path: Path
) -> None:
    """Fault 5 and 6: poison values, steering meta and a host added to the old shared
    named-URLs set, all at once; the worker archives every article once and exits 0."""
    r = Redis.from_url(redis_server)
    with Trap("127.0.0.2") as trap:
        poison = {
            b"not json": "not_json",
            b'["wrong", "shape"]': "bad_shape",
            _request(url=small_site + "news/1.html", callback="parse_comments"): "unknown_callback",
        }
        steered = _request(
            url=small_site + "news/2.html",
            meta={KIND_META: "article", "proxy": trap.url, "download_timeout": 5},
        )
        fenced = _request(url=trap.url + "news/3.html", meta={KIND_META: "article"})
        r.zadd("articles:requests", {value: -10 for value in (*poison, steered, fenced)})
        r.sadd("articles:named_urls", trap.url)
        r.lpush("articles:start_urls", small_site, "javascript:alert(1)")
        w = worker(redis_server, tmp_path / "archive", **allowed(small_site))
        try:
            _, err = w.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            w.kill()
            pytest.fail("the worker is wedged on the poisoned queue")
    stderr = err.decode()
    assert w.returncode == 0, stderr[-2000:]
    seen, corrupt = count_archive(tmp_path / "archive")
    assert corrupt == 0 and len(seen) == ARTICLES and max(seen.values()) == 1
    assert trap.hits == [], "nothing reached the trap, neither as a proxy nor as a named host"
    assert set(r.lrange("articles:requests:dead", 0, -1)) == set(poison)
    assert r.lrange("articles:start_urls:dead", 0, -1) == [b"javascript:alert(1)"]
    assert r.zcard("articles:requests") == 0 and r.zcard("articles:requests:deadlines") == 0
    stats = crawl_stats(stderr)
    for reason in poison.values():
        assert stats.get(f"archiver/redis/dead_letter/{reason}") == 1, reason
    assert stats.get("archiver/redis/dead_letter/bad_start_url") == 1
    assert stats.get("archiver/redis/meta_dropped") == 2
    assert stats.get("archiver/refused/loopback") == 1
    # One warning per kind of poison, however many values of it.
    assert stderr.count("Moved a queued value") == 3 and stderr.count("Dropped meta keys") == 1
    assert stderr.count("Moved a pushed start URL") == 1


def test_a_crawl_reaches_the_named_port_only_and_no_ipv6_form_of_loopback(tmp_path: Path) -> None:
    """Fault 7 at crawl level: a sitemap on a loopback site (named: allowed on its port) lists
    URLs on another loopback port, spelled as IPv4, IPv6 carrying IPv4, and a name."""
    with Trap("127.0.0.1") as trap:
        site = tmp_path / "site"
        site.mkdir()
        (site / "index.html").write_text("<html><body>index</body></html>")
        port = trap.port
        urls = [
            f"http://127.0.0.1:{port}/a.html",
            f"http://[::ffff:127.0.0.1]:{port}/b.html",
            f"http://[::127.0.0.1]:{port}/c.html",
            f"http://[64:ff9b::7f00:1]:{port}/d.html",
            f"http://[2002:7f00:1::]:{port}/e.html",
            f"http://[::ffff:0:127.0.0.1]:{port}/f.html",
            f"http://localhost:{port}/g.html",
        ]
        locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        (site / "sitemap.xml").write_text(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
        )
        with StaticSite(site) as server:
            done = run_crawl(
                tmp_path / "archive",
                "-a",
                f"sitemap_url={server.url}sitemap.xml",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
            )
    stats = crawl_stats(done.stderr)
    assert trap.hits == []
    assert stats.get("archiver/refused/loopback") == len(urls), done.stderr[-3000:]
