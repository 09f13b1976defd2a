"""The generic layer: fields of pages no profile matches, from markup conventions and metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from archiver.extract import content
from archiver.extract.boilerplate import RELATED_HEADINGS
from archiver.extract.content import NoArticle
from archiver.extract.document import Document
from archiver.extract.nodes import short_text
from archiver.extract.select import xpath
from archiver.extract.text import squash
from archiver.extract.titles import ARTICLE_TYPES

BREADCRUMB_HINTS = (
    "nav[aria-label*=readcrumb]",
    ".breadcrumb",
    ".breadcrumbs",
    "#breadcrumb",
    ".crumbs",
    ".position",
    ".location",
)
# Where a heading of a related-links block may sit: heading tags and short inline/blocks.
RELATED_HEADING_TAGS = (
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "span",
    "div",
    "p",
    "em",
    "header",
)


def main_content(doc: Document) -> BodyChoice | NoArticle:
    """The article body's element and the boilerplate parts inside it to skip, or why the
    page has none."""
    body = doc.root.find("body")
    declared = doc.meta.get("og:type") == "article" or any(
        True for _ in doc.ld_of_type(*ARTICLE_TYPES)
    )
    found = content.main_content(body if body is not None else doc.root, declared, doc.base_url)
    if isinstance(found, NoArticle):
        return found
    return BodyChoice(found.root, found.skip, found.dropped)


@dataclass(frozen=True, slots=True)
class BodyChoice:
    """The element holding the article body, the elements to skip in it, and the tags whose
    insides are not rendered (<noscript> is, when it holds the body)."""

    node: etree._Element
    skip: frozenset[etree._Element]
    dropped: frozenset[str]


def breadcrumb_node(doc: Document) -> etree._Element | None:
    node = doc.css_first(BREADCRUMB_HINTS)
    return node if isinstance(node, etree._Element) else None


def breadcrumb_from_ld(doc: Document) -> tuple[str, ...]:
    for obj in doc.ld_of_type("BreadcrumbList"):
        items = obj.get("itemListElement")
        if isinstance(items, list):
            names = [_ld_name(item) for item in items]
            return tuple(n for n in names if n)
    return ()


def _ld_name(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    if not name and isinstance(item.get("item"), dict):
        name = item["item"].get("name")
    return squash(name) if isinstance(name, str) else None


def related_items(doc: Document) -> list[etree._Element]:
    """List items (or links) under every heading such as 相关推荐 / 猜你喜欢 / Related posts /
    You may also like, in page order."""
    found: list[etree._Element] = []
    for heading in _related_headings(doc.root):
        found.extend(_items_after(heading))
    return found


def _items_after(scope: etree._Element) -> list[etree._Element]:
    """The list items with links after a heading, else its links; climbing up to three
    levels when the heading sits alone in a wrapper."""
    for _ in range(3):
        items = xpath(
            scope, "following-sibling::*//li[.//a[@href]] | following-sibling::li[.//a[@href]]"
        )
        if items:
            return items  # type: ignore[return-value]
        links = xpath(scope, "following-sibling::*//a[@href] | following-sibling::a[@href]")
        if links:
            return links  # type: ignore[return-value]
        parent = scope.getparent()
        if parent is None:
            break
        scope = parent
    return []


def _related_headings(root: etree._Element) -> Iterator[etree._Element]:
    # Only small elements can be a heading; short_text stops reading a long one early.
    # (An XPath pre-filter on the heading words was measured twice as slow on aeb-dev.)
    for el in root.iter(*RELATED_HEADING_TAGS):
        if len(el) <= 2 and _may_start_heading(el):
            text = short_text(el, 40)
            if text is not None and RELATED_HEADINGS.match(text):
                yield el


# Every RELATED_HEADINGS phrase starts with one of these (tests/test_generic.py checks).
HEADING_FIRST_CHARS = frozenset("相推延猜rRyYmM")


def _may_start_heading(el: etree._Element) -> bool:
    """False when the element's squashed text is empty or starts with a character no heading
    starts with: most candidates are ruled out on their first text node, without reading and
    squashing up to 40 characters (a fifth of an article's extraction time)."""
    for piece in el.itertext():
        text = piece.lstrip()
        if text:
            first = text[0]
            # An ASCII character or a CJK ideograph is the squashed text's first character
            # as it is (squash only drops controls and bidi marks and turns zero-width
            # spaces to spaces) and has no other case; anything else is left to the regex.
            plain = "!" <= first <= "~" or "\u4e00" <= first <= "\u9fff"
            return not plain or first in HEADING_FIRST_CHARS
    return False  # only whitespace: squashed to ""


def tags_meta(doc: Document) -> tuple[str, ...]:
    tags = [squash(t) for t in doc.css('meta[property="article:tag"]::attr(content)')]  # type: ignore[arg-type]
    if not tags and doc.meta.get("keywords"):
        tags = [squash(t) for t in re.split(r"[,，;；]", doc.meta["keywords"])]
    return tuple(dict.fromkeys(t for t in tags if t))
