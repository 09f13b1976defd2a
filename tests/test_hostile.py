"""Hostile pages: each gives a record or a counted reason; never a traceback, a hang, or a
line json.loads rejects. The corpus is tests/hostile/ (big pages built at test time)."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, crawl_stats, run_crawl
from hostile.cases import ARTICLE_TEXT, BY_NAME, CASES, FETCHED_AT, RECORD, URL, Case, gzip_bomb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from archiver import parse_article, parse_listing
from archiver.extract import PageLimits, parse_page
from archiver.extract.document import Document, decode_html
from archiver.extract.limits import DEFAULT_LIMITS, PageRefused
from archiver.extract.tree import clean_for_lxml, parse_tree
from archiver.items import Article
from archiver.serialize import json_line

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
HREF = re.compile(r'(?:href|src)="([^"]*)"')


def check_record(article: Article) -> dict:
    """The invariants every record keeps, whatever the page: one valid JSON line of valid UTF-8."""
    line = json_line(article)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert b"\xe2\x80\xa8" not in line and b"\xe2\x80\xa9" not in line  # U+2028/2029 escaped
    record = json.loads(line.decode("utf-8", "strict"))
    assert record == json.loads(json.dumps(asdict(article), ensure_ascii=False))
    for text in _strings(record):
        text.encode("utf-8", "strict")  # no lone surrogates
        assert "\x00" not in text
    assert len(line) <= DEFAULT_LIMITS.max_record_bytes
    return record


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_page_gives_a_record_or_a_reason(case: Case) -> None:
    result = parse_page(case.build(), URL, fetched_at=FETCHED_AT)
    assert (RECORD if result.article is not None else result.reason) == case.expect
    if result.article is not None:
        check_record(result.article)
    listing = parse_listing(case.build(), URL)
    assert len(listing.article_urls) <= DEFAULT_LIMITS.max_links


def _record(name: str) -> Article:
    article = parse_page(BY_NAME[name].build(), URL, fetched_at=FETCHED_AT).article
    assert article is not None
    return article


def test_titles_lose_bidi_overrides_and_line_separators() -> None:
    for name in ("rtl-override-title", "line-separators-title"):
        article = _record(name)
        assert not BIDI_CONTROLS.search(article.title + article.body + str(article.author))
        assert "\u2028" not in article.title and "\u2029" not in article.title
    assert _record("rtl-override-title").title.startswith("invoicetxt.exe")


def test_entities_and_surrogates_become_replacement_characters() -> None:
    article = _record("entities-and-surrogates")
    assert "\ufffd" in article.body and "😀" in article.body
    assert not re.search("[\ud800-\udfff]", json.dumps(asdict(article), ensure_ascii=False))


def test_only_web_links_survive() -> None:
    article = _record("malformed-and-unsafe-links")
    urls = (
        HREF.findall(article.body_html) + [r.url for r in article.related] + [article.canonical_url]
    )
    assert urls and all(re.match(r"https?://[^\s/?#%]+[/?#]?", u) for u in urls), urls
    assert [r.title for r in article.related] == ["good related entry"]
    bad_base = _record("bad-base-href")
    assert HREF.findall(bad_base.body_html) == [
        "https://hostile.example.test/ok.html",
        "https://hostile.example.test/img.png",
    ]


def test_caps_on_toc_and_links() -> None:
    assert len(_record("toc-5000-entries").toc) == DEFAULT_LIMITS.max_toc_entries
    links = set(HREF.findall(_record("links-12k").body_html))
    assert len(links) == DEFAULT_LIMITS.max_links
    page = BY_NAME["links-12k"].build()
    small = parse_page(page, URL, fetched_at=FETCHED_AT, limits=PageLimits(max_links=50)).article
    assert small is not None and len(set(HREF.findall(small.body_html))) == 50
    assert len(parse_listing(page, URL, limits=PageLimits(max_links=7)).article_urls) <= 7


def test_every_cap_refuses_with_its_reason() -> None:
    page = BY_NAME["toc-5000-entries"].build()
    for limits, reason in (
        (PageLimits(max_page_bytes=1000), "too_large"),
        (PageLimits(max_tags=1000), "too_many_tags"),
        (PageLimits(max_elements=1000), "too_many_elements"),
        (PageLimits(max_depth=4), "too_deep"),
        (PageLimits(max_record_bytes=1000), "record_too_large"),
    ):
        assert parse_page(page, URL, fetched_at=FETCHED_AT, limits=limits).reason == reason
    with pytest.raises(ValueError):
        PageLimits(max_links=0)


def test_text_input_with_lone_surrogates() -> None:
    html = (
        "<html><head><title>T\ud800itle</title></head><body><article><p>"
        + "Body text \udfff. " * 30
        + "</p></article></body></html>"
    )
    article = parse_article(html, URL, fetched_at=FETCHED_AT)
    assert article is not None
    check_record(article)


def _write_corpus(directory: Path) -> dict[str, str]:
    """The small cases as files, plus gzip bombs; name → expected outcome."""
    expected = {}
    for case in CASES:
        if not case.big:
            (directory / f"{case.name}.html").write_bytes(case.build())
            expected[f"{case.name}.html"] = case.expect
    (directory / "bomb.html.gz").write_bytes(gzip_bomb(DEFAULT_LIMITS.max_page_bytes + 1024))
    expected["bomb.html.gz"] = "too_large"
    (directory / "truncated.html.gz").write_bytes(gzip_bomb(1000)[:-12])
    expected["truncated.html.gz"] = "unreadable"
    return expected


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_parses_the_corpus_without_a_traceback(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected = _write_corpus(corpus)
    out = tmp_path / "out.jsonl"
    proc = run_cli("parse", str(corpus), "-o", str(out), "--fetched-at", FETCHED_AT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = out.read_bytes().splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)
    assert len(lines) == sum(1 for v in expected.values() if v == RECORD)
    for name, outcome in expected.items():
        if outcome != RECORD:
            assert re.search(rf"skipped \S*/{re.escape(name)}: {outcome}", proc.stderr), (
                name,
                proc.stderr[-3000:],
            )
    assert f"parsed {len(expected)} pages: {len(lines)} articles written" in proc.stderr


def test_sources_have_no_hostile_regexes() -> None:
    """`<[^>]*>`-style patterns go quadratic on a page of a million unclosed `<`; extraction
    must use `[^<>]`-bounded ones (checked here so a new one gets a second look)."""
    for path in (ROOT / "archiver" / "extract").glob("*.py"):
        assert "<[^>]*>" not in path.read_text(encoding="utf-8"), path


# -- a short crawl of hostile pages served from 127.0.0.1 ---------------------------------
CRAWL_CAP = 1_000_000
# Traditional Chinese (a different body from the GBK page) as UTF-16 with a BOM.
UTF16 = b"\xff\xfe" + (ROOT / "fixtures/encodings/big5-undeclared.html").read_bytes().decode(
    "big5hkscs"
).encode("utf-16-le")


def _routes(port: int) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """path → (status, headers, body) of the hostile site."""
    html = {"Content-Type": "text/html"}
    return {
        "/nul.html": (200, html, BY_NAME["nul-bytes"].build()),
        "/rtl.html": (200, html, BY_NAME["rtl-override-title"].build()),
        "/png.html": (200, html, BY_NAME["png-as-html"].build()),
        "/empty.html": (200, html, b""),
        "/deep.html": (200, html, BY_NAME["nesting-600"].build()),
        # GBK bytes, and the server says UTF-8.
        "/gbk.html": (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            BY_NAME["gbk-undeclared"].build(),
        ),
        "/utf16.html": (200, html, UTF16),
        # 3 MB of page in a few kB of gzip: stopped while inflating.
        "/bomb.html": (
            200,
            {**html, "Content-Encoding": "gzip"},
            gzip.compress(b"<html><body><p>" + b"a" * 3_000_000),
        ),
        # Larger than the cap on the wire.
        "/big.html": (200, html, b"<html><body><p>" + b"b" * (CRAWL_CAP + 1000)),
        # A redirect to a host the user did not name (localhost, not 127.0.0.1).
        "/redirect.html": (302, {"Location": f"http://localhost:{port}/secret.html"}, b""),
        "/secret.html": (200, html, BY_NAME["nul-bytes"].build()),
    }


def _listing(paths: list[str]) -> bytes:
    links = "".join(f'<li><a href="{p}">Hostile article {p.strip("/")}</a></li>' for p in paths)
    html = f"<html><head><title>Hostile site</title></head><body><ul>{links}</ul></body></html>"
    return html.encode()


@pytest.fixture()
def hostile_site() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    port: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.headers.get('Host')}{self.path}")
            routes = _routes(port[0])
            listed = [p for p in routes if p != "/secret.html"]
            status, headers, body = routes.get(
                self.path, (200, {"Content-Type": "text/html"}, _listing(listed))
            )
            if self.path == "/robots.txt":
                status, headers, body = 404, {}, b""
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up on an oversized body: as intended

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.append(server.server_port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port[0]}/", seen
    finally:
        server.shutdown()
        server.server_close()


def _shard_lines(archive: Path) -> list[bytes]:
    lines = []
    for shard in sorted(archive.glob("*.jsonl*")):
        if shard.name.endswith((".jsonl", ".jsonl.gz")):
            data = (
                gzip.decompress(shard.read_bytes())
                if shard.name.endswith(".gz")
                else shard.read_bytes()
            )
            lines += data.splitlines()
    return lines


def test_crawl_of_a_hostile_site_counts_every_page(
    hostile_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, seen = hostile_site
    archive = tmp_path / "archive"
    caps = (
        "-s",
        f"ARCHIVER_MAX_PAGE_BYTES={CRAWL_CAP}",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "NEARDUP_ENABLED=False",
    )
    proc = run_crawl(archive, "-a", f"start_url={url}", *caps)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    records = [json.loads(line) for line in _shard_lines(archive)]
    titles = sorted(r["title"] for r in records)
    assert len(titles) == 4, titles  # nul, rtl, gbk, utf16
    assert {"NUL bytes", "城市图书馆的数字化改造", "臺灣資訊安全產業的發展與挑戰"} <= set(titles)
    assert "invoicetxt.exe" in " ".join(titles)
    stats = crawl_stats(proc.stderr)
    for key, count in {
        "archiver/archived": 4,
        "archiver/skipped/binary": 1,
        "archiver/skipped/empty": 1,
        "archiver/skipped/too_deep": 1,
        "archiver/failed/too_large": 2,
        "archiver/refused/loopback": 1,
        "archiver/failed/refused": 1,
    }.items():
        assert stats.get(key) == count, (
            key,
            {k: v for k, v in stats.items() if k.startswith("archiver/")},
        )
    # The refused redirect target was never asked for.
    assert not [s for s in seen if "secret" in s]


# -- property-based: mutated fixture pages keep the invariants ---------------------------
FIXTURE_PAGES = tuple(p.read_bytes() for p in sorted(FIXTURES.rglob("*.html")))
SNIPPETS = (
    b"<div>" * 300,
    b"</div>" * 50,
    b"<base href='http://[bad'>",
    b"<a href='javascript:x'>j</a>",
    b"<a href='http://[bad'>b</a>",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"<!--",
    b"<script>",
    b"<title>",
    "\u202e\u2066".encode(),
    "\u2028\u2029".encode(),
    b"<![CDATA[",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b'<meta charset="utf-16">',
    b'<meta charset="big5">',
    b"<svg><foreignObject>",
    b"<table><td>",
    b"&#xD800;",
    b"&#99999999;",
    b"&#0;",
    b"&#x110000;",
    b"&#55296;",
    b"&",
    b"&#x;",
    b"\xed\xa0\x80",
    b'<script type="application/ld+json">' + b"[" * 2000,
)
CODECS = ("utf-16-le", "utf-16-be", "gb18030", "big5hkscs", "cp1252", "utf-8")
POSITION = st.floats(min_value=0, max_value=1)
MUTATION = st.one_of(
    st.tuples(st.just("truncate"), POSITION),
    st.tuples(st.just("insert"), POSITION, st.binary(max_size=64)),
    st.tuples(st.just("insert"), POSITION, st.sampled_from(SNIPPETS)),
    st.tuples(st.just("nest"), POSITION, st.integers(min_value=1, max_value=3000)),
    st.tuples(st.just("reencode"), st.sampled_from(CODECS)),
    st.tuples(st.just("flip"), POSITION, st.integers(min_value=0, max_value=255)),
)


def mutate(page: bytes, mutations: list[tuple[Any, ...]]) -> bytes:
    for kind, *args in mutations:
        at = int(args[0] * len(page)) if args and isinstance(args[0], float) else 0
        if kind == "truncate":
            page = page[:at]
        elif kind == "insert":
            page = page[:at] + args[1] + page[at:]
        elif kind == "nest":
            page = page[:at] + b"<div><span>" * args[1] + page[at:]
        elif kind == "reencode":
            # The page's text in another encoding, its declarations left as they were.
            page = page.decode("utf-8", "replace").encode(args[0], "xmlcharrefreplace")
        elif kind == "flip" and page:
            at = min(at, len(page) - 1)
            page = page[:at] + bytes([args[1]]) + page[at + 1 :]
    return page


# Small here to keep the suite fast; scripts/hostile_drill.py --examples N runs more.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "80"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(page=st.sampled_from(FIXTURE_PAGES), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_fixture_pages_keep_the_invariants(
    page: bytes, mutations: list[tuple[Any, ...]]
) -> None:
    html = mutate(page, mutations)
    result = parse_page(html, URL, fetched_at=FETCHED_AT)
    if result.article is None:
        assert result.reason
    else:
        assert isinstance(result.article, Article)
        check_record(result.article)
    parse_listing(html, URL)


@settings(max_examples=max(EXAMPLES * 5 // 8, 1), deadline=None)
@given(text=st.text(alphabet=st.characters(exclude_categories=()), max_size=500))
def test_any_text_even_lone_surrogates_keeps_the_invariants(text: str) -> None:
    html = (
        f"<html><head><title>{text[:80]}</title></head><body><article>"
        f"<p>{text} {ARTICLE_TEXT}</p></article></body></html>"
    )
    for page in (html, html.encode("utf-8", "surrogatepass")):
        article = parse_article(page, URL, fetched_at=FETCHED_AT)
        if article is not None:
            check_record(article)


# Around the page: nothing, ASCII whitespace, and whitespace that only str.strip() knows.
PAGE_ENDS = st.sampled_from(["", " ", "\n\t", "\u3000", "\xa0", "\u2028", "\ufeff", "x"])


@settings(max_examples=max(EXAMPLES * 5 // 8, 1), deadline=None)
@given(
    text=st.text(alphabet=st.characters(exclude_categories=()), max_size=200),
    lead=PAGE_ENDS,
    trail=PAGE_ENDS,
)
def test_page_bytes_give_the_tree_of_their_decoded_text(text: str, lead: str, trail: str) -> None:
    # Document.parse hands lxml the page's own bytes when they are its text's UTF-8.
    data = f"{lead}<html><body><p>{text}</p></body></html>{trail}".encode("utf-8", "surrogatepass")
    encoding, decoded = decode_html(data)
    cleaned = clean_for_lxml(decoded)
    try:
        doc = Document.parse(data, URL, FETCHED_AT)
    except PageRefused as refused:
        if refused.reason in ("too_deep", "too_many_elements"):  # the tree's own refusals
            with pytest.raises(PageRefused, match=refused.reason):
                parse_tree(cleaned, URL, DEFAULT_LIMITS)
        return
    expected, _ = parse_tree(cleaned, URL, DEFAULT_LIMITS)
    assert doc.text == cleaned and doc.encoding == encoding
    assert etree.tostring(doc.root) == etree.tostring(expected)


def test_a_refused_listing_page_is_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import project_settings
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from archiver.crawl.spider import ArticlesSpider

    monkeypatch.chdir(tmp_path)  # the crawl state goes to ./archive here
    crawler = get_crawler(ArticlesSpider, settings_dict=project_settings())
    crawler.stats = MemoryStatsCollector(crawler)
    spider = ArticlesSpider.from_crawler(crawler)
    crawler.spider = spider
    page = HtmlResponse(url=URL, body=BY_NAME["png-as-html"].build(), request=Request(URL))
    assert list(spider.parse_listing(page)) == []
    assert crawler.stats.get_value("archiver/skipped/binary") == 1


@pytest.mark.parametrize("depth", [4, 63, 64, 65, 66, 200])
def test_depth_cap_holds_on_both_sides_of_the_shallow_probe(depth: int) -> None:
    # html > body > div^n > p: the p is n + 3 deep.
    divs = depth - 3
    page = (
        "<html><body>"
        + "<div>" * divs
        + "<p>"
        + "Deep text here. " * 20
        + "</p>"
        + "</div>" * divs
        + "</body></html>"
    ).encode()
    for cap, refused in ((depth - 1, True), (depth, False)):
        result = parse_page(page, URL, fetched_at=FETCHED_AT, limits=PageLimits(max_depth=cap))
        assert (result.reason == "too_deep") is refused, (depth, cap, result.reason)
