"""The elements of a page that may say its publication date, and what each says: a marked
date (`<time datetime>`, `itemprop=datePublished`, a label, a date-named class), a short
dateline, or a paragraph opening with a date; a revision's date (`Updated: …`) marked as
the last resort. Which one to believe (near the headline, outside the comments) is
`published.py`'s choice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from archiver.extract.document import Document
from archiver.extract.nodes import short_text, text_holders
from archiver.extract.text import squash

DATE_LINE_TAGS = (
    "span",
    "div",
    "p",
    "time",
    "em",
    "small",
    "li",
    "i",
    "font",
    "dd",
    "abbr",
    "strong",
    "b",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
)
PUBLISHED_LABEL = re.compile(
    r"(^|(?<=[\s|\d]))(发布于|发表于|发布时间|发布日期|发表时间|发表日期|时间|日期"
    r"|published( on)?|posted( on)?|date"
    r"|veröffentlicht( am)?|veröffentlichung|erschienen( am)?|erstellt( am)?|datum"
    r"|publié( le)?|publicado( el)?"
    r"|pubblicato( il)?"
    r"|gepubliceerd( op)?)(?![A-Za-zäöü])\s*[:：]?\s*",
    re.IGNORECASE,
)
DATE_CLASS = re.compile(
    r"(^|[\s_-])(date|time|publish(ed)?|pubdate|posted|timestamp|datum|fecha|dateline|created)($|[\s_-])",
    re.IGNORECASE,
)
# A label or class that says the date is a revision's, not the publication's.
MODIFIED = re.compile(
    r"updated?|modified|aktualisiert|geändert|änderung|\bstand\b|mis à jour|actualizado|更新|修改",
    re.IGNORECASE,
)
PUBLISHED_WORD = re.compile(r"publish|veröffentlicht|erschienen|发布|发表", re.IGNORECASE)
# A dateline's element holds few others
# (`<span>Datum:</span> 19.11.2021 <br> <span>Autor:</span> …`).
MAX_CHILDREN = 8
_DIGIT = re.compile(r"\d")
# A dateline is short: `Hamburg, 2. November 2021`, `Von Maria Chen · 3. Mai 2024, 10:20 Uhr`.
DATELINE_CHARS = 90


MARKED, DATELINE, LEADING = 0, 1, 2
# How much of a paragraph's opening may hold its dateline (`Pressemitteilung vom 25. Januar
# 2022 | Berlin …`) or a labelled date (`Letzte Änderung: 31.10.2023 - 14:49:39 Erschienen am: …`).
LEADING_CHARS = 90
LEADING_DATE_CHARS = 60


@dataclass(frozen=True, slots=True)
class Dated:
    """An element that may hold the date: where it stands and what to read."""

    position: int
    text: str
    element: etree._Element
    rank: int
    """MARKED (`<time datetime>`, `itemprop`, a label, a date-named class), DATELINE (a short
    text holding a date, believed only near the headline) or LEADING (a paragraph opening
    with one: `Berlin, 2. November 2021 – …`, `Pressemitteilung vom 25. Januar 2022 | …`)."""
    revision: bool
    """Named like a revision's date (`class="updated"`): the last resort."""


@dataclass(frozen=True, slots=True)
class Markup:
    """The elements of a page that may hold its date, in page order, and where the headline
    (or the body: the `anchor`) stands among all elements."""

    candidates: list[Dated]
    anchor: etree._Element | None
    anchor_at: int | None

    @classmethod
    def read(cls, doc: Document, anchor: etree._Element | None) -> Markup:
        # Only elements that hold a digit, or carry the date in an attribute, can say a date:
        # reading every element's text cost more than the rest of the field.
        digits = text_holders(doc.text_pieces, _has_digit, DIGIT_LEVELS)
        found: list[Dated] = []
        anchor_at = None
        for position, el in enumerate(doc.root.iter(etree.Element)):
            if el is anchor:
                anchor_at = position
            if el in digits or el.tag in ("time", "abbr") or el.get("itemprop"):
                dated = _date_text(el, position)
                if dated is not None:
                    found.append(dated)
        return cls(found, anchor, anchor_at)


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


# A date line's text sits at most this many elements below it (`<p><span><a><b>3 May`).
DIGIT_LEVELS = 4


def _date_text(el: etree._Element, position: int) -> Dated | None:
    """What `el` says about the date, if it may say anything."""
    tag = el.tag
    if el.get("itemprop") in ("datePublished", "dateCreated"):
        value = (
            el.get("content")
            or el.get("datetime")
            or el.get("title")
            or short_text(el, DATELINE_CHARS)
        )
        return Dated(position, value or "", el, MARKED, False)
    names = f"{el.get('class', '')} {el.get('id', '')}"
    if tag == "time" and el.get("datetime"):
        return Dated(position, el.get("datetime", ""), el, MARKED, _revision(names))
    if tag == "abbr" and el.get("title") and "published" in names:
        return Dated(position, el.get("title", ""), el, MARKED, False)
    if tag not in DATE_LINE_TAGS or len(el) > MAX_CHILDREN:
        return None
    text = short_text(el, DATELINE_CHARS)
    rank = DATELINE
    if text is None:
        if tag != "p":
            return None
        text, rank = _opening(el), LEADING
        if not PUBLISHED_LABEL.search(text):
            # Unlabelled, the date must open the paragraph (`Berlin, 2. November 2021 – …`).
            text = text[:LEADING_DATE_CHARS]
    elif DATE_CLASS.search(names):
        rank = MARKED
    if not _DIGIT.search(text):
        return None
    published_part = _without_revisions(text)
    if not _DIGIT.search(published_part):
        # Only a revision's date (`Stand: 05. Februar 2020`, `Aktualisiert am …`): the last resort.
        return Dated(position, text, el, MARKED, True)
    labelled = PUBLISHED_LABEL.search(published_part)
    if labelled:
        return Dated(position, published_part[labelled.end() :], el, MARKED, _revision(names))
    return Dated(position, published_part, el, rank, _revision(names))


def _revision(names: str) -> bool:
    # `<span class="entry-date updated">` (WordPress) is often the only date: kept, ranked last.
    return bool(MODIFIED.search(names)) and not PUBLISHED_WORD.search(names)


def _opening(el: etree._Element) -> str:
    """The first characters of a long paragraph: where a dateline or a label would be."""
    opening = ""
    for piece in el.itertext():
        opening += piece
        if len(opening) >= LEADING_CHARS:
            break
    return squash(opening[:LEADING_CHARS])


def _without_revisions(text: str) -> str:
    """`Written: 2023-11-07 15:03 / Updated: 2023-11-07 15:30` less what follows a revision's
    label up to the next label (`Letzte Änderung: 31.10.2023 Erschienen am: 01.11.2023`)."""
    m = MODIFIED.search(text)
    if not m:
        return text
    rest = text[m.end() :]
    label = PUBLISHED_LABEL.search(rest)
    return squash(text[: m.start()] + " " + (rest[label.start() :] if label else ""))
