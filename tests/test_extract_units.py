"""Extraction pieces on small hand-made inputs: text, dates, URLs, body rendering, listings."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver import parse_article, parse_listing
from archiver.extract.dates import parse_date, parse_offset
from archiver.extract.document import Document
from archiver.extract.text import content_hash, decode_leaked_entities, normalised_for_hash, squash
from archiver.extract.urls import dedup_key, resolve, strip_tracking

FETCHED = datetime(2024, 9, 30, 8, 0, tzinfo=UTC)
CST = parse_offset("+08:00")


def test_squash_removes_indentation_spaces() -> None:
    assert squash("\u2002\u2002\u2002\u2002由于对齐\u3000标准\u00a0 x ") == "由于对齐 标准 x"


@pytest.mark.parametrize(
    "raw, decoded",
    [
        ("核心亮点&#xff1a; 满足", "核心亮点： 满足"),
        ("超时了&#xff1f;&#xff1f;", "超时了？？"),
        ("不少&am…...", "不少&am…..."),  # cut inside an entity: kept as text
        ("bad &#xD800; and &#99999999; end", "bad \ufffd and \ufffd end"),
        ("a &amp;#xff1a; b", "a &#xff1a; b"),  # decoded one level only
    ],
)
def test_leaked_entities(raw: str, decoded: str) -> None:
    assert decode_leaked_entities(raw) == decoded


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-09-27 10:20:31", "2024-09-27T10:20:31+08:00"),
        ("2024年09月27日 10:20", "2024-09-27T10:20:00+08:00"),
        ("发布时间：2024年9月7日", "2024-09-07"),
        ("发布于 3 天前", "2024-09-27"),
        ("5 小时前", "2024-09-30T11:00:00+08:00"),
        ("昨天 18:30", "2024-09-29T18:30:00+08:00"),
        ("2024-02-30 10:00", None),
        ("阅读：1352", None),
    ],
)
def test_chinese_dates(text: str, expected: str | None) -> None:
    assert parse_date(text, FETCHED, CST) == expected


def test_iso_date_keeps_its_own_offset() -> None:
    assert parse_date("2024-09-27T10:20:31Z", FETCHED, CST) == "2024-09-27T10:20:31+00:00"
    assert parse_date("2024-09-27T10:20:31", FETCHED, None) == "2024-09-27T10:20:31"


def test_tracking_params_and_fragment_are_stripped() -> None:
    url = "https://a.test/news/1.html?utm_source=home&id=3&spm=1001.2014#comments"
    assert strip_tracking(url) == "https://a.test/news/1.html?id=3"
    assert dedup_key("https://a.test/news/1.html?utm_source=x") == dedup_key(
        "https://a.test/news/1.html#c"
    )


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "http://[bad", "#top", ""],
)
def test_resolve_refuses_non_web_links(href: str) -> None:
    assert resolve("https://a.test/x/", href) is None


def test_content_hash_ignores_whitespace_and_width() -> None:
    assert content_hash("Ａ  b\n\nc") == content_hash("a b c")
    assert content_hash("a b c") != content_hash("a b d")


PAGE = """<html lang="en"><head><title>Code page | Blog</title>
<meta property="og:title" content="Code page"></head><body>
<nav><a href="/">Home</a></nav>
<article>
<h1>Code page</h1>
<p>First paragraph with enough words to look like an article body, written for the test of
the renderer so that the generic layer accepts it as the main content of this page.</p>
<pre><code class="language-python">def f(x):
    if x:
        return 1

    return 2
</code></pre>
<p>Line one<br>line two</p>
<p>After the code there is more text, so the body is long enough to be an article and the
test can check paragraph boundaries and the handling of inline <b>bold</b> <i>words</i>.</p>
<script>var x = 1;</script>
</article>
<footer>Copyright</footer>
</body></html>"""


def test_code_blocks_keep_every_line_break_and_leading_space() -> None:
    article = parse_article(
        PAGE, "https://blog.test/p/code.html", fetched_at="2024-09-30T08:00:00Z"
    )
    assert article is not None
    code = "def f(x):\n    if x:\n        return 1\n\n    return 2"
    assert code in article.body
    assert (
        '<pre><code class="language-python">def f(x):\n    if x:\n        return 1\n\n   '
        " return 2\n</code></pre>"
    ) in article.body_html
    assert "Line one\nline two" in article.body
    assert "<b>bold</b> <i>words</i>" in article.body_html
    assert "var x" not in article.body and "<script" not in article.body_html
    assert "Copyright" not in article.body
    assert article.extractor == "generic"
    assert article.language == "en"


def test_not_an_article() -> None:
    assert parse_article("<html><body><p>Hello</p></body></html>", "https://a.test/") is None
    assert parse_article(b"", "https://a.test/") is None


LISTING_NUMBERS = """<html><body><div class="list">
<a href="/post/2024/first-long-article-title.html">First long article title</a>
<a href="/post/2024/second-long-article-title.html?utm_source=rss">Second long article title</a>
<a href="https://other.test/post/elsewhere-article.html">Elsewhere article on another site</a>
</div>
<div class="pagination"><a href="/list/1">1</a><span class="current">2</span>\
<a href="/list/3">3</a></div>
</body></html>"""


def test_listing_generic_links_and_number_pagination() -> None:
    listing = parse_listing(LISTING_NUMBERS, "https://blog.test/list/2")
    assert listing.article_urls == (
        "https://blog.test/post/2024/first-long-article-title.html",
        "https://blog.test/post/2024/second-long-article-title.html",
    )
    assert listing.next_page_url == "https://blog.test/list/3"


def test_listing_next_word() -> None:
    html = '<html><body><a href="?page=3">下一页</a><a href="?page=1">上一页</a></body></html>'
    assert (
        parse_listing(html, "https://blog.test/news/?page=2").next_page_url
        == "https://blog.test/news/?page=3"
    )
    assert parse_listing("<html></html>", "https://blog.test/").next_page_url is None


def _nfkc_reference(body: str) -> str:
    """The definition archives were hashed with: NFKC, casefold, whitespace collapsed."""
    return " ".join(
        unicodedata.normalize("NFKC", body)
        .casefold()
        .replace("\u200b", " ")
        .replace("\ufeff", " ")
        .split()
    )


@given(
    st.text(
        alphabet=st.sampled_from(
            "aAＡｚ，：（）\u3000 \t\n\u2002\u00a0\u0301\u0308\u30ab\u3099"
            "\uff76\uff9e\u00bd\u2474中文\u00a8\ufb01\u200b"
        )
    )
)
def test_hash_normalisation_is_nfkc_casefold_collapse(body: str) -> None:
    assert normalised_for_hash(body) == _nfkc_reference(body)


def test_a_document_moved_to_another_url_keeps_tree_answers_and_redoes_url_ones() -> None:
    page = (
        b'<html lang="zh"><head><base href="sub/"><meta name="author" content="A"></head>'
        b'<body><p class="x">t</p></body></html>'
    )
    doc = Document.parse(page, "https://a.test/dir/page.html", "2024-09-30T08:00:00Z")
    assert (
        doc.base_url == "https://a.test/dir/sub/" and doc.css(".x") and doc.meta == {"author": "A"}
    )
    moved = doc.with_url("https://b.test/other/p.html")
    assert moved.url == "https://b.test/other/p.html"
    assert moved.base_url == "https://b.test/other/sub/"
    assert moved.css(".x") is doc.css(".x") and moved.meta is doc.meta and moved.html_lang == "zh"
