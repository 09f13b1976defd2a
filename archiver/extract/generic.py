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
    "nav[aria-label*=readcrumb]", ".breadcrumb", ".breadcrumbs", "#breadcrumb", ".crumbs",
    ".position", ".location",
)
# Where a heading of a related-links block may sit: heading tags and short inline/blocks.
RELATED_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "div", "p", "em", "header")
AUTHOR_LINE_TAGS = ("span", "div", "p", "time", "em", "small", "li", "i", "font", "dd", "a", "address")
AUTHOR_CLASS = re.compile(r"(^|[\s_-])(author|byline|writer|author-name)($|[\s_-])", re.IGNORECASE)
AUTHOR_LABEL = re.compile(r"^(作者|记者|撰文|文)\s*[:：/／]")
BYLINE_LABEL = re.compile(r"^((by|von|par|por)\s+|(作者|撰文|记者)\s*[:：]?\s*|文\s*[/／]\s*)", re.IGNORECASE)
BYLINE_SPLIT = re.compile(r"\s+[|·•–—-]\s+|\s*[|·•]\s*|,\s+|\s{2,}")


def main_content(doc: Document) -> BodyChoice | NoArticle:
    """The article body's element and the boilerplate parts inside it to skip, or why the
    page has none."""
    body = doc.root.find("body")
    declared = doc.meta.get("og:type") == "article" or any(True for _ in doc.ld_of_type(*ARTICLE_TYPES))
    found = content.main_content(body if body is not None else doc.root, declared)
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
        items = xpath(scope, "following-sibling::*//li[.//a[@href]] | following-sibling::li[.//a[@href]]")
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
        if len(el) <= 2:
            text = short_text(el, 40)
            if text is not None and RELATED_HEADINGS.match(text):
                yield el


def author_meta(doc: Document) -> str | None:
    for obj in doc.ld_of_type(*ARTICLE_TYPES):
        author = obj.get("author")
        author = author[0] if isinstance(author, list) and author else author
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and squash(name):
            return squash(name)
    for value in (
        doc.meta.get("author"),
        doc.meta.get("article:author"),
        squash(" ".join(_texts(doc.css("[rel=author], [itemprop=author]")))),  # type: ignore[arg-type]
    ):
        if value and not value.startswith("http"):
            return value
    return author_line(doc)


def _texts(elements: list[etree._Element]) -> list[str]:
    """The text nodes under the elements, each once, in page order (what `a ::text, b ::text`
    selects): an element inside an earlier one adds nothing."""
    texts: list[str] = []
    last: etree._Element | None = None
    for el in elements:
        if last is not None and any(a is last for a in el.iterancestors()):
            continue
        texts.extend(el.itertext())
        last = el
    return texts


def author_line(doc: Document) -> str | None:
    """The name in the first author- or byline-named or -labelled element outside the
    comments (`<span class="author">`, `<p class="byline">By Maria Chen | May 3</p>`,
    `<span>记者：陈晓雨</span>`)."""
    for el in doc.root.iter(*AUTHOR_LINE_TAGS):
        if len(el) > 3:
            continue
        named = AUTHOR_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}")
        # Only a named element may be long (an author box); a labelled line is short.
        text = squash("".join(el.itertext())) if named else short_text(el, 400)
        if not text or not (named or AUTHOR_LABEL.match(text)) or _in_comments(el):
            continue
        text = BYLINE_LABEL.sub("", text)
        text = BYLINE_SPLIT.split(text, maxsplit=1)[0].strip()
        if 0 < len(text) <= 40 and not any(c.isdigit() for c in text):
            return text
    return None


def _in_comments(el: etree._Element) -> bool:
    return any("comment" in f"{a.get('class', '')} {a.get('id', '')}".lower() for a in (el, *el.iterancestors()))


def tags_meta(doc: Document) -> tuple[str, ...]:
    tags = [squash(t) for t in doc.css('meta[property="article:tag"]::attr(content)')]  # type: ignore[arg-type]
    if not tags and doc.meta.get("keywords"):
        tags = [squash(t) for t in re.split(r"[,，;；]", doc.meta["keywords"])]
    return tuple(dict.fromkeys(t for t in tags if t))
