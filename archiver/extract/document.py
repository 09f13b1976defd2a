"""One parsed document per page: decoded text, selector, base URL, meta tags, JSON-LD."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lxml import etree
from parsel import Selector

from archiver.extract.cached import cached_property
from archiver.extract.cssmatch import ElementIndex
from archiver.extract.dates import parse_fetched_at
from archiver.extract.encoding import decode_html
from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.nodes import TextPiece, text_pieces
from archiver.extract.select import Node, first, select, xpath
from archiver.extract.text import clean, squash
from archiver.extract.tree import check_body, clean_for_lxml, parse_tree
from archiver.extract.urls import resolve

__all__ = ["Document", "PageLimits", "PageRefused", "check_body", "decode_html"]


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

    def named_like(self, pattern: re.Pattern[str]) -> set[etree._Element]:
        """Every element with a class name or an id that `pattern` (never matching across
        whitespace) finds something in, from the page's class and id index."""
        return self._index.named_like(pattern)

    @cached_property
    def _css_results(self) -> dict[str, list[Node]]:
        return {}

    @cached_property
    def _index(self) -> ElementIndex:
        return ElementIndex(self.root)

    @cached_property
    def text_pieces(self) -> list[TextPiece]:
        """The tree's texts but whitespace alone, with their nodes (nodes.text_pieces)."""
        return text_pieces(self.root)

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
        elements = self.element_count
        if elements < 0:
            elements = int(xpath(self.root, "count(//*)"))  # type: ignore[call-overload]
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
        # Through the attribute, not a predicate on every <script>: same texts, 20% sooner.
        for raw in xpath(self.root, '//script/@type[.="application/ld+json"]/../text()'):
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
_TREE_ONLY = (
    "_css_results",
    "_index",
    "meta",
    "json_ld",
    "html_lang",
    "_link_budget",
    "text_pieces",
)

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
