"""The lead between the headline and the chosen body: the article's opening paragraph that
templates put in the article's `<header>` or beside the `<h1>`, away from the body's container.

The article starts at its headline: a paragraph between the `<h1>` and the body named as
the text's lead (`<header><h1>…</h1><p class="intro">…</p></header><div class="text">…`;
`lead`, `intro`, `teaser`, `abstract`, `chapo`: the German Vorspann, the French chapeau) is
the article's own first paragraph. A deck named as the title's (`dek`, `standfirst`,
`subheading`, `summary`) is not: reader views and body truths leave it out. A header is
boilerplate for the scoring (site headers are), so its lead is looked for here, after the
body is chosen; bylines, dates, captions and navigation between the two stay out.
"""

from __future__ import annotations

from lxml import etree

from archiver.extract.blocks import (
    SENTENCE_END,
    UNMEASURED_TAGS,
    class_words,
    looks_boilerplate,
    tag_of,
)
from archiver.extract.boilerplate import BYLINE, DATE
from archiver.extract.render import BLOCK_TAGS

# How far above the body the headline may sit, and the least length of a standfirst
# (one sentence: "What had been rumoured for weeks is now confirmed by the federation").
HEADLINE_LEVELS = 6
STANDFIRST_MIN = 60
# A page's worth of text between headline and body: that <h1> is not the article's.
BETWEEN_MAX = 1500
# Paragraph-like elements a standfirst is written in (a deck set as a heading is the title's).
PARAGRAPH_TAGS = frozenset({"p", "div", "span", "section"})
# Class / id words naming the text's opening paragraph; and those naming what is not it, even
# inside a block named "article": a picture and its caption, a byline or an author's note, a
# date line.
LEAD_WORDS = frozenset(
    {"lead", "lede", "intro", "introduction", "teaser", "abstract", "chapo", "chapeau", "vorspann"}
)
NOT_LEAD_WORDS = frozenset(
    [
        "caption",
        "credit",
        "credits",
        "credito",
        "photo",
        "foto",
        "img",
        "image",
        "picture",
        "media",
        "gallery",
        "byline",
        "author",
        "bio",
        "dateline",
        "date",
        "time",
        "meta",
    ]
)


def with_standfirst(
    body: etree._Element, root: etree._Element, skip: set[etree._Element]
) -> tuple[etree._Element, set[etree._Element]]:
    """The chosen block with the standfirst between the headline and it: then the block
    that holds both, everything in it but the path to those two skipped."""
    found = _headline_above(body, root)
    if found is None:
        return root, skip
    headline, top = found
    leads = _standfirsts(top, headline, root)
    if not leads:
        return root, skip
    kept = {root, *leads}
    on_path = {a for el in kept for a in el.iterancestors() if _inside(a, top)} | {top}
    others = {child for a in on_path for child in a if child not in on_path and child not in kept}
    return top, skip | others


def _headline_above(
    body: etree._Element, root: etree._Element
) -> tuple[etree._Element, etree._Element] | None:
    """The nearest `<h1>` before the block, a few levels up, and the element holding both;
    None when the block holds its own `<h1>`."""
    if any(True for _ in root.iter("h1")):
        return None
    node = root
    for _ in range(HEADLINE_LEVELS):
        parent = node.getparent()
        if parent is None or parent is body:
            return None
        for sib in node.itersiblings(preceding=True):
            if not isinstance(sib.tag, str):
                continue
            heads = [sib] if sib.tag == "h1" else list(sib.iter("h1"))
            if heads:
                return heads[-1], parent
        node = parent
    return None


def _inside(el: etree._Element, top: etree._Element) -> bool:
    return el is not top and any(a is top for a in el.iterancestors())


def _standfirsts(
    top: etree._Element, headline: etree._Element, root: etree._Element
) -> list[etree._Element]:
    """Prose paragraphs after the headline and before the block, in page order."""
    after = False
    found: list[etree._Element] = []
    between = 0
    inner = set(headline.iterdescendants())
    for el in top.iter(etree.Element):
        if el is root:
            break
        if el is headline:
            after = True
            continue
        if not after or el in inner or any(a in found for a in el.iterancestors()):
            continue
        text = _own_paragraph(el)
        if text is None:
            continue
        between += len(text)
        if between > BETWEEN_MAX:
            return []
        if _reads_as_lead(el, text) and _named_lead(el, top):
            found.append(el)
    return found


def _own_paragraph(el: etree._Element) -> str | None:
    """The text of an element that is a paragraph (no block inside), else None."""
    tag = tag_of(el)
    if tag not in PARAGRAPH_TAGS or any(tag_of(child) in BLOCK_TAGS for child in el):
        return None
    # Scripts and the like are not text (a share widget's code in a <div>).
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and tag_of(child) not in UNMEASURED_TAGS:
            parts.extend(child.itertext())
        parts.append(child.tail or "")
    text = " ".join("".join(parts).split())
    return text or None


def _reads_as_lead(el: etree._Element, text: str) -> bool:
    """Long enough, few links, a sentence rather than a byline or a dateline."""
    if len(text) < STANDFIRST_MIN:
        return False
    linked = sum(len("".join(a.itertext())) for a in el.iter("a"))
    if linked * 4 >= len(text):
        return False
    if BYLINE.match(text) or (DATE.search(text) and len(text) < STANDFIRST_MIN * 2):
        return False
    return bool(SENTENCE_END.search(text + " ")) or "," in text or "，" in text


def _named_lead(el: etree._Element, top: etree._Element) -> bool:
    """Named as the lead on the way up to the block holding headline and body, and nothing
    on that way is navigation, a caption, a byline box or hidden (a `<header>` is allowed:
    that is where the lead sits)."""
    named = False
    for a in (el, *el.iterancestors()):
        if a is top:
            return named
        tag = tag_of(a)
        words = class_words(a)
        if (
            (tag != "header" and looks_boilerplate(a, tag))
            or words & NOT_LEAD_WORDS
            or tag == "figure"
        ):
            return False
        named = named or bool(words & LEAD_WORDS)
    return named


def is_named_lead(block: etree._Element) -> bool:
    """Whether a block beside the body is its lead: paragraphs named as the lead, reading as
    one, hold most of its text (`<div class="teaser-text"><p>…</p></div>` before the body's
    container in TYPO3's news template)."""
    parent = block.getparent()
    if parent is None:
        return False
    lead = 0
    for el in block.iter(etree.Element):
        text = _own_paragraph(el)
        if text is not None and _reads_as_lead(el, text) and _named_lead(el, parent):
            lead += len(text)
    total = len(" ".join("".join(block.itertext()).split()))
    return lead > 0 and lead * 10 >= total * 7
