"""Listing pages: article links in page order and the next page's URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from parsel import Selector

from archiver.extract.cached import cached_property
from archiver.extract.document import Document
from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.listing_links import article_links
from archiver.extract.profiles import Profile, builtin_profiles, find_profile
from archiver.extract.text import squash
from archiver.extract.url_shape import ARTICLE, NOT_ARTICLE, in_section, link_kind, listing_section
from archiver.extract.urls import dedup_key, same_site, site_of, strip_tracking

# Labels of a link to the next page, once arrows and spacing are dropped ("Next ›", "下一页 >").
NEXT_WORDS = frozenset(
    {
        "下一页",
        "下页",
        "后一页",
        "下一頁",
        "下頁",
        "次へ",
        "次のページ",
        "next",
        "nextpage",
        "older",
        "olderposts",
        "olderentries",
        "olderarticles",
        "olderstories",
        "weiter",
        "nächsteseite",
        "suivant",
        "pagesuivante",
        "siguiente",
    }
)
# A label that is only an arrow; counted as "next" as a last resort.
NEXT_ARROWS = frozenset({"›", "»", ">", "→", ">>", "››", "»»"})
LABEL_MAX = 24
# scheme://host[:port] of an absolute URL; a port stays in the host, as site_of writes it.
_HOST = re.compile(r"https?://([^/?#]*)")
_ARROWS = re.compile(r"[\s›»>→⟩❯\-–—:|.]+")
PAGINATION_HINTS = (
    ".pagination, .pager, .page-nav, .pages, .page, nav[aria-label*=agination], #pages"
)
CURRENT_HINTS = ".current, .active, [aria-current=page], .thisclass, .now"
# Where a next-page candidate came from: how far it is trusted.
_PROFILE, _REL_NEXT, _LABEL = "profile", "rel-next", "label"


@dataclass(frozen=True, slots=True)
class Listing:
    """What a listing page offers the crawler."""

    article_urls: tuple[str, ...]
    next_page_url: str | None
    refused: str | None = None
    """Why the page was not read at all (`too_large`, `binary`, …), else None."""


class ListingPage:
    def __init__(self, doc: Document, profile: Profile | None) -> None:
        self.doc = doc
        self.profile = profile

    @cached_property
    def next_page_url(self) -> str | None:
        """The first candidate (profile selectors, rel=next, a "next" label, the page number
        after the current one) that is another page, not an article (an article page's
        rel=next or "Next »" leads to the next post), and in this listing's section
        (`/business/` does not page on into `/opinion/?page=2`) unless marked rel=next.
        A profile's own selectors are trusted as they are."""
        section = listing_section(self.doc.url)
        here = dedup_key(strip_tracking(self.doc.url))
        for url, trust in self._next_candidates():
            if url is None or dedup_key(url) == here:
                continue
            if trust is _PROFILE or (
                link_kind(url) != ARTICLE and (trust is _REL_NEXT or in_section(url, section))
            ):
                return url
        return None

    def _next_candidates(self) -> Iterator[tuple[str | None, str]]:
        sel = self.doc.selector
        for css in self.profile.listing.next_page if self.profile else ():
            yield self._same_site(sel.css(css).get()), _PROFILE
        for css in ('link[rel~="next"]::attr(href)', 'a[rel~="next"]::attr(href)'):
            yield self._same_site(sel.css(css).get()), _REL_NEXT
        arrows = []
        for count, link in enumerate(self.doc.root.iter("a")):
            if count >= self.doc.limits.max_links:
                break
            href = link.get("href")
            if href is None:
                continue
            label = " ".join("".join(link.itertext()).split()).lower()
            if len(label) > LABEL_MAX:
                continue
            if _ARROWS.sub("", label) in NEXT_WORDS:
                yield self._same_site(href), _LABEL
            elif label in NEXT_ARROWS:
                arrows.append(href)
        yield self._next_by_number(), _LABEL
        for href in arrows:
            yield self._same_site(href), _LABEL

    def _next_by_number(self) -> str | None:
        """The link labelled current+1 in the pagination block (sites with numbers only)."""
        hints = (
            ", ".join(self.profile.listing.pagination)
            if self.profile and self.profile.listing.pagination
            else PAGINATION_HINTS
        )
        for block in self.doc.selector.css(hints):
            current = _page_number(block.css(CURRENT_HINTS)) or _unlinked_number(block)
            if current is None:
                continue
            for link in block.css("a[href]"):
                if squash(" ".join(link.xpath(".//text()").getall())) == str(current + 1):
                    return self._same_site(link.attrib["href"])
        return None

    @cached_property
    def article_urls(self) -> tuple[str, ...]:
        urls: list[str] = []
        if self.profile:
            for css in self.profile.listing.article_links:
                found = (
                    self._same_site(h)
                    for h in self.doc.selector.css(css).getall()[: self.doc.limits.max_links]
                )
                # A profile's selector never means a tag or user page, however its markup changed.
                urls = [u for u in found if u and link_kind(u) != NOT_ARTICLE]
                if urls:
                    break
        if not urls:
            urls = article_links(self.doc.root, self._same_site, self.doc.limits.max_links)
        page = strip_tracking(self.doc.url)
        # A page lists an article twice (picture, title, "read more"): keep the first place.
        return tuple(dict.fromkeys(u for u in urls if u != page and u != self.next_page_url))

    def _same_site(self, href: str | None) -> str | None:
        url = self.doc.absolute(href)
        if url is None or not self._on_this_site(url):
            return None
        return strip_tracking(url)

    def _on_this_site(self, url: str) -> bool:
        # A listing resolves hundreds of links to distinct URLs: same_site's cache never hits.
        host = _HOST.match(url)
        if host and "@" not in host.group(0) and "[" not in host.group(0):
            return host.group(1).lower().removeprefix("www.") == self._site
        return same_site(url, self.doc.url)

    @cached_property
    def _site(self) -> str:
        return site_of(self.doc.url).removeprefix("www.")

    def to_listing(self) -> Listing:
        return Listing(article_urls=self.article_urls, next_page_url=self.next_page_url)


def _page_number(nodes: object) -> int | None:
    for node in nodes:  # type: ignore[attr-defined]
        text = squash(" ".join(node.xpath(".//text()").getall()))
        if text.isdigit():
            return int(text)
    return None


def _unlinked_number(block: Selector) -> int | None:
    for text in block.xpath("./span/text() | ./strong/text() | ./b/text() | ./em/text()").getall():
        if squash(text).isdigit():
            return int(squash(text))
    return None


def parse_listing_page(
    html: bytes | str,
    url: str,
    *,
    content_type: str | None = None,
    profiles: tuple[Profile, ...] | None = None,
    limits: PageLimits = DEFAULT_LIMITS,
) -> Listing:
    # A listing's links do not depend on when it was fetched.
    try:
        doc = Document.parse(html, url, "1970-01-01T00:00:00Z", content_type, limits)
    except PageRefused as refused:
        return Listing(article_urls=(), next_page_url=None, refused=refused.reason)
    profile = find_profile(builtin_profiles() if profiles is None else profiles, url, doc)
    return ListingPage(doc, profile).to_listing()
