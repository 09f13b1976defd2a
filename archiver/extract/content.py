"""Main-content detection: which element holds the article body, and which parts of it
are boilerplate (skipped when rendering). The tree is only read, never changed.

Paragraphs vote for their ancestors (readability's scoring, over `blocks.measure`), the
best-scored element and its article-like siblings form the body, and `boilerplate.py`
picks the parts inside it to leave out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

from archiver.extract.blocks import (
    HEADING_TAGS,
    MIN_PARAGRAPH,
    NOSCRIPT_MEASURED,
    SENTENCE_END,
    Stats,
    class_weight,
    class_words,
    marked_wrappers,
    measure,
    tag_of,
)
from archiver.extract.boilerplate import boilerplate_in
from archiver.extract.render import DROPPED_TAGS
from archiver.extract.standfirst import is_named_lead, with_standfirst
from archiver.extract.teasers import beside_the_list, teaser_list

MIN_BODY = 140
# A paragraph standing alone beside the article's block: at least this long.
PARAGRAPH_MIN = 80
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


def with_siblings(
    top: etree._Element, stats: dict[etree._Element, Stats], candidates: dict[etree._Element, Stats]
) -> tuple[etree._Element, set[etree._Element]]:
    """The top candidate, or its parent when siblings continue the article (a body split in
    parts, a lead paragraph outside the main block); the parent's other children skipped."""
    parent = top.getparent()
    if parent is None or parent not in stats:
        return top, set()
    best = candidates[top].score if top in candidates else 0.0
    threshold = max(10.0, best * 0.2)
    before = True
    kept = []
    for sib in parent:
        before = before and sib is not top
        kept.append(
            sib is top
            or _continues_article(sib, top, stats, candidates, threshold, best)
            # The lead in its own block before the body (too short, or a <div> around a <p>).
            or (before and sib in stats and not stats[sib].junk and is_named_lead(sib))
        )
    if sum(kept) == 1:
        return top, set()
    # A heading between two kept parts belongs to the article.
    first, last = kept.index(True), len(kept) - 1 - kept[::-1].index(True)
    for i, sib in enumerate(parent):
        if first < i < last and tag_of(sib) in HEADING_TAGS:
            kept[i] = True
    return parent, {sib for sib, keep in zip(parent, kept, strict=True) if not keep}


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
    if st.own < st.chars * 0.9:
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


@dataclass(frozen=True, slots=True)
class NoArticle:
    """Why no block of the page is an article: `listing` (the best block is a list of
    teasers) or `no_body` (no block reads like an article)."""

    why: str


LISTING = NoArticle("listing")
NO_BODY = NoArticle("no_body")


def main_content(body: etree._Element, declared_article: bool = False) -> MainContent | NoArticle:
    """The article's element and the parts of it to skip, or why there is none.
    `declared_article`: the page's metadata says it is one article (og:type, JSON-LD)."""
    stats = measure(body)
    found = _choose(body, stats, declared_article)
    lifted: frozenset[etree._Element] = frozenset()
    # Nothing read like an article because the page itself is marked as boilerplate; a
    # wrapper may hold another (a page repeated inside its own open <header>).
    for _ in range(MAX_LIFTS):
        if found is not NO_BODY or not (more := marked_wrappers(body, stats) - lifted):
            break
        lifted |= more
        stats = measure(body, lifted)
        found = _choose(body, stats, declared_article)
    if found is NO_BODY and any(True for _ in body.iter("noscript")):
        # A page that renders with JavaScript may give its text to readers without it.
        found = _choose(body, measure(body, lifted, NOSCRIPT_MEASURED), declared_article)
        if isinstance(found, MainContent):
            return replace(found, dropped=DROPPED_TAGS - {"noscript"})
    return found


def _choose(
    body: etree._Element, stats: dict[etree._Element, Stats], declared_article: bool
) -> MainContent | NoArticle:
    candidates = score_candidates(stats)
    top = top_candidate(body, candidates)
    # `top not in stats`: a broken page whose candidates are not under `body` climbs past
    # it to <html> (hypothesis: a truncated page with `<table><td>` in its head).
    if top is None or top not in stats:
        return NO_BODY
    root, skip = with_siblings(beside_paragraphs(top, stats), stats, candidates)
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
    cleaned = boilerplate_in(root, stats, skip)
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
