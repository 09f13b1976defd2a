"""Main-content detection: which element holds the article body, and which parts of it
are boilerplate (skipped when rendering). The tree is only read, never changed.

Paragraphs vote for their ancestors (readability's scoring, over `blocks.measure`), the
best-scored element and its article-like siblings (`siblings.py`) form the body, and
`boilerplate.py` picks the parts inside it to leave out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

from archiver.extract.blocks import (
    HEADING_TAGS,
    MIN_PARAGRAPH,
    NOSCRIPT_MEASURED,
    UNMEASURED_TAGS,
    Stats,
    class_weight,
    measure,
    tag_of,
)
from archiver.extract.boilerplate import boilerplate_in
from archiver.extract.render import DROPPED_TAGS
from archiver.extract.siblings import (
    beside_paragraphs,
    with_lead,
    with_siblings,
    with_siblings_around,
)
from archiver.extract.standfirst import with_standfirst
from archiver.extract.teasers import beside_the_list, teaser_list

MIN_BODY = 140
MAX_LIFTS = 3
# readability's starting score of a candidate, by its tag.
TAG_SCORES = {
    **dict.fromkeys(("div", "article"), 5),
    **dict.fromkeys(("section", "pre", "td", "blockquote"), 3),
    **dict.fromkeys(("address", "ol", "ul", "dl", "dd", "dt", "li", "form"), -3),
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6", "th"), -5),
}


@dataclass(frozen=True, slots=True)
class MainContent:
    """The element holding the article and the parts of it to leave out."""

    root: etree._Element
    skip: frozenset[etree._Element]
    dropped: frozenset[str] = DROPPED_TAGS
    """Tags not rendered: all of DROPPED_TAGS, or all but <noscript> when it holds the body."""


def score_candidates(stats: dict[etree._Element, Stats]) -> dict[etree._Element, Stats]:
    """readability's vote: each paragraph gives its parent its score, its grandparent half,
    and further ancestors a third of that per level; link text counts for nothing."""
    candidates: dict[etree._Element, Stats] = {}
    for el, st in stats.items():
        if st.junk or st.own < MIN_PARAGRAPH or tag_of(el) in HEADING_TAGS:
            continue
        points = (1 + st.commas + min(st.own / 100, 3)) * (1 - st.own_links / st.own)
        for level, ancestor in enumerate(_ancestors(el, 5)):
            cand = stats.get(ancestor)
            if cand is None:
                break
            if ancestor not in candidates:
                cand.score = TAG_SCORES.get(tag_of(ancestor), 0) + class_weight(ancestor)
                candidates[ancestor] = cand
            cand.score += points / (1 if level == 0 else 2 if level == 1 else level * 3)
    for cand in candidates.values():
        cand.score *= 1 - cand.link_density
    return candidates


def _ancestors(el: etree._Element, limit: int) -> Iterator[etree._Element]:
    for i, parent in enumerate(el.iterancestors()):
        if i >= limit:
            return
        yield parent


def top_candidate(
    body: etree._Element, candidates: dict[etree._Element, Stats]
) -> etree._Element | None:
    """The best-scored element, moved up to the ancestor that holds a split article's parts
    and to a parent that scores higher."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda el: candidates[el].score, reverse=True)
    top = ranked[0]
    best = candidates[top].score
    # Several near-best candidates under one ancestor: the article is split into parts.
    close = [el for el in ranked[1:5] if candidates[el].score >= best * 0.75]
    if len(close) >= 2:
        for ancestor in top.iterancestors():
            if ancestor is body or sum(1 for el in close if _contains(ancestor, el)) >= 2:
                top = ancestor if ancestor is not body else top
                break
    return _climb(body, top, candidates)


def _contains(ancestor: etree._Element, el: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _climb(
    body: etree._Element, top: etree._Element, candidates: dict[etree._Element, Stats]
) -> etree._Element:
    """Go up while a parent scores higher (its other children are article too), and past
    parents that hold nothing else."""
    last = candidates[top].score if top in candidates else 0.0
    threshold = last / 3
    parent = top.getparent()
    while parent is not None and parent is not body:
        if parent in candidates:
            score = candidates[parent].score
            if score < threshold:
                break
            if score > last:
                top = parent
                break
            last = score
        parent = parent.getparent()
    while (parent := top.getparent()) is not None and parent is not body and len(parent) == 1:
        top = parent
    return top


@dataclass(frozen=True, slots=True)
class NoArticle:
    """Why no block of the page is an article: `listing` (the best block is a list of
    teasers) or `no_body` (no block reads like an article)."""

    why: str


LISTING = NoArticle("listing")
NO_BODY = NoArticle("no_body")


def main_content(
    body: etree._Element, declared_article: bool = False, page_url: str = ""
) -> MainContent | NoArticle:
    """The article's element and the parts of it to skip, or why there is none.
    `declared_article`: the page's metadata says it is one article (og:type, JSON-LD);
    `page_url`: the page's address, for the links to its own site."""
    stats = measure(body)
    found = _choose(body, stats, declared_article, page_url)
    lifted: frozenset[etree._Element] = frozenset()
    # Nothing read like an article because the page itself is marked as boilerplate; a
    # wrapper may hold another (a page repeated inside its own open <header>).
    for _ in range(MAX_LIFTS):
        if found is not NO_BODY or not (more := marked_wrappers(body, stats) - lifted):
            break
        lifted |= more
        stats = measure(body, lifted)
        found = _choose(body, stats, declared_article, page_url)
    if found is NO_BODY and any(True for _ in body.iter("noscript")):
        # A page that renders with JavaScript may give its text to readers without it.
        found = _choose(body, measure(body, lifted, NOSCRIPT_MEASURED), declared_article, page_url)
        if isinstance(found, MainContent):
            return replace(found, dropped=DROPPED_TAGS - {"noscript"})
    return found


def _choose(
    body: etree._Element,
    stats: dict[etree._Element, Stats],
    declared_article: bool,
    page_url: str,
) -> MainContent | NoArticle:
    candidates = score_candidates(stats)
    top = top_candidate(body, candidates)
    # `top not in stats`: a broken page whose candidates are not under `body` climbs past
    # it to <html> (hypothesis: a truncated page with `<table><td>` in its head).
    if top is None or top not in stats:
        return NO_BODY
    root, skip = with_siblings_around(beside_paragraphs(top, stats), stats, candidates)
    teasers = teaser_list(root, stats)
    if teasers is not None:
        # A list of teasers won; the article may be beside it (a short item above "more stories").
        beside = beside_the_list(body, teasers, candidates)
        alone = top_candidate(body, beside)
        if alone is not None and alone in stats:
            root, skip = with_siblings(alone, stats, beside)
        # Else a page that declares itself one article is a roundup of teasers (a week's
        # top stories, a slideshow): the list is its body.
        elif not declared_article:
            return LISTING
        if teaser_list(root, stats) is not None and not declared_article:
            return LISTING
    root, skip = with_lead(body, root, skip, stats)
    cleaned = boilerplate_in(root, stats, skip, page_url)
    if _kept(root, stats, cleaned) < MIN_BODY and _declared_or_prose(root, stats):
        # The cleaning emptied a block chosen for its text (a <main> of short link-led items,
        # a product's tabs, a short post): only the parts marked by tag, role or name, and the
        # title above the text, stay out.
        marked = {
            el for el in root.iterdescendants() if (st := stats.get(el)) is not None and st.flag
        }
        cleaned = skip | marked | {el for el in cleaned if el.tag == "h1"}
    if _kept(root, stats, cleaned) < MIN_BODY:
        return NO_BODY
    root, cleaned = with_standfirst(body, root, cleaned)
    return MainContent(root, frozenset(cleaned))


def _kept(
    root: etree._Element, stats: dict[etree._Element, Stats], skip: set[etree._Element]
) -> int:
    left_out = (stats.get(el) for el in skip)
    return stats[root].chars - sum(st.chars for st in left_out if st is not None and not st.flag)


def _declared_or_prose(root: etree._Element, stats: dict[etree._Element, Stats]) -> bool:
    """Whether the block is the page's declared main content (`<main>`, role=main, a declared
    article body) or text rather than links."""
    declared = any(
        el.tag == "main" or el.get("role") == "main" or el.get("itemprop") == "articleBody"
        for el in (root, *root.iterancestors())
    )
    return declared or stats[root].link_density < 0.5


# A wrapper is a page's worth of text; a footer of a page that renders with JavaScript is not.
WRAPPER_MIN = 1000


def marked_wrappers(
    body: etree._Element, stats: dict[etree._Element, Stats]
) -> frozenset[etree._Element]:
    """The parts marked as boilerplate that are the page, not a sidebar or a header: those
    holding most of the page's text, wrapped in a page-wide class (`layoutTwoColumnsRightSidebar`,
    `lay-sidebar`) or in a `<header>` left open by broken markup, and a `<header>` holding a
    page's worth of text outside links (a stray end tag kept it open over a forum post).
    Asked only when nothing else reads like an article: it walks the marked parts' insides."""
    total = visible_chars(body)[0]
    found = []
    for el, st in stats.items():
        if st.flag:
            text, unlinked = visible_chars(el)
            if text * 2 >= total >= WRAPPER_MIN or (el.tag == "header" and unlinked >= WRAPPER_MIN):
                found.append(el)
    return frozenset(found)


def visible_chars(el: etree._Element) -> tuple[int, int]:
    """Non-space characters of the element's text outside scripts, styles and the like:
    all of them, and those outside links."""
    count = unlinked = 0
    stack = [(el, el.tag == "a")]
    while stack:
        node, in_link = stack.pop()
        texts = [node.text] if node.text else []
        for child in node:
            if isinstance(child.tag, str) and child.tag.lower() not in UNMEASURED_TAGS:
                stack.append((child, in_link or child.tag == "a"))
            if child.tail:
                texts.append(child.tail)
        n = sum(len("".join(t.split())) for t in texts)
        count += n
        unlinked += 0 if in_link else n
    return count, unlinked
