"""Lists of teasers: whether the block chosen as the article is a blog index or a category
page instead, and the article beside such a list when the page has one. The tree is only read.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from archiver.extract.blocks import HEADING_TAGS, MIN_PARAGRAPH, Stats

# A teaser is a linked title and a summary; a longer block is an article of its own.
TEASER_MAX = 1000
TITLE_CLASS = re.compile(r"title|heading|headline", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def teaser_list(root: etree._Element, stats: dict[etree._Element, Stats]) -> etree._Element | None:
    """The element whose items make the chosen block a list of teasers (a blog index, a
    category page), or None: at least half of the text of the root, of an ancestor or of a
    large descendant is in two or more sibling items of one kind that each start from a
    linked title and say more than it."""
    total = stats[root].chars
    scopes = [*root.iterancestors()][:3] + _large_parts(root, stats, total)
    for scope in scopes:
        st = stats.get(scope)
        if st is None or not st.chars:
            continue
        by_kind: dict[tuple[str, str, str], int] = defaultdict(int)
        count: dict[tuple[str, str, str], int] = defaultdict(int)
        for child in scope:
            cs = stats.get(child)
            if cs is not None and not cs.junk and is_teaser(child, cs):
                by_kind[_kind(child)] += cs.chars
                count[_kind(child)] += 1
        if any(count[kind] >= 2 and chars * 2 >= st.chars for kind, chars in by_kind.items()):
            return scope
    return None


def _kind(el: etree._Element) -> tuple[str, str, str]:
    """What makes items of one list alike: the tag, the first class and the id, numbers left
    out (`<article id="post-12" class="post-12 post">`). A lone post's header and body, or a
    post beside the sidebar's profile box, are not one list."""
    classes = (el.get("class") or "").split()
    return (
        str(el.tag),
        _DIGITS.sub("", classes[0]) if classes else "",
        _DIGITS.sub("", el.get("id") or ""),
    )


def _large_parts(
    root: etree._Element, stats: dict[etree._Element, Stats], total: int
) -> list[etree._Element]:
    """The root and its descendants that hold at least half of its text (a short chain)."""
    found, frontier = [root], [root]
    while frontier:
        for child in frontier.pop():
            st = stats.get(child)
            if st is not None and st.chars * 2 >= total > 0:
                found.append(child)
                frontier.append(child)
    return found


def is_teaser(el: etree._Element, st: Stats) -> bool:
    if not MIN_PARAGRAPH <= st.chars <= TEASER_MAX or st.links > st.chars * 0.9:
        return False
    for node in el.iter():
        if isinstance(node.tag, str) and _is_title(node):
            text = "".join(node.itertext()).strip()
            linked = "".join(
                t
                for a in node.iter("a")
                if not (a.get("href") or "#").startswith("#")
                for t in a.itertext()
            ).strip()
            if text and len(linked) >= 0.8 * len(text):
                return True
    return False


def _is_title(el: etree._Element) -> bool:
    return (
        el.tag in HEADING_TAGS
        or el.get("role") == "heading"
        or bool(TITLE_CLASS.search(el.get("class") or ""))
    )


def beside_the_list(
    body: etree._Element, teasers: etree._Element, candidates: dict[etree._Element, Stats]
) -> dict[etree._Element, Stats]:
    """The candidates that may be an article beside a list of teasers ("more stories" under
    a short news item, a topic page's text above its list): outside the list, and sharing
    with the page's headline (`<h1>`) a container that does not hold the list. On a blog
    index the headline names the list, so nothing is left."""
    around_list = {teasers, *teasers.iterancestors()}
    headline = next(
        (h for h in body.iter("h1") if h not in around_list and not _inside(h, teasers)), None
    )
    if headline is None:
        return {}
    # The headline's own containers, up to the first one that also holds the list.
    shared: set[etree._Element] = set()
    for ancestor in headline.iterancestors():
        if ancestor in around_list:
            break
        shared.add(ancestor)
    return {
        el: st
        for el, st in candidates.items()
        if el not in around_list
        and not _inside(el, teasers)
        and any(a in shared for a in (el, *el.iterancestors()))
    }


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())
