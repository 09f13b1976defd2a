"""Reading values out of selected nodes: text, breadcrumbs, JSON-LD strings.

Shared by the page objects; pure functions over lxml elements (as selected by
`archiver.extract.select`), nothing is modified.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from lxml import etree

from archiver.extract.render import BLOCK_TAGS, DROPPED_TAGS
from archiver.extract.select import Node, select
from archiver.extract.text import squash
from archiver.items import Source

BREADCRUMB_LABELS = ("当前位置", "您的位置", "您现在的位置", "位置", "You are here")
_CRUMB_SPLIT = re.compile(r"\s*[>›»→/|]\s*")
T = TypeVar("T")


def text_of(node: Node | None) -> str:
    """The node's text, whitespace collapsed; block elements are word breaks, inline ones
    are not (`<em>Redis</em>分布式锁` is one phrase, `<p>a</p><p>b</p>` two words)."""
    if node is None:
        return ""
    # `::attr(x)` / `::text` selectors give a string, not an element.
    if isinstance(node, str):
        return squash(node)
    parts: list[str] = []
    _collect_text(node, parts)
    return squash("".join(parts))


def _collect_text(el: etree._Element, parts: list[str]) -> None:
    parts.append(el.text or "")
    for child in el:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag and tag not in DROPPED_TAGS:
            gap = " " if tag in BLOCK_TAGS or tag == "br" else ""
            parts.append(gap)
            _collect_text(child, parts)
            parts.append(gap)
        parts.append(child.tail or "")


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """A field's value and the layer that filled it (None when no layer did)."""

    value: T
    source: Source | None


def breadcrumb_parts(node: Node) -> tuple[str, ...]:
    """`当前位置: 首页 > news > 正文` (or a row of links) as its parts, label removed."""
    text = text_of(node)
    for label in BREADCRUMB_LABELS:
        if text.startswith(label):
            text = text[len(label) :].lstrip(" :：")
            break
    parts = [p.strip() for p in _CRUMB_SPLIT.split(text) if p.strip()]
    if len(parts) <= 1:
        links = select(node, "a") if not isinstance(node, str) else []
        parts = [t for t in (text_of(a) for a in links) if t] or parts
    return tuple(parts)


def ld_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield squash(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from ld_strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from ld_strings(item)


def short_text(el: etree._Element, limit: int) -> str | None:
    """The element's text squashed, or None when it is longer than `limit` characters.

    Reads text nodes only until the raw text is clearly too long: a wrapper with one child
    holds the whole page, and joining it for every candidate heading or date line read the
    page once per nesting level (13 ms a page on aeb-dev).
    """
    parts: list[str] = []
    raw = 0
    # The pieces' squashed lengths add up to at most the whole's (joining only adds a space
    # where two runs meet): a sum over `limit` proves the text too long without squashing
    # the text read so far again for every piece (31% of a real page's time, a wrapper of
    # thousands of whitespace-padded text nodes).
    least = -1
    for piece in el.itertext():
        raw += len(piece)
        if raw > 8 * limit + 200:
            if least < 0:
                least = len(squash("".join(parts)))
            least += len(squash(piece))
            if least > limit:
                return None
        parts.append(piece)
    text = squash("".join(parts))
    return text if len(text) <= limit else None


# A text of the tree and the node it belongs to: an element's (or a comment's) text, or
# the tail after a node (`True`), which belongs to the node's parent.
TextPiece = tuple[etree._Element, str, bool]


def text_pieces(root: etree._Element) -> list[TextPiece]:
    """Every text under `root` that is not whitespace alone, in page order: read once per
    page (Document.text_pieces) for every question asked of the texts."""
    pieces: list[TextPiece] = []
    # Every node, comments too: the text after `<!-- -->` is its tail.
    for node in root.iter():
        text = node.text
        if text and not text.isspace():
            pieces.append((node, text, False))
        tail = node.tail
        if tail and not tail.isspace():
            pieces.append((node, tail, True))
    return pieces


def text_holders(
    pieces: list[TextPiece], test: Callable[[str], bool], levels: int
) -> set[etree._Element]:
    """The elements within `levels` above a text (`text_pieces`) that passes `test` (never
    asked about whitespace alone): the only ones whose text can hold what `test` looks for,
    found without reading every element's text (an XPath test on every text node was nine
    times slower). The set keeps the lxml proxies alive, so membership is identity.
    Dates and bylines each ask: the tree is walked for its texts once, not per question."""
    holders: set[etree._Element] = set()
    for node, text, tail in pieces:
        if test(text):
            # The parent only for a tail that passes: asking every node for it cost a third
            # of the walk.
            _add_with_ancestors(holders, node.getparent() if tail else node, levels)
    return holders


def _add_with_ancestors(
    holders: set[etree._Element], el: etree._Element | None, levels: int
) -> None:
    for _ in range(levels):
        if el is None:
            break
        holders.add(el)
        el = el.getparent()
