"""Page objects: one `cached_property` per record field, profile first, generic second."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cached_property
from urllib.parse import unquote

from parsel import Selector, SelectorList

from archiver.extract import generic
from archiver.extract.dates import parse_date
from archiver.extract.document import Document
from archiver.extract.language import detect_language, normalise_tag
from archiver.extract.profiles import Profile, builtin_profiles, find_profile
from archiver.extract.render import RenderedBody, render_body
from archiver.extract.text import content_hash, decode_leaked_entities, squash, strip_label
from archiver.extract.urls import dedup_key, resolve, site_of
from archiver.items import Article, RelatedLink, TocEntry

BREADCRUMB_LABELS = ("当前位置", "您的位置", "您现在的位置", "位置", "You are here")
AUTHOR_LABELS = ("作者：", "作者:", "作者", "文/", "By ", "by ", "Author:")
_CRUMB_SPLIT = re.compile(r"\s*[>›»→/|]\s*")


class FieldError(Exception):
    """A record field raised: a bug in extraction, reported with the field's name."""

    def __init__(self, field: str, cause: BaseException) -> None:
        super().__init__(f"field {field!r}: {type(cause).__name__}: {cause}")
        self.field = field


def first(node: Selector | SelectorList, selectors: tuple[str, ...]) -> Selector | None:
    for css in selectors:
        found = node.css(css)
        if found:
            return found[0]
    return None


def text_of(node: Selector | None) -> str:
    return squash(" ".join(node.xpath(".//text()").getall())) if node is not None else ""


class ArticlePage:
    """What one article page means. Every record field is a member named like the record key."""

    def __init__(self, doc: Document, profile: Profile | None) -> None:
        self.doc = doc
        self.profile = profile

    # -- which layer answers --------------------------------------------------
    @cached_property
    def is_article(self) -> bool:
        if self.profile and self.profile.article.require:
            if not all(self.doc.selector.css(css) for css in self.profile.article.require):
                return False
        return bool(self.title) and self._root is not None and bool(self.body)

    @cached_property
    def _profile_root(self) -> Selector | None:
        if self.profile is None:
            return None
        root = first(self.doc.selector, self.profile.article.body)
        return root if root is not None and text_of(root) else None

    @cached_property
    def _root(self) -> Selector | None:
        return self._profile_root if self._profile_root is not None else generic.body_root(self.doc)

    @cached_property
    def extractor(self) -> str:
        return self.profile.name if self.profile and self._profile_root is not None else "generic"

    @cached_property
    def used_fallback(self) -> bool:
        """A profile matched the page but its body selectors found nothing."""
        return self.profile is not None and self._profile_root is None

    # -- fields ---------------------------------------------------------------
    @cached_property
    def url(self) -> str:
        return self.doc.url

    @cached_property
    def canonical_url(self) -> str:
        href = self.doc.selector.css('link[rel~="canonical"]::attr(href)').get() or self.doc.meta.get("og:url")
        found = resolve(self.doc.base_url, href)
        return (found or self.doc.url).split("#", 1)[0]

    @cached_property
    def site(self) -> str:
        return site_of(self.doc.url)

    @cached_property
    def title(self) -> str:
        if self.profile:
            text = text_of(first(self.doc.selector, self.profile.article.title))
            if text:
                return text
        return generic.title(self.doc) or ""

    @cached_property
    def _rendered(self) -> RenderedBody:
        if self._root is None:
            return RenderedBody(text="", html="")
        skip: set[object] = set()
        removals = self.profile.article.remove if self.extractor != "generic" and self.profile else ()
        for css in removals:
            skip.update(node.root for node in self._root.css(css))
        if self.extractor == "generic":
            skip.update(generic.boilerplate_inside(self._root))
        return render_body(self._root.root, skip, self.doc.absolute)

    @cached_property
    def body(self) -> str:
        return self._rendered.text

    @cached_property
    def body_html(self) -> str:
        return self._rendered.html

    @cached_property
    def toc(self) -> tuple[TocEntry, ...]:
        container = first(self.doc.selector, self.profile.article.toc) if self.profile else None
        if container is None:
            container = first(self._root, ("div.toc", "#toc", ".toc")) if self._root is not None else None
        if container is None:
            return ()
        entries = []
        for link in container.css('a[href^="#"]'):
            text = text_of(link)
            if text:
                depth = len(link.xpath("ancestor::ul | ancestor::ol")) - len(container.xpath("ancestor::ul | ancestor::ol"))
                anchor = unquote(link.attrib["href"][1:]) or None
                entries.append(TocEntry(level=max(depth, 1), text=text, anchor=anchor))
        return tuple(entries)

    @cached_property
    def related(self) -> tuple[RelatedLink, ...]:
        art = self.profile.article if self.profile else None
        items = []
        for css in art.related_items if art else ():
            items = list(self.doc.selector.css(css))
            if items:
                break
        if not items:
            items = generic.related_items(self.doc)
        own = {dedup_key(self.url), dedup_key(self.canonical_url)}
        links: dict[str, RelatedLink] = {}
        for item in items:
            anchor = item if item.root.tag == "a" else first(item, art.related_link if art else ("a[href]",))
            url = resolve(self.doc.base_url, anchor.attrib.get("href")) if anchor is not None else None
            title = decode_leaked_entities(text_of(anchor))
            if not url or not title or dedup_key(url) in own or url in links:
                continue
            snippet_node = first(item, art.related_snippet) if art and art.related_snippet else None
            snippet = decode_leaked_entities(text_of(snippet_node)).strip() or None
            links[url] = RelatedLink(title=title, url=url, snippet=snippet)
        return tuple(links.values())

    @cached_property
    def breadcrumb(self) -> tuple[str, ...]:
        node = first(self.doc.selector, self.profile.article.breadcrumb) if self.profile else None
        node = node if node is not None else generic.breadcrumb_node(self.doc)
        if node is None:
            return generic.breadcrumb_from_ld(self.doc)
        text = text_of(node)
        for label in BREADCRUMB_LABELS:
            if text.startswith(label):
                text = text[len(label) :].lstrip(" :：")
                break
        parts = [p.strip() for p in _CRUMB_SPLIT.split(text) if p.strip()]
        if len(parts) <= 1:
            parts = [text_of(a) for a in node.css("a") if text_of(a)] or parts
        return tuple(parts)

    @cached_property
    def published(self) -> str | None:
        tz = self.profile.timezone if self.profile else None
        if self.profile:
            found = parse_date(text_of(first(self.doc.selector, self.profile.article.published)), self.doc.fetched_at, tz)
            if found:
                return found
        return parse_date(generic.published_meta(self.doc), self.doc.fetched_at, tz)

    @cached_property
    def author(self) -> str | None:
        if self.profile:
            text = strip_label(text_of(first(self.doc.selector, self.profile.article.author)), AUTHOR_LABELS)
            if text:
                return text
        return generic.author_meta(self.doc)

    @cached_property
    def language(self) -> str | None:
        declared = normalise_tag(self.doc.html_lang)
        return declared or detect_language(self.body)

    @cached_property
    def description(self) -> str | None:
        return self.doc.meta.get("description") or self.doc.meta.get("og:description") or None

    @cached_property
    def tags(self) -> tuple[str, ...]:
        if self.profile and self.profile.article.tags:
            for css in self.profile.article.tags:
                found = tuple(dict.fromkeys(t for t in (text_of(n) for n in self.doc.selector.css(css)) if t))
                if found:
                    return found
        return generic.tags_meta(self.doc)

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.body)

    @cached_property
    def fetched_at(self) -> str:
        return self.doc.fetched_at.isoformat().replace("+00:00", "Z")

    # Archive-level facts: extraction sees one page, so these start empty and pipelines fill them.
    previous_version: None = None
    duplicate_of: None = None

    def to_article(self) -> Article:
        values = {}
        for f in fields(Article):
            try:
                values[f.name] = getattr(self, f.name)
            except Exception as exc:
                raise FieldError(f.name, exc) from exc
        return Article(**values)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The record, or why there is none (`not_article`), plus which layer answered."""

    article: Article | None
    reason: str | None
    extractor: str
    used_fallback: bool


def parse_page(
    html: bytes | str,
    url: str,
    *,
    fetched_at: str,
    content_type: str | None = None,
    profiles: tuple[Profile, ...] | None = None,
) -> ParseResult:
    return parse_document(Document.parse(html, url, fetched_at, content_type), profiles)


def parse_document(doc: Document, profiles: tuple[Profile, ...] | None = None) -> ParseResult:
    """The record for an already parsed document (the CLI fixes up the URL first)."""
    profile = find_profile(builtin_profiles() if profiles is None else profiles, doc.url, doc.selector)
    page = ArticlePage(doc, profile)
    if not page.is_article:
        return ParseResult(None, "not_article", page.extractor, page.used_fallback)
    return ParseResult(page.to_article(), None, page.extractor, page.used_fallback)
