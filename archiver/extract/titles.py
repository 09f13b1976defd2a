"""The article's title: the headline the page shows (its <h1>) when the page's own title
metadata agrees with it, else that metadata less the site's name, else the first heading or
the URL's slug."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lxml import etree

from archiver.extract.document import Document
from archiver.extract.nodes import text_of
from archiver.extract.sitenames import SiteNames, folded
from archiver.extract.text import squash

ARTICLE_TYPES = (
    "Article",
    "NewsArticle",
    "BlogPosting",
    "TechArticle",
    "Report",
    "ScholarlyArticle",
)
# What separates a title from the site's name: `|`, ` - `, ` – `, ` :: `, ` // `, ` » `, ` · `,
# `_` (Chinese portals: `标题_频道_网站`), `——`. A colon is not one: `Klimaschutz: Bohren …`.
_SEPARATOR = re.compile(
    r"(\s+(?:[-–—·•»«/~⋆]|//|::|\|\|)\s+|\s*[|｜_]\s*|\s*(?:——|--)\s*|\s+[-–—|]$"
    r"|(?<=[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e])[-–—](?=[\u3400-\u9fff]))"
)
# A Chinese site or channel name at a title's end: `_腾讯网`, `-新浪财经频道`, `_博客园`.
_CJK_SITE_WORD = re.compile(
    r"^[\u3400-\u9fffA-Za-z0-9·]{1,14}(网|频道|官网|在线|门户|博客|博客园|论坛|社区|资讯|日报|晚报|时报|周刊|平台|之家)$"
)
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Soft hyphens and zero-width characters: a CMS's hyphenation hints, invisible when shown.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# An <h1> agrees with the title metadata when they share this much of their words (Dice).
_AGREEMENT = 0.5
_MAX_HEADINGS = 6
# An <h1> of this many words is a sentence, a headline, not a logo or a section's name.
_SENTENCE_WORDS = 4
# A URL slug's trailing id (`-20215`, `_433873`, `-a1b2c3d4e5`) and file extension.
_SLUG_TAIL = re.compile(
    r"([-_.](?:\d+|[0-9a-f]{8,})|\.(?:s?html?|php\d?|aspx?|jsp|cms))+$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Headline:
    """The title, and the <h1> it was read from (the anchor of the byline), if any."""

    text: str
    node: etree._Element | None


def headline(doc: Document, site: SiteNames) -> Headline | None:
    """The article's title, or None when the page offers none (no heading, no metadata, no slug).

    The metadata titles (og:title, then the JSON-LD headline, then <title>) pick the <h1>
    the first of them agrees with: that heading is what readers see (`Können Fische Schmerzen
    spüren / empfinden?` where og:title shortens it), unless it only adds a kicker to the
    metadata title (`Tunesien` + `Große Aufgaben für die neue Regierung`). An <h1> agreeing
    with none is a logo or a section name, and the metadata title stands.
    """
    titles, article_level = _metadata_titles(doc, site)
    headings = _headings(doc, "h1", site)
    if titles:
        for title in titles:
            for text, node in headings:
                if agrees(text, title):
                    return Headline(title if title in _pieces(node) else text, node)
        best = titles[0]
        # A page with no article metadata whose <title> shares nothing with its <h1> sentence
        # has a template's title (`Drucker • Etiketten • Service`) and the headline in the <h1>.
        first = headings[0][0] if headings else ""
        if not article_level and len(_words(first)) >= _SENTENCE_WORDS and not site.opens(first):
            return Headline(*headings[0])
        return Headline(best, None)
    for text, node in headings or _headings(doc, "h2", site):
        return Headline(text, node)
    # A page with a body is archived even without title markup: named by its URL's words,
    # else by its host.
    slug = title_from_url(doc.url) or _host(doc.url)
    return Headline(slug, None) if slug else None


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _pieces(node: etree._Element) -> set[str]:
    """The heading's text pieces and its elements' texts: the metadata title among them is the
    headline and the rest a kicker or subtitle (`<span>Tunesien</span> Große Aufgaben …`)."""
    found = {squash(t) for t in node.itertext()}
    found.update(text_of(el) for el in node.iterdescendants(etree.Element))
    return found


def _metadata_titles(doc: Document, site: SiteNames) -> tuple[list[str], bool]:
    """og:title, the JSON-LD headline and <title>, each less the site's name (a value that is
    only the site's name, or a section's, `og:title` = `og:site_name`, is no title); and
    whether any came from article-level metadata rather than <title> alone."""
    raw = [
        doc.meta.get("og:title"),
        doc.meta.get("twitter:title"),
        next(
            (o.get("headline") for o in doc.ld_of_type(*ARTICLE_TYPES) if o.get("headline")), None
        ),
    ]
    found: list[str] = []
    for value in raw:
        _add_title(found, value, site)
    article_level = bool(found)
    _add_title(found, squash(" ".join(doc.css("title ::text"))), site)  # type: ignore[arg-type]
    return found, article_level


def _add_title(found: list[str], value: object, site: SiteNames) -> None:
    if isinstance(value, str):
        text = strip_site_name(clean_title(value), site)
        if text and not site.holds(text) and text not in found:
            found.append(text)


def _headings(doc: Document, tag: str, site: SiteNames) -> list[tuple[str, etree._Element]]:
    """The first few non-empty headings, less those naming the site (a logo in an <h1>)."""
    found: list[tuple[str, etree._Element]] = []
    for node in doc.root.iter(tag):
        text = clean_title(text_of(node))
        if text and not site.holds(text):
            found.append((text, node))
        if len(found) >= _MAX_HEADINGS:
            break
    return found


def clean_title(text: str) -> str:
    """One line without hyphenation hints, a title said twice said once (`T T`, `T | T`)."""
    text = squash(text.translate(_INVISIBLE))
    parts = [p for p in _SEPARATOR.split(text)[::2] if p.strip()]
    if len(parts) > 1 and len(set(parts)) == 1:
        return parts[0]
    half = len(text) // 2
    if (
        len(text) > 8
        and len(text) % 2 == 1
        and text[:half] == text[half + 1 :]
        and text[half] == " "
    ):
        return text[:half]
    return text


def strip_site_name(title: str, site: SiteNames) -> str:
    """`Title | Site`, `Site - Title`, `Title - Site - Tagline`, `Title_频道_网站` less the parts
    the page names its site by (og:site_name, the publisher, the link home, the host) or that
    read as a Chinese site or channel name; a title with no such evidence is kept whole."""
    pieces = _SEPARATOR.split(title)
    parts = pieces[::2]
    if len(parts) == 1:
        return _strip_parenthesised(title, site)
    start, end = 0, len(parts)
    for i in range(1, len(parts)):
        part = parts[i].strip()
        if (
            not part
            or site.named_in(part)
            or site.holds("".join(pieces[2 * i :]))
            or _CJK_SITE_WORD.match(part)
        ):
            end = i
            break
    while start < end - 1 and site.leads(parts[start]):
        start += 1
    # A channel name left before a Chinese site name: `标题_科技_腾讯网`.
    while end - 1 > start and end < len(parts) and _is_channel(parts[end - 1], parts[start]):
        end -= 1
    return squash("".join(pieces[2 * start : 2 * end - 1])) or title


def _is_channel(part: str, first: str) -> bool:
    return bool(_CJK.match(part)) and len(part.strip()) <= 4 < len(first.strip())


def _strip_parenthesised(title: str, site: SiteNames) -> str:
    # `»Einfach kein Geld mehr …« (neues deutschland)`
    if title.endswith(")") and "(" in title:
        head, _, name = title[:-1].rpartition("(")
        if head.strip() and site.named_in(name):
            return squash(head)
    return title


def agrees(heading: str, title: str) -> bool:
    """Whether a heading and a title name one article: half their words in common (Dice, each
    CJK character a word), or one holding most of the other (`Chorgeschichte` for
    `Geschichte`), or the heading opening the title (`Vom Boden aus gedacht` for `Vom Boden aus
    gedacht - Ann Cotten verwebt …`)."""
    a, b = _words(heading), _words(title)
    if not a or not b:
        return False
    common = len(a & b)
    # Two short titles sharing one word (`OG title`, `Heading title`) are not one title.
    if common >= min(2, len(a), len(b)) and 2 * common >= _AGREEMENT * (len(a) + len(b)):
        return True
    short, long = sorted((folded(heading), folded(title)), key=len)
    return (
        bool(short)
        and short in long
        and (5 * len(short) >= 2 * len(long) or long.startswith(short) and len(a) >= 3)
    )


def _words(text: str) -> set[str]:
    lowered = text.casefold()
    return set(_WORD.findall(_CJK.sub(" ", lowered))) | set(_CJK.findall(lowered))


def title_from_url(url: str) -> str | None:
    """The words of the URL's last path segment (`/der-historische-purzelbaum-20215/` -> `Der
    historische purzelbaum`): the title of last resort, when the page has no heading or
    title metadata. None for a slug of fewer than two words (`/index.php`, `/p/123`)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segments = [s for s in unquote(path).split("/") if s]
    if not segments:
        return None
    slug = _SLUG_TAIL.sub("", segments[-1])
    words = [w for w in re.split(r"[-_+\s.]+", slug) if w]
    if len(words) < 2 or not all(any(c.isalpha() for c in w) or w.isdigit() for w in words):
        return None
    text = " ".join(words)
    return text[0].upper() + text[1:]
