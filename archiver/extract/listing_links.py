"""A listing page's article links when no profile names them: the main list's links.

The main listing is a run of repeated sibling structures (list items, cards, table rows,
`article` blocks), each with a title link and usually a teaser, a date or a picture. Links
are grouped by their place in that structure (the path of tags and first class words from
the root, so every item's title link lands in one group and its author or tag links in
others); the best group is the listing, and other groups join it when they look like more
of it (a lead story above the list, a list split by an advertisement). Left out: page
furniture (`nav`, `aside`, the page's `header` / `footer`, hidden parts, blocks named
sidebar / widget / rail / hot / related ...), URLs that are surely not articles
(url_shape), and groups that live in another section of the site than the main list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from lxml import etree

from archiver.extract.url_shape import ARTICLE, NOT_ARTICLE, common_section, in_section, link_kind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tags whose content is page furniture wherever they are (not `form`: ASP.NET pages wrap
# the whole page in one).
FURNITURE_TAGS = frozenset({"nav", "aside", "menu", "select", "button", "template"})
# A page's header and footer; inside an item (`<article><header><h2><a>`) they hold its title.
FRAME_TAGS = frozenset({"header", "footer"})
ITEM_TAGS = frozenset({"article", "li", "tr", "dd", "dt"})
FURNITURE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
)
# Words of class / id values of blocks beside the listing (matched word by word, and on two
# words run together: `sideBar`, `most-read`).
NOISE_WORDS = _words(
    """sidebar side aside widget widgets rail sidenav hot hotlist hotnews rank ranking toplist top10
    popular trending mostread mostpopular recommend recommended related footer foot nav navbar
    menu breadcrumb crumb crumbs comment comments cmt share social login user userbox profile
    tagcloud tags ticker promo ad ads advert banner newsletter subscribe copyright friendlink
    links morefrom"""
)
_CLASS_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
GENERIC_LABELS = re.compile(
    r"^(read more|more|continue reading|full story|details|comments?|\d+ comments?"
    r"|阅读全文|全文|更多|详情|"
    r"查看全文|查看详情|评论|阅读更多|点击查看)\W*$",
    re.IGNORECASE,
)
DATE_TEXT = re.compile(
    r"(19|20)\d{2}\s*[-/.年]\s*\d{1,2}|\d{1,2}[-/]\d{1,2}[-/](19|20)?\d{2}|\d+\s*(分钟|小时|天)前|昨天|前天|"
    r"\b\d+\s+(minutes?|hours?|days?|weeks?)\s+ago\b|"
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
TITLE_MIN = 8
"""Display width (a CJK character counts 2) of a title-like link text: `公交线网优化`,
`Makefiles`."""
TEASER_MIN = 40
"""Display width of an item's own text beyond its title that reads as a teaser."""
UNKNOWN_WEIGHT = 0.4
"""What a link whose URL tells nothing (`/sourdough/`) weighs against one that looks like an
article."""
RICH_WEIGHT = 3.0
"""A group whose items all carry a date and a teaser counts this much more than bare links."""
NOISY_WEIGHT = 0.2
WRAPPER_SHARE = 0.5
"""A noise-named block holding this share of the candidate links wraps the page (`has-sidebar`)."""


@dataclass(slots=True)
class _Link:
    el: etree._Element
    url: str
    kind: str
    text: str
    noisy: tuple[etree._Element, ...]
    in_main: bool


@dataclass(slots=True)
class _Group:
    links: list[_Link] = field(default_factory=list)
    richness: float = 0.0
    score: float = 0.0
    noisy: bool = False

    def urls(self) -> list[str]:
        return list(dict.fromkeys(link.url for link in self.links))

    def share(self, kind: str) -> float:
        urls = {link.url: link.kind for link in self.links}
        return sum(k == kind for k in urls.values()) / len(urls)


def article_links(
    root: etree._Element, resolve: Callable[[str], str | None], cap: int
) -> list[str]:
    """The main listing's article URLs in page order, each once. `resolve` turns an href
    into the absolute same-site URL to follow, or None."""
    links = list(_candidates(root, resolve, cap))
    # `<main>` is where the page says its own content is: a listing inside it is the listing.
    inside = [link for link in links if link.in_main]
    if any(_title_like(link.text) for link in inside):
        links = inside
    if not links:
        return []
    groups = _groups(links)
    chosen = _choose(groups)
    keep = {id(link) for group in chosen for link in group.links}
    return list(dict.fromkeys(link.url for link in links if id(link) in keep))


def _candidates(
    root: etree._Element, resolve: Callable[[str], str | None], cap: int
) -> Iterator[_Link]:
    regions = _Regions()
    for count, el in enumerate(root.iter("a")):
        if count >= cap:
            return
        href = el.get("href")
        url = resolve(href) if href and not regions.excluded(el) else None
        if url is None:
            continue
        kind = link_kind(url)
        if kind != NOT_ARTICLE:
            yield _Link(el, url, kind, _text(el), regions.noisy(el), regions.in_main(el))


class _Regions:
    """Per element, memoised along the ancestor chain: furniture (excluded) and noise-named
    blocks."""

    def __init__(self) -> None:
        self._excluded: dict[etree._Element, bool] = {}
        self._noisy: dict[etree._Element, tuple[etree._Element, ...]] = {}
        self._in_item: dict[etree._Element, bool] = {}
        self._in_main: dict[etree._Element, bool] = {}

    def excluded(self, el: etree._Element) -> bool:
        found = self._excluded.get(el)
        if found is None:
            parent = el.getparent()
            found = self._excluded[el] = (
                parent is not None and self.excluded(parent)
            ) or self._furniture(el)
        return found

    def _furniture(self, el: etree._Element) -> bool:
        tag = el.tag if isinstance(el.tag, str) else ""
        if (
            tag in FURNITURE_TAGS
            or el.get("role") in FURNITURE_ROLES
            or el.get("hidden") is not None
        ):
            return True
        if tag in FRAME_TAGS and not self._inside_item(el.getparent()):
            return True
        style = el.get("style")
        return bool(style) and "none" in style and "display:none" in style.replace(" ", "")

    def _inside_item(self, el: etree._Element | None) -> bool:
        if el is None:
            return False
        found = self._in_item.get(el)
        if found is None:
            found = self._in_item[el] = el.tag in ITEM_TAGS or self._inside_item(el.getparent())
        return found

    def in_main(self, el: etree._Element | None) -> bool:
        if el is None:
            return False
        found = self._in_main.get(el)
        if found is None:
            found = el.tag == "main" or el.get("role") == "main" or self.in_main(el.getparent())
            self._in_main[el] = found
        return found

    def noisy(self, el: etree._Element) -> tuple[etree._Element, ...]:
        """The noise-named blocks `el` sits in, innermost last."""
        found = self._noisy.get(el)
        if found is None:
            parent = el.getparent()
            found = self.noisy(parent) if parent is not None else ()
            if el.tag not in ("html", "body") and _noise_named(el):
                found = (*found, el)
            self._noisy[el] = found
        return found


def _noise_named(el: etree._Element) -> bool:
    value = f"{el.get('class', '')} {el.get('id', '')}"
    return bool(value.strip()) and _noise_words(value)


# Pages repeat a few class names many times.
@functools.lru_cache(maxsize=1024)
def _noise_words(value: str) -> bool:
    words = [w.lower() for w in _CLASS_WORDS.findall(value)]
    pairs = (a + b for a, b in pairwise(words))
    return any(w in NOISE_WORDS for w in words) or any(p in NOISE_WORDS for p in pairs)


def _text(el: etree._Element) -> str:
    """The link's words; for a picture-only link, its title or the picture's alt text."""
    text = " ".join("".join(el.itertext()).split())
    if text:
        return text
    img = el.find(".//img")
    label = el.get("title") or (img.get("alt") if img is not None else None) or ""
    return " ".join(label.split())


def _width(text: str) -> int:
    return len(text) + len(CJK.findall(text))


def _title_like(text: str) -> bool:
    return _width(text) >= TITLE_MIN and not GENERIC_LABELS.match(text)


def _groups(links: list[_Link]) -> list[_Group]:
    """Links grouped by their structural path; each group scored."""
    paths = _Paths()
    by_path: dict[int, _Group] = {}
    for link in links:
        by_path.setdefault(paths.of(link.el), _Group()).links.append(link)
    wrappers = _wrappers(links)
    items = _Items(links)
    groups = list(by_path.values())
    for group in groups:
        group.noisy = sum(bool(set(link.noisy) - wrappers) for link in group.links) * 2 > len(
            group.links
        )
        group.richness = sum(items.richness(link) for link in group.links) / len(group.links)
        group.score = _score(group)
    return groups


def _wrappers(links: list[_Link]) -> set[etree._Element]:
    """Noise-named blocks that hold nearly every candidate link: layout wrappers, not sidebars."""
    counts: dict[etree._Element, int] = {}
    for link in links:
        for el in link.noisy:
            counts[el] = counts.get(el, 0) + 1
    return {el for el, n in counts.items() if n >= WRAPPER_SHARE * len(links)}


def _score(group: _Group) -> float:
    best: dict[str, float] = {}
    for link in group.links:
        weight = (1.0 if link.kind == ARTICLE else UNKNOWN_WEIGHT) * (
            1.0 if _title_like(link.text) else 0.3
        )
        best[link.url] = max(best.get(link.url, 0.0), weight)
    return (
        sum(best.values())
        * (1 + RICH_WEIGHT * group.richness)
        * (NOISY_WEIGHT if group.noisy else 1.0)
    )


class _Paths:
    """A link's place in the page: tag and first class word of each ancestor, interned to an int.
    Class words with digits (`post-412`) and ids differ per item, so they are left out."""

    def __init__(self) -> None:
        self._ids: dict[tuple[int, str], int] = {}
        self._of: dict[etree._Element, int] = {}

    def of(self, el: etree._Element) -> int:
        found = self._of.get(el)
        if found is None:
            parent = el.getparent()
            key = (self.of(parent) if parent is not None else -1, _token(el))
            found = self._of[el] = self._ids.setdefault(key, len(self._ids))
        return found


def _token(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else "#"
    for word in el.get("class", "").split():
        if not any(c.isdigit() for c in word):
            return f"{tag}.{word}"
    return tag


class _Items:
    """Each link's item: the largest block around it whose candidate links all lead to its
    URL (a card with its picture, title and "read more"), and how rich that item is."""

    def __init__(self, links: list[_Link]) -> None:
        self._url_under: dict[etree._Element, str | None] = {}
        for link in links:
            for el in link.el.iterancestors():
                seen = self._url_under.get(el, link.url)
                self._url_under[el] = seen if seen == link.url else None

    def richness(self, link: _Link) -> float:
        item = link.el
        for el in link.el.iterancestors():
            if self._url_under.get(el) != link.url or el.tag in ("body", "html"):
                break
            item = el
        context = _context(item, link)
        dated = bool(DATE_TEXT.search(context)) or item.find(".//time") is not None
        teaser = _width(DATE_TEXT.sub("", context)) >= TEASER_MIN
        return (dated + teaser) / 2


def _context(item: etree._Element, link: _Link) -> str:
    """The item's text besides its title, with the siblings after it up to the next item
    (`<dt><a>title</a></dt><dd>teaser</dd>`, cnblogs' title / summary / footer divs)."""
    parts = [t for t in item.itertext() if t.strip()]
    title = link.text
    text = " ".join(" ".join(parts).split())
    text = text.replace(title, "", 1) if title else text
    if item is link.el or _width(text) < TEASER_MIN:
        text += " " + _following(item)
    return text


def _following(item: etree._Element, limit: int = 3) -> str:
    found: list[str] = []
    for sibling in item.itersiblings():
        if len(found) >= limit or not isinstance(sibling.tag, str) or sibling.tag == item.tag:
            break
        found.append(" ".join("".join(sibling.itertext()).split()))
    return " ".join(found)


def _choose(groups: list[_Group]) -> list[_Group]:
    """The best group, and the groups that look like more of the same listing."""
    ranked = sorted(groups, key=lambda g: g.score, reverse=True)
    best = ranked[0]
    if not any(_title_like(link.text) for link in best.links):
        return []
    section = common_section(best.urls())
    article_share = min(0.5, best.share(ARTICLE))
    chosen = [best]
    for group in ranked[1:]:
        if group.noisy or group.richness < 0.5 or group.share(ARTICLE) < article_share:
            continue
        urls = group.urls()
        if sum(in_section(u, section) for u in urls) * 2 < len(urls):
            continue
        if sum(_title_like(link.text) for link in group.links) * 2 < len(group.links):
            continue
        chosen.append(group)
    return chosen
