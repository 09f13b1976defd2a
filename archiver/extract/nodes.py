"""Reading values out of selected nodes: first match of a selector list, text, breadcrumbs.

Shared by the page objects; pure functions over parsel selectors, nothing is modified.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from lxml import etree
from parsel import Selector, SelectorList

from archiver.extract.render import BLOCK_TAGS, DROPPED_TAGS
from archiver.extract.text import squash
from archiver.items import Source

BREADCRUMB_LABELS = ("当前位置", "您的位置", "您现在的位置", "位置", "You are here")
_CRUMB_SPLIT = re.compile(r"\s*[>›»→/|]\s*")
T = TypeVar("T")


def first(node: Selector | SelectorList, selectors: tuple[str, ...]) -> Selector | None:
    for css in selectors:
        found = node.css(css)
        if found:
            return found[0]
    return None


def text_of(node: Selector | None) -> str:
    """The node's text, whitespace collapsed; block elements are word breaks, inline ones
    are not (`<em>Redis</em>分布式锁` is one phrase, `<p>a</p><p>b</p>` two words)."""
    if node is None:
        return ""
    # `::attr(x)` / `::text` selectors give a string, not an element.
    if isinstance(node.root, str):
        return squash(node.root)
    parts: list[str] = []
    _collect_text(node.root, parts)
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


def breadcrumb_parts(node: Selector) -> tuple[str, ...]:
    """`当前位置: 首页 > news > 正文` (or a row of links) as its parts, label removed."""
    text = text_of(node)
    for label in BREADCRUMB_LABELS:
        if text.startswith(label):
            text = text[len(label) :].lstrip(" :：")
            break
    parts = [p.strip() for p in _CRUMB_SPLIT.split(text) if p.strip()]
    if len(parts) <= 1:
        parts = [text_of(a) for a in node.css("a") if text_of(a)] or parts
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
