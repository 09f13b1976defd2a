"""Listing pages: article links in page order and the next page's URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from parsel import Selector

from archiver.extract.cached import cached_property
from archiver.extract.document import Document
from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.profiles import Profile, builtin_profiles, find_profile
from archiver.extract.text import squash
from archiver.extract.urls import same_site, strip_tracking

NEXT_WORDS = frozenset({"下一页", "下页", "后一页", "next", "next page", "next »", "older posts", "older", "›", "»", ">", "下一頁"})
PAGINATION_HINTS = ".pagination, .pager, .page-nav, .pages, .page, nav[aria-label*=agination], #pages"
CURRENT_HINTS = ".current, .active, [aria-current=page], .thisclass, .now"
# Article URLs, as CMSs write them: a long number id, a date path, or a *.html leaf with a slug.
ARTICLE_PATH = re.compile(r"(/\d{5,}|/(19|20)\d{2}/\d{1,2}/|/(article|post|p|news|blog|details?)/[^/]+|\.s?html?$)", re.I)
NOT_ARTICLE_PATH = re.compile(r"/(tag|tags|category|categories|author|search|login|register|page|list)(/|_|$)|/list_\d+|/index\.", re.I)


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
        sel = self.doc.selector
        candidates = list(self.profile.listing.next_page) if self.profile else []
        candidates += ['link[rel~="next"]::attr(href)', 'a[rel~="next"]::attr(href)']
        for css in candidates:
            url = self._same_site(sel.css(css).get())
            if url:
                return url
        for link in sel.xpath(f"(//a[@href])[position() <= {self.doc.limits.max_links}]"):
            label = squash(" ".join(link.xpath(".//text()").getall())).lower()
            if label in NEXT_WORDS:
                url = self._same_site(link.attrib["href"])
                if url:
                    return url
        return self._next_by_number()

    def _next_by_number(self) -> str | None:
        """The link labelled current+1 in the pagination block (sites with numbers only)."""
        hints = ", ".join(self.profile.listing.pagination) if self.profile and self.profile.listing.pagination else PAGINATION_HINTS
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
        sel = self.doc.selector
        hrefs: list[str] = []
        if self.profile:
            for css in self.profile.listing.article_links:
                hrefs = sel.css(css).getall()
                if hrefs:
                    break
        if not hrefs:
            hrefs = self._generic_links(sel)
        urls = (self._same_site(h) for h in hrefs[: self.doc.limits.max_links])
        page = strip_tracking(self.doc.url)
        # A page lists an article twice (top list and sidebar): keep the first place.
        return tuple(dict.fromkeys(u for u in urls if u and u != page and u != self.next_page_url))

    def _generic_links(self, sel: Selector) -> list[str]:
        hrefs = []
        cap = self.doc.limits.max_links
        for link in sel.xpath(f"(//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)])[position() <= {cap}]"):
            href = link.attrib["href"]
            text = squash(" ".join(link.xpath(".//text()").getall()))
            path = _path_of(href)
            if len(text) >= 6 and ARTICLE_PATH.search(path) and not NOT_ARTICLE_PATH.search(path):
                hrefs.append(href)
        return hrefs

    def _same_site(self, href: str | None) -> str | None:
        url = self.doc.absolute(href)
        if url is None or not same_site(url, self.doc.url):
            return None
        return strip_tracking(url)

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


def _path_of(href: str) -> str:
    try:
        return urlsplit(href).path
    except ValueError:  # `http://[bad`: "Invalid IPv6 URL"
        return ""


def parse_listing_page(
    html: bytes | str, url: str, *, content_type: str | None = None,
    profiles: tuple[Profile, ...] | None = None, limits: PageLimits = DEFAULT_LIMITS,
) -> Listing:
    # A listing's links do not depend on when it was fetched.
    try:
        doc = Document.parse(html, url, "1970-01-01T00:00:00Z", content_type, limits)
    except PageRefused as refused:
        return Listing(article_urls=(), next_page_url=None, refused=refused.reason)
    profile = find_profile(builtin_profiles() if profiles is None else profiles, url, doc)
    return ListingPage(doc, profile).to_listing()
