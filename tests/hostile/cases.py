"""The hostile-page corpus: small pages live beside this file, big ones are built here.

Each case says what extraction must give: a record (`RECORD`) or the counted reason.
`build(name)` returns the page bytes; the big ones (60 MB, 1M links, 10 MB lines) are
generated on demand so the repository holds no megabytes.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
ENCODINGS = HERE.parent.parent / "fixtures" / "encodings"
RECORD = "record"
URL = "https://hostile.example.test/page.html"
FETCHED_AT = "2024-09-30T08:00:00Z"
MIB = 1024 * 1024

ARTICLE_TEXT = (
    "A hostile page still carries an article, and this paragraph is it. It is long enough for "
    "the generic extractor to take it as the body of the page, about two hundred characters or "
    "more, so that whatever surrounds it decides the outcome rather than the article itself."
)


def article(
    title: str = "Hostile page", before: str = "", inside: str = "", after: str = "", head: str = ""
) -> bytes:
    """A minimal article page with hostile parts placed around or inside the body."""
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title>{head}</head>"
        f"<body>{before}<article><h1>{title}</h1>"
        f"<p>{ARTICLE_TEXT}</p>{inside}</article>{after}</body></html>"
    ).encode()


def _file(name: str) -> Callable[[], bytes]:
    return lambda: (FILES / name).read_bytes()


def _encoding_fixture(name: str) -> Callable[[], bytes]:
    return lambda: (ENCODINGS / name).read_bytes()


def _cut_inside(char: str, data: bytes) -> bytes:
    """`data` cut one byte into the first `char`: a download that stopped mid-character."""
    return data[: data.index(char.encode("utf-8")) + 1]


def _links(n: int, compact: bool) -> bytes:
    if compact:  # 10 bytes a link: fits the size cap, not the tag cap
        return article(inside="<a href=a>" * n)
    return article(
        inside="<ul>"
        + "".join(f'<li><a href="/a/{i}.html">link {i}</a></li>' for i in range(n))
        + "</ul>"
    )


def _attributes(n: int, value: str = "") -> bytes:
    """An article whose one <div> has `n` distinct attributes (and a `title` of `value`)."""
    names = " ".join(f"a{i}" for i in range(n))
    return article(
        inside=f'<div title="{value}" {names}>x</div>' if value else f"<div {names}>x</div>"
    )


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    expect: str
    """RECORD, or the reason ParseResult / the CLI gives."""
    big: bool = False
    """Generated (megabytes): run in the library test, kept out of the CLI directory test."""


CASES: tuple[Case, ...] = (
    Case("empty", lambda: b"", "empty"),
    Case("whitespace-only", lambda: b" \r\n\t \x0c " * 100, "empty"),
    Case("utf16-bom-only", lambda: b"\xff\xfe", "empty"),
    Case("binary-random", _file("binary.bin.html"), "binary"),
    Case("png-as-html", _file("image.png.html"), "binary"),
    Case(
        "jpeg-as-html",
        lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8,
        "binary",
    ),
    Case("gzip-as-html", lambda: gzip.compress(article()), "binary"),
    Case("truncated-mid-tag", lambda: article()[:-40], RECORD),
    Case(
        "truncated-mid-utf8",
        lambda: _cut_inside("截", article(inside="<p>" + "多字节字符被截断" * 30)),
        RECORD,
    ),
    Case("unclosed-markup", _file("unclosed.html"), RECORD),
    # An unclosed <title> swallows the rest of the page as its text (as in browsers).
    Case("unclosed-title", lambda: article().replace(b"</title>", b""), "not_article"),
    Case("nul-bytes", _file("nul.html"), RECORD),
    Case(
        "control-characters",
        lambda: article(title="Ctl\x01\x02\x1b\x7f title", inside="<p>\x0b\x0c\x1f text\x85</p>"),
        RECORD,
    ),
    Case("entities-and-surrogates", _file("entities.html"), RECORD),
    # ED A0 80: U+D800 encoded as if it were a character (CESU-8 / "WTF-8"), invalid UTF-8.
    Case(
        "surrogate-bytes",
        lambda: article().replace(b"Hostile page</h1>", b"Hostile \xed\xa0\x80 page</h1>"),
        RECORD,
    ),
    Case("rtl-override-title", _file("rtl.html"), RECORD),
    Case(
        "line-separators-title",
        lambda: article(title="Line\u2028separator\u2029title\u0085next"),
        RECORD,
    ),
    Case("bad-base-href", _file("bad-base.html"), RECORD),
    Case("malformed-and-unsafe-links", _file("bad-links.html"), RECORD),
    Case("gbk-undeclared", _encoding_fixture("gbk-undeclared.html"), RECORD),
    Case("gbk-declared-utf8", _encoding_fixture("gbk-declared-utf8.html"), RECORD),
    Case("utf16-bom", _encoding_fixture("utf16le-bom.html"), RECORD),
    Case(
        "json-ld-nested",
        lambda: article(
            head='<script type="application/ld+json">' + "[" * 5000 + "]" * 5000 + "</script>"
        ),
        RECORD,
    ),
    Case(
        "toc-5000-entries",
        lambda: article(
            inside='<div class="toc"><ul>'
            + "".join(f'<li><a href="#h{i}">Heading {i}</a></li>' for i in range(5000))
            + "</ul></div>"
        ),
        RECORD,
    ),
    Case("nesting-600", lambda: article(before="<div>" * 600), "too_deep"),
    Case(
        "nesting-100k",
        lambda: article(before="<div>" * 100_000 + "x" + "</div>" * 100_000),
        "too_deep",
        big=True,
    ),
    Case(
        "elements-60k", lambda: article(inside="<p>x</p>" * 60_000), "too_many_elements", big=True
    ),
    # Just under the element cap: the slowest page that is still extracted.
    Case("elements-39k", lambda: article(inside="<div>x</div>" * 39_000), RECORD, big=True),
    Case("tags-500k", lambda: article(inside="<p>" * 500_000), "too_many_tags", big=True),
    Case("links-30k", lambda: _links(30_000, compact=False), "too_many_elements", big=True),
    Case(
        "links-12k",
        lambda: article(inside="".join(f'<a href="/l/{i}">{i}</a> ' for i in range(12_000))),
        RECORD,
        big=True,
    ),
    Case("links-1m", lambda: _links(1_000_000, compact=False), "too_large", big=True),
    Case("links-1m-compact", lambda: _links(1_000_000, compact=True), "too_many_tags", big=True),
    Case(
        "page-60mb",
        lambda: article(inside="<p>" + "word " * (12 * MIB) + "</p>"),
        "too_large",
        big=True,
    ),
    # Just under the page cap, all of it text: extracted, then too big for a record.
    Case(
        "text-15mb",
        lambda: article(inside="<p>" + "word " * (3 * MIB) + "</p>"),
        "record_too_large",
        big=True,
    ),
    Case(
        "text-4mb",
        lambda: article(inside="<p>" + "word " * (800 * 1024) + "</p>"),
        RECORD,
        big=True,
    ),
    Case(
        "line-10mb-script",
        lambda: article(head="<script>var x='" + "a" * (10 * MIB) + "';</script>"),
        RECORD,
        big=True,
    ),
    Case(
        "line-10mb-text",
        lambda: article(inside="<p>" + "x" * (10 * MIB) + "</p>"),
        "record_too_large",
        big=True,
    ),
    # libxml2 checks each attribute of a tag against all earlier ones: 100,000 took 13 s.
    Case(
        "attributes-100k-value-5mb",
        lambda: _attributes(100_000, "v" * (5 * MIB)),
        "too_many_attributes",
        big=True,
    ),
    Case("attribute-value-5mb", lambda: _attributes(1, "v" * (5 * MIB)), RECORD, big=True),
    Case("attributes-256", lambda: _attributes(256 - 1, "v"), RECORD),
    Case("attributes-257", lambda: _attributes(257 - 1, "v"), "too_many_attributes"),
    # HTML5 (and libxml2) let a name hold `<` and a quoted value hold `>`: still one tag.
    Case(
        "attributes-300-disguised",
        lambda: article(
            inside="<div " + " ".join(f'a{i}<b c{i}=">"' for i in range(150)) + ">x</div>"
        ),
        "too_many_attributes",
    ),
    Case(
        "data-url-10mb",
        lambda: article(inside='<img src="data:image/png;base64,' + "A" * (10 * MIB) + '">'),
        RECORD,
        big=True,
    ),
)
BY_NAME = {case.name: case for case in CASES}


def gzip_bomb(expanded: int) -> bytes:
    """A small .html.gz that inflates to `expanded` bytes."""
    return gzip.compress(b"<html><body><p>" + b" " * expanded, compresslevel=9)
