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
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from archiver.extract.datelines import MARKED, Markup
from archiver.extract.dates import parse_date, parse_offset
from archiver.extract.document import Document
from archiver.extract.nodes import Found
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
# How far from the headline (in elements, page order) a dateline may stand: above it (a
# category and date line) or below it (the byline, before or after a lead image).
BEFORE_HEADLINE = 30
# The headline's block: its parent and the few wrappers above it (`header > div > h1`).
HEADER_LEVELS = 3
AFTER_HEADLINE = 80
# An ISO datetime's offset anywhere in the page's source (meta tags, scripts, attributes).
_OFFSET = re.compile(r"(?:19|20)\d\d-\d\d-\d\dT\d\d:\d\d(?::\d\d)?(?:\.\d+)?([+-]\d\d:?\d\d)")
# The same match found by its `T`: a pattern that opens with a literal is searched for that
# character, where _OFFSET tries a match at every position of the page (0.7 ms a page).
# The date before the `T` is checked behind it, so each hit is where an _OFFSET match starts
# ten characters earlier.
_OFFSET_AT_T = re.compile(
    r"T(?<=(?:19|20)\d\d-\d\d-\d\dT)\d\d:\d\d(?::\d\d)?(?:\.\d+)?[+-]\d\d:?\d\d"
)
# `/2019/10/16/`, `/2019-10-16-`, `/2017/7/12/`, `/20191016-` in the URL's path.
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})([/_-])(1[0-2]|0?[1-9])\2(3[01]|[12]\d|0?[1-9])(?!\d)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.-])"
)


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
        shown = _from_markup(doc, Markup.read(doc, anchor()), tz)
        claims.sort(key=lambda c: shown is None or c[:10] != shown[:10])
    if claims:
        return Found(in_page_zone(claims[0], doc), "metadata")
    markup = Markup.read(doc, anchor())
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
    offsets = Counter(offset.replace(":", "") for offset in _offsets(doc.text))
    for utc in ("+0000", "-0000"):
        offsets.pop(utc, None)
    if not offsets:
        return iso
    zone = parse_offset(offsets.most_common(1)[0][0])
    return datetime.fromisoformat(iso).astimezone(zone).isoformat() if zone else iso


def _offsets(text: str) -> Iterable[str]:
    """The offsets `_OFFSET.finditer(text)` finds, the same matches in the same order."""
    end = 0
    for hit in _OFFSET_AT_T.finditer(text):
        start = hit.start() - 10
        # Matches do not overlap: one starting inside the previous one is not a match.
        if start >= end:
            found = _OFFSET.match(text, start)
            if found:
                end = found.end()
                yield found.group(1)


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
    doc: Document, markup: Markup, tz: tzinfo | None, *, revisions: bool = False
) -> str | None:
    """A date near the headline: one marked as the publication's (`itemprop=datePublished`,
    `<time datetime>`, a label, a date-named class) before a bare dateline, the nearer first
    (one above the headline counts double its distance); failing that, the first marked-up
    date anywhere (absolute only). Nothing in the comments counts. With `revisions`, only the
    first date anywhere labelled as a revision's: better than none (`Letzte Änderung:
    14.01.2022`)."""
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
