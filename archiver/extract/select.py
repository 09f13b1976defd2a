"""CSS selectors run on lxml elements: parsel's CSS-to-XPath translation, compiled once.

Profiles and the generic layer write CSS (with parsel's `::text` / `::attr(x)`), and parsel
translates it. Going through `Selector.css()` for every lookup, though, built an XPath
evaluator and a `Selector` per call and per result: 34 calls a page made it the biggest
single cost of extraction (py-spy, benchmarks/run.py). Here each selector is translated
and compiled once per process and evaluated on the element directly, and the selectors
cssmatch can answer in Python (tags, classes, ids, attributes, ` ` and `>`) skip XPath.
"""

from __future__ import annotations

import functools
from typing import TypeAlias

from lxml import etree
from parsel.csstranslator import css2xpath

from archiver.extract.cssmatch import ElementIndex, compile_css

# What a selector yields: elements, or strings for `::text` / `::attr()`.
Node: TypeAlias = etree._Element | str


# A memo of a pure function of the selector text (compiled XPath is read-only); bounded,
# so a crawl reading user profiles cannot grow it without limit. Extraction runs on one
# thread per process (Scrapy's reactor thread, or the CLI), as lxml's XPath objects need.
@functools.lru_cache(maxsize=4096)
def compiled(css: str) -> etree.XPath:
    return etree.XPath(css2xpath(css), smart_strings=False)


@functools.lru_cache(maxsize=256)
def compiled_xpath(xpath: str) -> etree.XPath:
    return etree.XPath(xpath, smart_strings=False)


def select(node: etree._Element, css: str, index: ElementIndex | None = None) -> list[Node]:
    """Every match of `css` under (and including) `node`, in document order; `index`, when
    given, indexes the whole tree that `node` is part of (see cssmatch)."""
    fast = compile_css(css)
    if fast is not None:
        return fast.select(node, index)
    return compiled(css)(node)  # type: ignore[no-any-return]


def first(
    node: etree._Element | None, selectors: tuple[str, ...], index: ElementIndex | None = None
) -> Node | None:
    """The first match of the first selector in the list that matches anything."""
    if node is None:
        return None
    for css in selectors:
        found = select(node, css, index)
        if found:
            return found[0]
    return None


def matches(node: etree._Element, css: str) -> bool:
    return bool(select(node, css))


def xpath(node: etree._Element, query: str) -> list[Node]:
    """A fixed XPath query (not CSS) evaluated on `node`, compiled once."""
    return compiled_xpath(query)(node)  # type: ignore[no-any-return]
