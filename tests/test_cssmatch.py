"""cssmatch answers CSS in Python: it must give the XPath's answer, element for element."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from unittest.mock import patch

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from archiver.extract import cssmatch
from archiver.extract.authors import _texts
from archiver.extract.cssmatch import ElementIndex, compile_css
from archiver.extract.document import Document
from archiver.extract.generic import BREADCRUMB_HINTS
from archiver.extract.pages import GENERIC_TOC
from archiver.extract.profiles import builtin_profiles
from archiver.extract.select import compiled

# Selectors the code writes itself, beside the profiles' and the generic layer's tuples.
CODE_SELECTORS = (
    'link[rel~="canonical"]::attr(href)',
    "base::attr(href)",
    'a[href^="#"]',
    "a[href]",
    "a",
    "time[datetime]::attr(datetime), [itemprop=datePublished]::attr(content)",
    'meta[property="article:tag"]::attr(content)',
)


def every_selector() -> list[str]:
    found: set[str] = set(CODE_SELECTORS) | set(BREADCRUMB_HINTS) | set(GENERIC_TOC)
    for profile in builtin_profiles():
        found.update(profile.signature)
        for group in (profile.article, profile.listing):
            for f in dataclasses.fields(group):
                found.update(getattr(group, f.name))
    return sorted(found)


def key(tree: etree._ElementTree, found: list[object]) -> list[object]:
    return [tree.getpath(n) if isinstance(n, etree._Element) else n for n in found]


def same_as_xpath(root: etree._Element, css: str, index: ElementIndex | None = None) -> None:
    """`index`, when given, indexes the whole tree `root` is part of (a page's index)."""
    fast = compile_css(css)
    if fast is None:  # select() hands it to XPath itself
        return
    tree = root.getroottree()
    assert key(tree, fast.select(root, index)) == key(tree, compiled(css)(root)), css


PAGES = sorted(p for p in FIXTURES.rglob("*.html") if p.stat().st_size < 2_000_000)
SELECTORS = every_selector()


def test_the_profiles_selectors_are_mostly_answered_in_python() -> None:
    answered = [css for css in SELECTORS if compile_css(css) is not None]
    assert len(answered) >= 0.9 * len(SELECTORS), sorted(set(SELECTORS) - set(answered))
    # What falls back to XPath: pseudo-classes, sibling combinators, ::text.
    for css in (".a > b:first-of-type", "h1 + p", "h1 ::text", "a:not(.x)", "svg|a"):
        assert compile_css(css) is None, css


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_selector_on_every_fixture_page_matches_xpath(page: Path) -> None:
    doc = Document.parse(
        page.read_bytes(), "https://example.test/page.html", "2024-09-30T08:00:00Z"
    )
    index = ElementIndex(doc.root)
    # Subtrees too: the body, every list item, every element with an id (profile scopes).
    scopes = [doc.root, *doc.root.iter("body", "li", "article")][:40]
    scopes += [el for el in doc.root.iter(etree.Element) if el.get("id")][:20]
    for css in SELECTORS:
        same_as_xpath(doc.root, css, index)
        for scope in scopes:
            same_as_xpath(scope, css)
            same_as_xpath(scope, css, index)


# Random trees and selectors over a small vocabulary, so that they often match.
TAGS = ("div", "p", "a", "span", "ul", "li")
CLASSES = ("x", "y", "x-y", "Y")
SPACE = st.sampled_from([" ", "  ", "\t", "\n", " \r\n ", "\xa0", " \u3000 "])


@st.composite
def class_attr(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(CLASSES), max_size=3))
    gaps = [draw(SPACE) for _ in range(len(names) + 1)]
    return "".join(g + n for g, n in zip(gaps, [*names, ""], strict=True))


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = ""
    if draw(st.booleans()):
        attrs += f' class="{draw(class_attr())}"'
    if draw(st.integers(0, 4)) == 0:
        attrs += f' id="{draw(st.sampled_from(["m", "n"]))}"'
    if draw(st.booleans()):
        attrs += f' href="{draw(st.sampled_from(["#a", "#", "/x", "x-y", "", "a b"]))}"'
    children = draw(st.lists(element(depth + 1), max_size=3)) if depth < 4 else []
    return f"<{tag}{attrs}>t{''.join(children)}</{tag}>"


@st.composite
def compound(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(["", "*", *TAGS, "DIV"]))
    for _ in range(draw(st.integers(0, 2))):
        text += draw(st.sampled_from([".x", ".y", ".x-y", ".Y", "#m", "#n"]))
    if draw(st.integers(0, 2)) == 0:
        op = draw(st.sampled_from(["", "=", "~=", "^=", "$=", "*=", "|="]))
        text += (
            f'[href{op}"{draw(st.sampled_from(["#", "#a", "x", "", "a b", "x-y"]))}"]'
            if op
            else "[href]"
        )
    return text or "*"


@st.composite
def selector(draw: st.DrawFn) -> str:
    parts = [draw(compound())]
    for _ in range(draw(st.integers(0, 2))):
        parts += [draw(st.sampled_from([" ", " > "])), draw(compound())]
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(element(), min_size=1, max_size=3),
    st.lists(selector(), min_size=1, max_size=2),
    st.booleans(),
)
def test_random_trees_and_selectors_match_xpath(
    body: list[str], selectors: list[str], attr: bool
) -> None:
    root = etree.fromstring(f"<html><body>{''.join(body)}</body></html>", etree.HTMLParser())
    css = ", ".join(selectors) + ("::attr(href)" if attr and len(selectors) == 1 else "")
    index = ElementIndex(root)
    same_as_xpath(root, css, index)
    for scope in root.iter("div", "ul"):
        same_as_xpath(scope, css)
        for cap in (0, 64):  # part of the page: walked, or filtered from the index
            with patch.object(cssmatch, "SCOPED_FROM_INDEX", cap):
                same_as_xpath(scope, css, index)


@settings(max_examples=100, deadline=None)
@given(st.lists(element(), min_size=1, max_size=3))
def test_author_texts_are_the_text_nodes_xpath_selects(body: list[str]) -> None:
    # generic.author_meta reads `[rel=author] ::text, [itemprop=author] ::text` as elements.
    html = (
        "".join(body)
        .replace('class="', 'rel="author" class="', 2)
        .replace('id="m"', 'itemprop="author"')
    )
    doc = Document.parse(
        f"<html><body>{html}</body></html>".encode(), "https://a.test/", "2024-09-30T08:00:00Z"
    )
    expected = compiled("[rel=author] ::text, [itemprop=author] ::text")(doc.root)
    assert _texts(doc.css("[rel=author], [itemprop=author]")) == expected  # type: ignore[arg-type]
