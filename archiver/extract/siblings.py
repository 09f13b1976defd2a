"""The blocks beside the chosen one that belong to the article: a body split in parts
(sibling blocks named alike, unnamed <section>s), its lead paragraph above the body's
container, and paragraphs standing beside a short box that won the vote. The tree is only
read, never changed.
"""

from __future__ import annotations

from lxml import etree

from archiver.extract.blocks import (
    HEADING_TAGS,
    MIN_PARAGRAPH,
    SENTENCE_END,
    Stats,
    class_words,
    tag_of,
)
from archiver.extract.standfirst import is_named_lead

# A paragraph standing alone beside the article's block: at least this long.
PARAGRAPH_MIN = 80


def with_siblings(
    top: etree._Element,
    stats: dict[etree._Element, Stats],
    candidates: dict[etree._Element, Stats],
    chosen: etree._Element | None = None,
) -> tuple[etree._Element, set[etree._Element]]:
    """The top candidate, or its parent when siblings continue the article (a body split in
    parts, a lead paragraph outside the main block); the parent's other children skipped.
    `chosen`: the block `top` wraps, whose score the siblings are measured against; then
    only blocks that are parts of the article count, not lone paragraphs or a lead."""
    parent = top.getparent()
    if parent is None or parent not in stats:
        return top, set()
    scored = top if chosen is None else chosen
    best = candidates[scored].score if scored in candidates else 0.0
    threshold = max(10.0, best * 0.2)
    before = True
    kept = []
    for sib in parent:
        before = before and sib is not top
        kept.append(
            sib is top
            or (
                (chosen is None or _large_part(sib, chosen, stats))
                and _continues_article(sib, top, stats, candidates, threshold, best, chosen is None)
            )
            # The lead in its own block before the body (too short, or a <div> around a <p>).
            or (
                chosen is None
                and before
                and sib in stats
                and not stats[sib].junk
                and is_named_lead(sib)
            )
        )
    if sum(kept) == 1:
        return top, set()
    # A heading between two kept parts belongs to the article.
    first, last = kept.index(True), len(kept) - 1 - kept[::-1].index(True)
    for i, sib in enumerate(parent):
        if first < i < last and tag_of(sib) in HEADING_TAGS:
            kept[i] = True
    return parent, {sib for sib, keep in zip(parent, kept, strict=True) if not keep}


# How many wrappers around the chosen block (each adding at most a tenth to its text) the
# article's other parts may stand beside.
WRAPPER_LEVELS = 3


def with_siblings_around(
    top: etree._Element, stats: dict[etree._Element, Stats], candidates: dict[etree._Element, Stats]
) -> tuple[etree._Element, set[etree._Element]]:
    """`with_siblings` of the chosen block, else of the first wrapper around it whose siblings
    are parts of the article: a panel of an accordion, in its panel, in the accordion, beside
    the story's other blocks. What else the wrappers hold (the panel's title, a donation box
    in the block around the story) is skipped."""
    root, skip = with_siblings(top, stats, candidates)
    node = top
    inside: set[etree._Element] = set()
    for _ in range(WRAPPER_LEVELS):
        if root is not node:
            return root, skip | inside
        parent = node.getparent()
        if (
            parent is None
            or parent not in stats
            or stats[parent].chars * 10 > stats[top].chars * 11
        ):
            break
        inside |= {child for child in parent if child is not node}
        node = parent
        root, skip = with_siblings(node, stats, candidates, top)
    return (root, skip | inside) if root is not node else (top, set())


def _large_part(
    sib: etree._Element, chosen: etree._Element, stats: dict[etree._Element, Stats]
) -> bool:
    """A fifth of the chosen block's text at least: a part of the story, not a donation box or
    a press contact beside it."""
    st = stats.get(sib)
    return st is not None and st.chars * 5 >= stats[chosen].chars


# How far above the chosen block a lead paragraph is looked for, and its least length.
LEAD_LEVELS = 3
LEAD_MIN = 80
# Class / id words of a picture's caption and credit line.
CAPTION_WORDS = frozenset({"caption", "credit"})


def with_lead(
    body: etree._Element,
    root: etree._Element,
    skip: set[etree._Element],
    stats: dict[etree._Element, Stats],
) -> tuple[etree._Element, set[etree._Element]]:
    """The chosen block with the lead above it: a standfirst, intro or teaser paragraph that
    templates put outside the article body's container (`<p class="intro">` beside
    `<div itemprop="articleBody">`), a few levels up at most; what else is there is skipped."""
    ordered = list(stats.items())
    node, others = root, set()
    for _ in range(LEAD_LEVELS):
        parent = node.getparent()
        if parent is None or parent is body or parent not in stats:
            break
        leads = [sib for sib in node.itersiblings(preceding=True) if _is_lead(sib, stats, ordered)]
        others |= {
            sib
            for sib in parent
            if sib is not node and sib not in leads and not _named_part(sib, node, stats, ordered)
        }
        if leads:
            return parent, skip | others
        node = parent
    return root, skip


def _same_kind(sib: etree._Element, block: etree._Element) -> bool:
    """Named alike: the same tag and the same (non-empty) class."""
    return (
        sib.tag == block.tag and bool(sib.get("class")) and sib.get("class") == block.get("class")
    )


def _unnamed_alike(sib: etree._Element, block: etree._Element) -> bool:
    """Both `<section>`s, neither with a class or an id: sections of one document (a `<div>`
    is layout, and a page's unnamed divs are not all the article's)."""
    return sib.tag == block.tag == "section" and not (
        sib.get("class") or sib.get("id") or block.get("class") or block.get("id")
    )


def _is_text(st: Stats) -> bool:
    return st.link_density < 0.25 and st.chars >= MIN_PARAGRAPH


def _named_part(
    sib: etree._Element,
    node: etree._Element,
    stats: dict[etree._Element, Stats],
    ordered: list[tuple[etree._Element, Stats]],
) -> bool:
    """Whether a sibling of a block on the way up to the lead is another part of the article:
    named like that block and prose (a report's sections, each `<section class="annex">`),
    not the page around it (a grid's `<div class="row">` of date and author lines)."""
    st = stats.get(sib)
    return (
        st is not None
        and not st.junk
        and _same_kind(sib, node)
        and _is_text(st)
        and _prose(st, ordered) >= LEAD_MIN
    )


def _is_lead(
    sib: etree._Element,
    stats: dict[etree._Element, Stats],
    ordered: list[tuple[etree._Element, Stats]],
) -> bool:
    """Prose: long enough, few links, no picture or caption, its text in paragraphs rather
    than in list items (a key-points box), a byline or headings (a deck set as a subheading
    is the title's, and body truths leave it out)."""
    st = stats.get(sib)
    if st is None or st.junk or st.imgs or st.lis or st.chars < LEAD_MIN or st.link_density >= 0.25:
        return False
    prose = _prose(st, ordered)
    return (
        prose >= LEAD_MIN and prose >= st.chars * 0.7 and not _mostly_caption(sib, stats, st.chars)
    )


def _prose(st: Stats, ordered: list[tuple[etree._Element, Stats]]) -> int:
    """The element's text in paragraphs (not headings), outside links."""
    return sum(
        s.own - s.own_links
        for el, s in ordered[st.order : st.end + 1]
        if not s.junk and s.own >= MIN_PARAGRAPH and tag_of(el) not in HEADING_TAGS
    )


def _mostly_caption(sib: etree._Element, stats: dict[etree._Element, Stats], chars: int) -> bool:
    """A picture's caption: the picture may be unmeasured (named as an ad), its caption is not."""
    captions = [
        el
        for el in sib.iter(etree.Element)
        if el.tag == "figcaption" or CAPTION_WORDS & class_words(el)
    ]
    inner = {d for el in captions for d in el.iterdescendants()}
    return (
        sum(st.chars for el in captions if el not in inner and (st := stats.get(el)) is not None)
        * 2
        >= chars
    )


def _continues_article(
    sib: etree._Element,
    top: etree._Element,
    stats: dict[etree._Element, Stats],
    candidates: dict[etree._Element, Stats],
    threshold: float,
    best: float,
    paragraphs: bool = True,
) -> bool:
    st = stats.get(sib)
    if st is None or st.junk or not st.chars:
        return False
    same_kind = _same_kind(sib, top)
    if (
        sib in candidates
        and candidates[sib].score + (best * 0.2 if same_kind else 0.0) >= threshold
    ):
        return True
    # A body split around pictures into blocks named alike (only the longest one scored).
    if same_kind and _is_text(st):
        return True
    # Or into unnamed <section>s, each holding a paragraph or two.
    if _unnamed_alike(sib, top) and sib in candidates and _is_text(st) and st.chars >= LEAD_MIN:
        return True
    if not paragraphs or st.own < st.chars * 0.9:
        return False
    if st.chars > PARAGRAPH_MIN:
        return st.link_density < 0.25
    return st.link_density == 0 and bool(SENTENCE_END.search("".join(sib.itertext())))


def _is_paragraph(st: Stats) -> bool:
    """Prose standing as a paragraph of its own: its text its own, long, few links."""
    return (
        not st.junk
        and st.chars > PARAGRAPH_MIN
        and st.own >= st.chars * 0.9
        and st.link_density < 0.25
    )


# How many levels above the chosen block the article's paragraphs may stand beside it, and
# how much more text than the block they must hold.
BESIDE_LEVELS = 2
BESIDE_RATIO = 2


def beside_paragraphs(top: etree._Element, stats: dict[etree._Element, Stats]) -> etree._Element:
    """The chosen block, or its parent when the article's paragraphs stand beside that: a
    short box that won the vote by its name (`<div class="intro__text">` scores +25) while
    the story is paragraphs one level up, children of the block around the box. readability's
    sibling step (`with_siblings`) then gathers them; it only looks at the box's own level."""
    least = stats[top].chars * BESIDE_RATIO
    node = top
    for _ in range(BESIDE_LEVELS):
        parent = node.getparent()
        if parent is None or parent not in stats:
            break
        beside = sum(
            st.chars
            for sib in parent
            if sib is not node and (st := stats.get(sib)) is not None and _is_paragraph(st)
        )
        if beside >= least:
            return node
        node = parent
    return top
