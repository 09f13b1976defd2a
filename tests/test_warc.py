"""Raw pages as WARC: round trip, torn-file recovery, the middleware, `parse` on WARC, crawl
parity."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from conftest import FETCHED_AT, SITE, project_settings, run_crawl
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import parse_article
from archiver.archive import iter_archive_records
from archiver.archive.warc import (
    Exchange,
    WarcWriter,
    complete_members,
    encode_exchange,
    iter_warc_pages,
    recover_open_warcs,
)
from archiver.crawl.rawpages import RawPagesMiddleware
from archiver.crawl.spider import ArticlesSpider
from archiver.request_meta import FETCHED_AT_META, KIND_META
from archiver.serialize import json_line
from archiver.tools.cli import main

PAGE = SITE / "news" / "2024092701.html"
GBK_PAGE = SITE / "news" / "2024092712.html"


def exchange(
    n: int, body: bytes | None = None, content_type: str = "text/html; charset=utf-8"
) -> Exchange:
    return Exchange(
        url=f"http://127.0.0.1:8000/news/{n}.html?page=1",
        fetched_at=f"2024-09-30T08:00:{n:02d}Z",
        method="GET",
        request_headers=[("User-Agent", "archiver-test"), ("Accept-Encoding", "gzip")],
        status=200,
        protocol="HTTP/1.1",
        # Scrapy hands over a de-chunked, decoded body: these headers must not be stored as is.
        response_headers=[
            ("Content-Type", content_type),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "3"),
        ],
        body=PAGE.read_bytes() if body is None else body,
        ip_address="127.0.0.1",
    )


def test_round_trip_keeps_bytes_uri_date_and_content_type(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "p", max_bytes=10**9)
    sent = [exchange(1), exchange(2, GBK_PAGE.read_bytes(), "text/html; charset=gbk")]
    for item in sent:
        writer.write(item)
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["p-00001.warc.gz"]
    pages = list(iter_warc_pages(tmp_path / "p-00001.warc.gz", max_bytes=10**8))
    assert [(p.url, p.fetched_at, p.content_type, p.body) for p in pages] == [
        (e.url, e.fetched_at, e.response_headers[0][1], e.body) for e in sent
    ]
    with open(tmp_path / "p-00001.warc.gz", "rb") as fh:
        records = [
            (r.rec_type, r.http_headers, r.rec_headers)
            for r in ArchiveIterator(fh, check_digests=True)
        ]
    assert [t for t, _h, _w in records] == [
        "warcinfo",
        "response",
        "request",
        "response",
        "request",
    ]
    response_http, request_http = records[1][1], records[2][1]
    assert response_http.get_header("Transfer-Encoding") is None
    assert response_http.get_header("Content-Length") == str(len(PAGE.read_bytes()))
    assert (
        f"{request_http.protocol} {request_http.statusline}" == "GET /news/1.html?page=1 HTTP/1.1"
    )
    assert request_http.get_header("Host") == "127.0.0.1:8000"
    assert records[2][2].get_header("WARC-Concurrent-To") == records[1][2].get_header(
        "WARC-Record-ID"
    )
    # One gzip member per record, so a reader can seek to any record and a tear loses one.
    assert complete_members(tmp_path / "p-00001.warc.gz")[1] == 5


def test_files_rotate_by_size_and_stay_open_until_closed(tmp_path: Path) -> None:
    one = len(encode_exchange(exchange(1)))
    writer = WarcWriter(tmp_path, "p", max_bytes=2 * one)
    for n in range(5):
        writer.write(exchange(n))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "p-00001.warc.gz",
        "p-00002.warc.gz",
        "p-00003.warc.gz.open",
    ]
    writer.close()
    urls = [p.url for f in sorted(tmp_path.iterdir()) for p in iter_warc_pages(f, max_bytes=10**8)]
    assert urls == [exchange(n).url for n in range(5)]


@pytest.mark.parametrize("tail", ["torn_member", "garbage"])
def test_recovery_cuts_a_torn_last_record(tmp_path: Path, tail: str) -> None:
    writer = WarcWriter(tmp_path, "p", max_bytes=10**9)
    for n in range(3):
        writer.write(exchange(n))
    writer._file.close()  # the process dies: no close, no rename
    shard = tmp_path / "p-00001.warc.gz.open"
    extra = encode_exchange(exchange(3))[:700] if tail == "torn_member" else b"\x00garbage"
    with open(shard, "ab") as fh:
        fh.write(extra)
    [(final, kept, cut)] = recover_open_warcs(tmp_path)
    assert (final.name, kept, cut) == ("p-00001.warc.gz", 7, len(extra))
    assert [p.name for p in tmp_path.iterdir()] == ["p-00001.warc.gz"]
    assert [p.url for p in iter_warc_pages(final, max_bytes=10**8)] == [
        exchange(n).url for n in range(3)
    ]


def other_crawlers_warc(path: Path) -> None:
    """An uncompressed WARC as another crawler writes it: a mix of records, only one an article."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)

        def response(url: str, status: str, ctype: str, body: bytes) -> None:
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.0")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": FETCHED_AT},
                )
            )

        response("https://cc.test/robots.txt", "200 OK", "text/plain", b"User-agent: *\n")
        response("https://cc.test/gone.html", "404 Not Found", "text/html", b"<html>gone</html>")
        response(
            "https://www.devnews-mirror.test/news/2024092701.html",
            "200 OK",
            "text/html",
            PAGE.read_bytes(),
        )
        writer.write_record(
            writer.create_revisit_record(
                "https://cc.test/again.html",
                "sha1:AAAA",
                "https://cc.test/x.html",
                FETCHED_AT,
            )
        )


def test_parse_reads_warc_records_from_other_crawlers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_crawlers_warc(tmp_path / "cc.warc")
    out = tmp_path / "out.jsonl"
    assert main(["parse", str(tmp_path / "cc.warc"), "-o", str(out)]) == 0
    expected = parse_article(
        PAGE.read_bytes(),
        "https://www.devnews-mirror.test/news/2024092701.html",
        fetched_at=FETCHED_AT,
        content_type="text/html",
    )
    assert expected is not None and out.read_bytes() == json_line(expected)
    captured = capsys.readouterr()
    assert "skipped: http_404=1, not_html=1, revisit=1" in captured.err
    assert "skipped https://cc.test/gone.html (" in captured.err and ": http_404" in captured.err


def test_a_damaged_warc_keeps_what_came_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = WarcWriter(tmp_path / "in", "p", max_bytes=10**9)
    for n in range(3):
        writer.write(exchange(n))
    writer.close()
    [path] = writer.closed_files
    data = path.read_bytes()
    damage = len(encode_exchange(exchange(2))) - 200  # from inside the last response record on
    path.write_bytes(data[: len(data) - damage] + b"\xff" * damage)
    out = tmp_path / "out.jsonl"
    assert main(["parse", str(tmp_path / "in"), "-o", str(out)]) == 0
    assert [json.loads(x)["fetched_at"] for x in out.read_bytes().splitlines()] == [
        "2024-09-30T08:00:00Z",
        "2024-09-30T08:00:01Z",
    ]
    captured = capsys.readouterr()
    assert "unreadable WARC" in captured.err and "failed:InputError=1" in captured.err


def crawler_for(tmp_path: Path, **settings: object):
    crawler = get_crawler(
        ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR=str(tmp_path), **settings)
    )
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


def test_middleware_is_off_by_default(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        RawPagesMiddleware.from_crawler(crawler_for(tmp_path))


def test_middleware_keeps_2xx_article_responses_and_stamps_fetched_at(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, RAWPAGES_ENABLED=True)
    middleware = RawPagesMiddleware.from_crawler(crawler)
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "old-00001.warc.gz.open").write_bytes(encode_exchange(exchange(9))[:100])
    middleware.spider_opened(None)
    article = Request("http://127.0.0.1:8000/news/1.html", meta={KIND_META: "article"})
    listing = Request("http://127.0.0.1:8000/")
    missing = Request("http://127.0.0.1:8000/news/404.html", meta={KIND_META: "article"})
    body = PAGE.read_bytes()
    for request, status in ((article, 200), (listing, 200), (missing, 404)):
        response = HtmlResponse(
            request.url,
            status=status,
            body=body,
            request=request,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        assert middleware.process_response(request, response) is response
    assert article.meta[FETCHED_AT_META].endswith("Z") and FETCHED_AT_META in missing.meta
    assert FETCHED_AT_META not in listing.meta
    middleware.spider_closed(None)
    [path] = middleware.writer.closed_files
    assert path.parent == tmp_path / "warc"
    [page] = iter_warc_pages(path, max_bytes=10**8)
    assert (page.url, page.fetched_at, page.body) == (
        article.url,
        article.meta[FETCHED_AT_META],
        body,
    )
    assert crawler.stats.get_value("archiver/rawpages/records") == 1
    assert crawler.stats.get_value("archiver/rawpages/recovered_files") == 1
    assert not (tmp_path / "warc" / "old-00001.warc.gz.open").exists()


def test_reparsing_a_crawls_warc_gives_its_records_byte_for_byte(
    fixture_site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    proc = run_crawl(archive, "-a", f"start_url={fixture_site.url}", "-s", "RAWPAGES_ENABLED=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    crawled = sorted(json_line(r) for r in iter_archive_records(archive))
    assert len(crawled) == 14
    out = tmp_path / "reparsed.jsonl"
    assert main(["parse", str(archive / "warc"), "-o", str(out)]) == 0
    assert sorted(out.read_bytes().splitlines(keepends=True)) == crawled
