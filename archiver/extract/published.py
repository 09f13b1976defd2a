"""The publication date: the article's own metadata first, then the dateline beside its
headline, then the URL, then a date the page labels as published anywhere outside comments.

A relative age (`3 天前`, `1 week ago`) is only believed beside the headline (a sidebar's
"1 week ago" is another article's); every date is bounded by 1990 and the fetch time
(`dates.parse_date`). Modified dates never stand in for published ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from archiver.extract.dates import parse_date, parse_offset
from archiver.extract.document import Document
from archiver.extract.nodes import Found, short_text, text_holders
from archiver.extract.text import squash
from archiver.extract.titles import ARTICLE_TYPES

PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
    "originalpublicationdate",
    "article.published",
    "cxenseparse:recs:publishtime",
)
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
    r"(^|(?<=[\s|\d]))(发布于|发表于|发布时间|发布日期|发表时间|发表日期|时间|日期|published( on)?|posted( on)?|date"
    r"|veröffentlicht( am)?|veröffentlichung|erschienen( am)?|erstellt( am)?|datum|publié( le)?|publicado( el)?"
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
# How far from the headline (in elements, page order) a dateline may stand: above it (a
# category and date line) or below it (the byline, before or after a lead image).
BEFORE_HEADLINE = 30
# The headline's block: its parent and the few wrappers above it (`header > div > h1`).
HEADER_LEVELS = 3
AFTER_HEADLINE = 80
# An ISO datetime's offset anywhere in the page's source (meta tags, scripts, attributes).
_OFFSET = re.compile(r"(?:19|20)\d\d-\d\d-\d\dT\d\d:\d\d(?::\d\d)?(?:\.\d+)?([+-]\d\d:?\d\d)")
# A dateline's element holds few others (`<span>Datum:</span> 19.11.2021 <br> <span>Autor:</span> …`).
MAX_CHILDREN = 8
_DIGIT = re.compile(r"\d")
# A dateline is short: `Hamburg, 2. November 2021`, `Von Maria Chen · 3. Mai 2024, 10:20 Uhr`.
DATELINE_CHARS = 90
# `/2019/10/16/`, `/2019-10-16-`, `/2017/7/12/`, `/20191016-` in the URL's path.
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})([/_-])(1[0-2]|0?[1-9])\2(3[01]|[12]\d|0?[1-9])(?!\d)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.-])"
)


MARKED, DATELINE, LEADING = 0, 1, 2
# How much of a paragraph's opening may hold its dateline (`Pressemitteilung vom 25. Januar
# 2022 | Berlin …`) or a labelled date (`Letzte Änderung: 31.10.2023 - 14:49:39 Erschienen am: …`).
LEADING_CHARS = 90
LEADING_DATE_CHARS = 60


@dataclass(frozen=True, slots=True)
class _Dated:
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


def published(
    doc: Document, anchor: Callable[[], etree._Element | None], tz: tzinfo | None
) -> Found[str | None]:
    """The publication date as ISO 8601: the metadata's (credited `metadata`), else the one
    the page shows (`generic`). `anchor` gives what the byline stands beside (the headline,
    else the body), asked only when the page's markup is read; `tz` is the profile's zone
    for times without one. A UTC time is given in the zone the page writes its others in."""
    claims = _metadata_claims(doc, tz)
    if len({c[:10] for c in claims}) > 1:
        # Metadata that disagrees (a re-publication's meta tag against the JSON-LD original):
        # the one the page shows beside the headline wins, else the meta tags' as usual.
        shown = _from_markup(doc, _Markup.read(doc, anchor()), tz)
        claims.sort(key=lambda c: shown is None or c[:10] != shown[:10])
    if claims:
        return Found(in_page_zone(claims[0], doc), "metadata")
    markup = _Markup.read(doc, anchor())
    found = (
        _from_markup(doc, markup, tz)
        or url_date(doc.url, doc, tz)
        or _from_scripts(doc, tz)
        or _from_markup(doc, markup, tz, revisions=True)
    )
    return Found(in_page_zone(found, doc) if found else None, "generic" if found else None)


def _metadata_claims(doc: Document, tz: tzinfo | None) -> list[str]:
    """The dates the metadata states, most trusted first: the meta tags, the JSON-LD article
    object, any other JSON-LD object (a WebPage's, a video's `uploadDate`)."""
    claims = [
        next(
            (
                f
                for f in (
                    parse_date(doc.meta.get(k), doc.fetched_at, tz, relative=False)
                    for k in PUBLISHED_META
                )
                if f
            ),
            None,
        ),
        _from_ld(doc.ld_of_type(*ARTICLE_TYPES), doc, tz),
    ]
    if not any(claims):
        claims.append(_from_ld(doc.json_ld, doc, tz))
    return [c for c in claims if c]


def in_page_zone(iso: str, doc: Document) -> str:
    """A UTC time (`2020-02-25T02:25:54+00:00`) in the zone the page writes its other times in
    (`2020-02-24T21:25:54-05:00` in a script): the publisher's day is its local one."""
    if not iso.endswith("+00:00"):
        return iso
    offsets = Counter(m.group(1).replace(":", "") for m in _OFFSET.finditer(doc.text))
    for utc in ("+0000", "-0000"):
        offsets.pop(utc, None)
    if not offsets:
        return iso
    zone = parse_offset(offsets.most_common(1)[0][0])
    return datetime.fromisoformat(iso).astimezone(zone).isoformat() if zone else iso


def _from_ld(objects: Iterable[dict[str, Any]], doc: Document, tz: tzinfo | None) -> str | None:
    for obj in objects:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            found = parse_date(
                value if isinstance(value, str) else None, doc.fetched_at, tz, relative=False
            )
            if found:
                return found
    return None


def _from_markup(
    doc: Document, markup: _Markup, tz: tzinfo | None, *, revisions: bool = False
) -> str | None:
    """A date near the headline: one marked as the publication's (`itemprop=datePublished`,
    `<time datetime>`, a label, a date-named class) before a bare dateline, the nearer first
    (one above the headline counts double its distance); failing that, the first marked-up
    date anywhere (absolute only). Nothing in the comments counts. With `revisions`, only the
    first date anywhere labelled as a revision's: better than none (`Letzte Änderung: 14.01.2022`)."""
    candidates, anchor, anchor_at = markup.candidates, markup.anchor, markup.anchor_at
    if not revisions and anchor is not None and anchor_at is not None:
        near = [
            c
            for c in candidates
            if anchor_at - BEFORE_HEADLINE <= c.position <= anchor_at + AFTER_HEADLINE
        ]
        near.sort(key=lambda c: (c.revision, c.rank, _distance(c.position, anchor_at)))
        # The elements themselves, not their id()s: lxml makes a proxy per access and frees
        # it, so an id() may come back as another element's.
        header = [a for _, a in zip(range(HEADER_LEVELS), anchor.iterancestors())]
        for c in near:
            # Above the headline, or as an age (`3 小时前`, `1 week ago`), only the headline's
            # own block speaks for the article: a sidebar or a teaser list stands beside it too.
            own = _beside(c.element, header)
            if c.position < anchor_at and not own:
                continue
            found = parse_date(c.text, doc.fetched_at, tz, relative=c.rank == MARKED and own)
            if found and not in_comments(c.element):
                return found
    for c in candidates:
        if c.rank == MARKED and c.revision == revisions:
            found = parse_date(c.text, doc.fetched_at, tz, relative=False)
            if found and not in_comments(c.element):
                return found
    return None


def _beside(el: etree._Element, header: list[etree._Element]) -> bool:
    """Whether `el` stands in the headline's block (`header`: its first few
    ancestors), not inside a sidebar, a related-posts block or a nav on the way (a teaser's)."""
    for a in el.iterancestors():
        if any(a is h for h in header):
            return True
        if a.tag in ("nav", "footer") or _OTHER_BLOCK.search(
            f"{a.get('class', '')} {a.get('id', '')}"
        ):
            return False
    return False


# Blocks beside an article that list other articles, with their dates.
_OTHER_BLOCK = re.compile(
    r"sidebar|related|widget|teaser|recent|popular|latest|recommend|trending", re.IGNORECASE
)


def _distance(position: int, anchor_at: int) -> int:
    return position - anchor_at if position >= anchor_at else 2 * (anchor_at - position)


@dataclass(frozen=True, slots=True)
class _Markup:
    """The elements of a page that may hold its date, in page order, and where the headline
    (or the body: the `anchor`) stands among all elements."""

    candidates: list[_Dated]
    anchor: etree._Element | None
    anchor_at: int | None

    @classmethod
    def read(cls, doc: Document, anchor: etree._Element | None) -> _Markup:
        # Only elements that hold a digit, or carry the date in an attribute, can say a date:
        # reading every element's text cost more than the rest of the field.
        digits = text_holders(doc.root, _has_digit, DIGIT_LEVELS)
        found: list[_Dated] = []
        anchor_at = None
        for position, el in enumerate(doc.root.iter(etree.Element)):
            if el is anchor:
                anchor_at = position
            if el in digits or el.tag == "time" or el.tag == "abbr" or el.get("itemprop"):
                dated = _date_text(el, position)
                if dated is not None:
                    found.append(dated)
        return cls(found, anchor, anchor_at)


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


# A date line's text sits at most this many elements below it (`<p><span><a><b>3 May`).
DIGIT_LEVELS = 4


def _date_text(el: etree._Element, position: int) -> _Dated | None:
    """What `el` says about the date, if it may say anything."""
    tag = el.tag
    names = f"{el.get('class', '')} {el.get('id', '')}"
    # `<span class="entry-date updated">` (WordPress) is often the only date: kept, ranked last.
    revision = bool(MODIFIED.search(names)) and not PUBLISHED_WORD.search(names)
    if el.get("itemprop") in ("datePublished", "dateCreated"):
        value = (
            el.get("content")
            or el.get("datetime")
            or el.get("title")
            or short_text(el, DATELINE_CHARS)
        )
        return _Dated(position, value or "", el, MARKED, False)
    if tag == "time" and el.get("datetime"):
        return _Dated(position, el.get("datetime", ""), el, MARKED, revision)
    if tag == "abbr" and el.get("title") and "published" in names:
        return _Dated(position, el.get("title", ""), el, MARKED, False)
    if tag not in DATE_LINE_TAGS or len(el) > MAX_CHILDREN:
        return None
    text = short_text(el, DATELINE_CHARS)
    rank = MARKED if DATE_CLASS.search(names) else DATELINE
    if text is None:
        if tag != "p":
            return None
        text, rank = _opening(el), LEADING
        if not PUBLISHED_LABEL.search(text):
            # Unlabelled, the date must open the paragraph (`Berlin, 2. November 2021 – …`).
            text = text[:LEADING_DATE_CHARS]
    if not _DIGIT.search(text):
        return None
    published_part = _without_revisions(text)
    if not _DIGIT.search(published_part):
        # Only a revision's date (`Stand: 05. Februar 2020`, `Aktualisiert am …`): the last resort.
        return _Dated(position, text, el, MARKED, True)
    labelled = PUBLISHED_LABEL.search(published_part)
    if labelled:
        return _Dated(position, published_part[labelled.end() :], el, MARKED, revision)
    return _Dated(position, published_part, el, rank, revision)


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


# Class or id tokens of a comment section (not `f_comment_nofollow_on` on a <body>).
_COMMENTS = re.compile(
    r"(comments?|comment[-_]?(list|area|body|section|wrap|wrapper|content|thread|item|text)|commentlist|disqus[-_]?thread|respond|replies)"
)


def in_comments(el: etree._Element) -> bool:
    """Whether `el` stands in the comments (a reader's date or name is not the article's)."""
    for a in (el, *el.iterancestors()):
        tokens = f"{a.get('class', '')} {a.get('id', '')}".lower().split()
        if any(_COMMENTS.fullmatch(t) for t in tokens):
            return True
    return False


def url_date(url: str, doc: Document, tz: tzinfo | None) -> str | None:
    """The day a URL's path names (`/2019/10/16/slug`), the way blogs and news sites file
    their articles."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for m in _URL_DATE.finditer(path):
        y, mo, d = (m[1], m[3], m[4]) if m[1] else (m[5], m[6], m[7])
        found = parse_date(f"{y}-{int(mo):02d}-{int(d):02d}", doc.fetched_at, tz, relative=False)
        if found:
            return found
    return None


# `var ct = "1615680000";` / `var publish_time = "2021-03-14" || "";` (WeChat, whose visible
# date a script fills in), `"publishedAt":"2022-01-31T15:58:43+01:00"`, `"createdAt": …` (a
# CMS's state in the page).
_SCRIPT_DATE = re.compile(
    r"""(?<![\w.$])(?:ct|create_time|publish_time|publishTime|pubDate|datePublished|published_?(?:at|date|time)"""
    r"""|publish_?(?:at|date)|publishedAt|createdAt|created_at|firstPublished(?:At|Date)?)["']?\s*[:=]\s*["']"""
    r"""([^"'\\]{6,40})["']""",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"\d{10}")
# Inline scripts can be megabytes of state; a page's own date sits early in it.
MAX_SCRIPT_CHARS = 300_000


def _from_scripts(doc: Document, tz: tzinfo | None) -> str | None:
    seen = 0
    for script in doc.root.iter("script"):
        text = script.text
        if not text or script.get("src") or script.get("type") == "application/ld+json":
            continue
        for m in _SCRIPT_DATE.finditer(text, 0, MAX_SCRIPT_CHARS - seen):
            value = m.group(1)
            if _TIMESTAMP.fullmatch(value):
                value = datetime.fromtimestamp(int(value), tz or UTC).isoformat()
            found = parse_date(value, doc.fetched_at, tz, relative=False)
            if found:
                return found
        seen += len(text)
        if seen >= MAX_SCRIPT_CHARS:
            break
    return None
