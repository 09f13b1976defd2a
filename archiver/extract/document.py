"""One parsed document per page: decoded text, selector, base URL, meta tags, JSON-LD."""

from __future__ import annotations

import codecs
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lxml import etree
from parsel import Selector

from archiver.extract.attrscan import crowded_tag_at
from archiver.extract.cached import cached_property
from archiver.extract.cssmatch import ElementIndex
from archiver.extract.dates import parse_fetched_at
from archiver.extract.encoding import decode_html, utf16_codec
from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.select import Node, first, select, xpath
from archiver.extract.text import clean, squash
from archiver.extract.urls import resolve

__all__ = ["Document", "PageLimits", "PageRefused", "check_body", "decode_html"]

# What images, archives, fonts and media served as text/html start with.
BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"\x28\xb5\x2f\xfd",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"\x7fELF",
    b"wOFF",
    b"wOF2",
    b"\x00\x01\x00\x00\x00",
    b"II*\x00",
    b"MM\x00*",
    b"\x1a\x45\xdf\xa3",
)
# C0 controls that text never holds (ESC stays: ISO-2022-JP uses it).
_BINARY_BYTES = bytes([*range(0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def check_body(body: bytes | str, limits: PageLimits = DEFAULT_LIMITS) -> None:
    """Refuse, before any decoding or parsing, a page that is empty, binary or too big."""
    if len(body) > limits.max_page_bytes:
        raise PageRefused("too_large", f"{len(body)} bytes, over {limits.max_page_bytes}")
    if isinstance(body, str):
        if not body.strip():
            raise PageRefused("empty", "no text")
        tags = body.count("<")
    else:
        if not body.strip():
            raise PageRefused("empty", f"{len(body)} bytes of whitespace" if body else "0 bytes")
        if _looks_binary(body):
            raise PageRefused("binary", f"starts {body[:8]!r}")
        tags = body.count(b"<")
    if tags > limits.max_tags:
        raise PageRefused("too_many_tags", f"{tags} '<', over {limits.max_tags}")


def _looks_binary(body: bytes) -> bool:
    if body.startswith(BINARY_SIGNATURES) or body[4:8] == b"ftyp":
        return True
    head = body[:8192]
    if utf16_codec(body) is not None or head.startswith(
        (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
    ):
        return False
    # A stray NUL is a broken page (kept); one control byte in ten is not text.
    return len(head) - len(head.translate(None, _BINARY_BYTES)) > len(head) // 10


def parse_tree(
    text: str, url: str, limits: PageLimits, utf8: bytes | None = None
) -> tuple[etree._Element, int]:
    """The lxml tree of cleaned text (`clean_for_lxml`), as parsel builds it, and its number
    of elements; refused when a tag holds too many attributes, or the tree is nested too deep
    or holds too many elements. `utf8`, when given, is `text` encoded as UTF-8 already (the
    page's own bytes)."""
    crowded = crowded_tag_at(text, limits.max_attributes)
    if crowded is not None:
        raise PageRefused(
            "too_many_attributes",
            f"a tag at character {crowded} has more than {limits.max_attributes} attributes",
        )
    body = _stripped_utf8(text, utf8) or b"<html/>"
    # etree's parser, not lxml.html's: that one attaches a Python class lookup to the tree,
    # called for every element any iteration or XPath hands out (10% of extraction time).
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(body, parser=parser, base_url=url)
    except etree.XMLSyntaxError:
        root = None
    if any("Excessive depth" in error.message for error in parser.error_log):
        # libxml2 stops at depth 2048 and drops the rest of the page without a word.
        raise PageRefused("too_deep", "nested deeper than 2048 elements; the parser stopped there")
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=url)
    elements = int(xpath(root, "count(//*)"))  # type: ignore[call-overload]
    # A tree of n elements is at most n deep: most pages never need the depth check.
    if elements > limits.max_depth and _deeper_than(root, limits.max_depth):
        raise PageRefused("too_deep", f"nested deeper than {limits.max_depth} elements")
    if elements > limits.max_elements:
        raise PageRefused("too_many_elements", f"{elements} elements, over {limits.max_elements}")
    if elements > NUMBER_FROM:
        number_elements(root)
    return root, elements


# Below this many elements, sorting XPath results by walking siblings costs less than
# numbering the tree (tests/test_hostile.py's 40k siblings are far above it).
NUMBER_FROM = 2_000


def number_elements(root: etree._Element) -> None:
    """Let libxml2 sort XPath results by a stored element number instead of by walking
    siblings: without it one union (`//div | //p`, and every CSS selector with a comma)
    over 40k sibling <div>s took 3.3 s, over 80k 14 s; numbered, 0.06 s.

    Applying any XSLT numbers the elements (libxslt calls xmlXPathOrderDocElems, "to speed
    up XPath computation on static documents"); lxml offers no other way. Only libxml2's
    private order field changes, and the tree is never modified afterwards.
    """
    _numbering_xslt()(root)


_NUMBERING_XSLT = (
    b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    b'<xsl:template match="/"><done/></xsl:template></xsl:stylesheet>'
)


# Compiled once per process (a constant stylesheet; compiling it took as long as applying it).
@functools.cache
def _numbering_xslt() -> etree.XSLT:
    return etree.XSLT(etree.XML(_NUMBERING_XSLT))


# Characters XML 1.0 forbids. lxml keeps them in the tree, then raises "All strings must be
# XML compatible" when an attribute is read (`<meta \x01name=…>`, found by hypothesis); a
# NUL ends parsing. Form feed is HTML whitespace, so it becomes a space.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
# A lone surrogate (from a `str` page) cannot be encoded for lxml at all.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _stripped_utf8(text: str, utf8: bytes | None) -> bytes:
    """`text.strip().encode("utf-8")`, cut from `utf8` (text's UTF-8) when that is the same:
    bytes.strip() knows only ASCII whitespace, so not when a non-ASCII one ends the page."""
    if utf8 is not None:
        body = utf8.strip()
        # The first and last characters (a UTF-8 character is at most 4 bytes).
        ends = body[:4].decode("utf-8", "ignore")[:1] + body[-4:].decode("utf-8", "ignore")[-1:]
        if not any(c.isspace() for c in ends):
            return body
    return text.strip().encode("utf-8")


def clean_for_lxml(text: str, utf8: bytes | None = None) -> str:
    """Text lxml takes whole: only XML characters; a lone surrogate (unencodable) is U+FFFD.
    `utf8`, when given, is `text` encoded as UTF-8 already; an unchanged text is returned
    as the same object."""
    if _only_xml_bytes(utf8) if utf8 is not None else _only_xml_chars(text):
        return text
    text = _NOT_XML.sub("", text.replace("\x0c", " ") if "\x0c" in text else text)
    return _SURROGATE.sub("\ufffd", text)


# The C0 bytes that _NOT_XML removes, plus form feed; in UTF-8 they only stand for themselves.
_NOT_XML_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))


def _only_xml_chars(text: str) -> bool:
    """Whether `clean_for_lxml` has nothing to do: checked in C on the UTF-8 bytes, 4x faster
    than the regex scan on the pages of benchmarks/aeb.py, which all pass."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return _only_xml_bytes(data)


def _only_xml_bytes(data: bytes) -> bool:
    return (
        len(data.translate(None, _NOT_XML_BYTES)) == len(data)
        and b"\xef\xbf\xbe" not in data
        and b"\xef\xbf\xbf" not in data
    )


def _deeper_than(root: etree._Element, depth: int) -> bool:
    # One child step per level, evaluated level by level in C (0.1 ms to compile), unlike
    # a recursive walk, which would itself need the depth it is checking. Each step costs
    # even on an empty set, so a shallow probe answers first for the usual page.
    probe = min(depth, SHALLOW)
    if not xpath(root, "boolean(" + "/*" * (probe + 1) + ")"):
        return False
    return probe == depth or bool(xpath(root, "boolean(" + "/*" * (depth + 1) + ")"))


SHALLOW = 64


@dataclass(frozen=True)
class Document:
    """Everything derived once from one page; extraction reads from here, never re-parses."""

    url: str
    encoding: str
    text: str
    root: etree._Element
    fetched_at: datetime
    limits: PageLimits = field(default=DEFAULT_LIMITS)
    element_count: int = -1
    """Elements in the tree (counted while parsing); -1: not counted, count when asked."""

    @classmethod
    def parse(
        cls,
        html: bytes | str,
        url: str,
        fetched_at: str,
        content_type: str | None = None,
        limits: PageLimits = DEFAULT_LIMITS,
    ) -> Document:
        """Decode and parse a page; raises PageRefused (with its reason) for a hostile one."""
        check_body(html, limits)
        encoding, text = decode_html(html, content_type)
        # The page's bytes are the text's UTF-8 when they were UTF-8 without a BOM and
        # decoded without a replacement: lxml gets them rather than the text encoded again.
        lossless = encoding == "utf-8" and "\ufffd" not in text
        utf8 = (
            html
            if isinstance(html, bytes) and lossless and not html.startswith(codecs.BOM_UTF8)
            else None
        )
        cleaned = clean_for_lxml(text, utf8)
        if cleaned is not text:
            text, utf8 = cleaned, None
        if not text.strip():
            raise PageRefused("empty", f"no text once decoded as {encoding}")
        root, elements = parse_tree(text, url, limits, utf8)
        return cls(
            url=url,
            encoding=encoding,
            text=text,
            root=root,
            fetched_at=parse_fetched_at(fetched_at),
            limits=limits,
            element_count=elements,
        )

    def with_url(self, url: str) -> Document:
        """The same page at another URL (the CLI's saved pages), keeping what was already
        worked out from the tree alone; URL-dependent answers are worked out again."""
        moved = replace(self, url=url)
        for name in _TREE_ONLY:
            if name in self.__dict__:
                moved.__dict__[name] = self.__dict__[name]
        return moved

    def css(self, css: str) -> list[Node]:
        """Every match of `css` in the page, evaluated once per page: a profile's `require`,
        `signature` and field selectors often name the same elements."""
        found = self._css_results.get(css)
        if found is None:
            found = self._css_results[css] = select(self.root, css, self._index)
        return found

    def css_in(self, node: etree._Element, css: str) -> list[Node]:
        """Every match of `css` under (and including) `node`, a part of this page (not memoised)."""
        return select(node, css, self._index)

    def css_first_in(self, node: etree._Element | None, selectors: tuple[str, ...]) -> Node | None:
        """The first match under `node` of the first selector in the list that matches anything."""
        return first(node, selectors, self._index)

    def css_first(self, selectors: tuple[str, ...]) -> Node | None:
        """The first match of the first selector in the list that matches anything."""
        for css in selectors:
            found = self.css(css)
            if found:
                return found[0]
        return None

    @cached_property
    def _css_results(self) -> dict[str, list[Node]]:
        return {}

    @cached_property
    def _index(self) -> ElementIndex:
        return ElementIndex(self.root)

    @cached_property
    def selector(self) -> Selector:
        """The tree as a parsel selector, for code that wants parsel's API."""
        return Selector(root=self.root, type="html", base_url=self.url)

    @cached_property
    def base_url(self) -> str:
        """The page URL, or its `<base href>` when that resolves to a web URL."""
        href = self.css_first(("base::attr(href)",))
        return resolve(self.url, href if isinstance(href, str) else None) or self.url

    def absolute(self, href: str | None) -> str | None:
        """`href` made absolute against the base URL; None for junk, other schemes, or a
        target past the page's link budget."""
        if href is None:
            return None
        budget = self._link_budget
        if budget is not None and href not in budget:
            return None
        # Memoised: a page repeating one link 10k times (`<a href=/1>`) resolves it once.
        known = self._resolved
        if href not in known:
            known[href] = resolve(self.base_url, href)
        return known[href]

    @cached_property
    def _resolved(self) -> dict[str, str | None]:
        return {}

    @cached_property
    def _link_budget(self) -> frozenset[str] | None:
        """The first `max_links` distinct href/src values in page order; None when the page
        has no more than that. A set, not a counter, so the answer never depends on which
        field asked first."""
        cap = self.limits.max_links
        # An element holds at most one href and one src: a small tree needs no count.
        elements = (
            self.element_count if self.element_count >= 0 else int(xpath(self.root, "count(//*)"))
        )  # type: ignore[call-overload]
        if 2 * elements <= cap:
            return None
        if xpath(self.root, "count(//@href | //@src)") <= cap:  # type: ignore[operator]
            return None
        targets: dict[str, None] = {}
        for value in xpath(self.root, "//@href | //@src"):
            targets.setdefault(value)
            if len(targets) >= cap:
                break
        return frozenset(targets)

    @cached_property
    def meta(self) -> dict[str, str]:
        """`<meta name|property|itemprop=… content=…>`, keys lower-cased, first one wins."""
        found: dict[str, str] = {}
        for node in self.root.iter("meta"):
            content = node.get("content")
            key = node.get("name") or node.get("property") or node.get("itemprop")
            if key and content is not None:
                found.setdefault(key.strip().lower(), squash(content))
        return found

    @cached_property
    def json_ld(self) -> tuple[dict[str, Any], ...]:
        """Every JSON-LD object on the page, `@graph` members flattened."""
        objects: list[dict[str, Any]] = []
        for raw in xpath(self.root, '//script[@type="application/ld+json"]/text()'):
            try:
                data = json.loads(_unwrapped(clean(raw)))
            except (ValueError, RecursionError):
                # RecursionError: `[[[[…` nested past the interpreter's limit.
                continue
            objects.extend(_flatten_ld(data))
        return tuple(objects)

    @cached_property
    def html_lang(self) -> str | None:
        lang = self.root.get("lang") if self.root.tag == "html" else None
        if lang is None:
            lang = self.meta.get("content-language")
        return squash(lang) or None if lang else None

    def ld_of_type(self, *types: str) -> Iterator[dict[str, Any]]:
        for obj in self.json_ld:
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(k in types for k in kinds if isinstance(k, str)):
                yield obj


# `<![CDATA[ {...} ]]>`, `//<![CDATA[ … //]]>`, `<!-- … -->` around a JSON-LD script's JSON
# (Wikipedia, Kotaku): markup for old XHTML parsers, not part of the JSON.
_LD_WRAPPER = re.compile(
    r"^\s*(?:(?://|/\*)?\s*<!\[CDATA\[|<!--)|(?:(?://|/\*)?\s*\]\]>\s*(?:\*/)?|-->)\s*$"
)


def _unwrapped(raw: str) -> str:
    return _LD_WRAPPER.sub("", raw) if "<!" in raw else raw


# Cached answers that depend on the tree only, never on the URL (see Document.with_url).
_TREE_ONLY = ("_css_results", "_index", "meta", "json_ld", "html_lang", "_link_budget")

LD_MAX_NESTING = 8


def _flatten_ld(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    # Real JSON-LD nests lists and @graph two or three deep; a hostile page nests 900.
    if depth > LD_MAX_NESTING:
        return []
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten_ld(item, depth + 1)]
    if not isinstance(data, dict):
        return []
    graph = data.get("@graph")
    return _flatten_ld(graph, depth + 1) if isinstance(graph, list) else [data]
