"""Page objects: one `cached_property` per record field; profile, then metadata, then generic."""

from __future__ import annotations

from dataclasses import fields
from urllib.parse import unquote

from lxml import etree

from archiver.extract import authors, generic, published
from archiver.extract.boilerplate import marked_in
from archiver.extract.cached import cached_property
from archiver.extract.dates import parse_date
from archiver.extract.document import Document
from archiver.extract.language import detect_language, normalise_tag
from archiver.extract.limits import DEFAULT_LIMITS
from archiver.extract.nodes import Found, T, breadcrumb_parts, ld_strings, text_of
from archiver.extract.profiles import ArticleSelectors, Profile
from archiver.extract.render import RenderedBody, render_body
from archiver.extract.select import first, select
from archiver.extract.sitenames import SiteNames
from archiver.extract.text import content_hash, decode_leaked_entities, squash, strip_label
from archiver.extract.titles import Headline, headline
from archiver.extract.urls import SelfLinks, resolve, site_of, strip_tracking
from archiver.items import Article, FieldSources, RelatedLink, Source, TocEntry

AUTHOR_LABELS = ("作者：", "作者:", "作者", "文/", "By ", "by ", "Author:")
GENERIC_TOC = ("div.toc", "#toc", ".toc")


class FieldError(Exception):
    """A record field raised: a bug in extraction, reported with the field's name."""

    def __init__(self, field: str, cause: BaseException) -> None:
        super().__init__(f"field {field!r}: {type(cause).__name__}: {cause}")
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in a parse worker, it crosses a pipe: rebuilt from its field and message.
        return (_field_error, (self.field, str(self)))


def _field_error(field: str, message: str) -> FieldError:
    error = FieldError.__new__(FieldError)
    Exception.__init__(error, message)
    error.field = field
    return error


class ArticlePage:
    """What one article page means. Every record field is a member named like the record key.

    Each field asks the layers in turn: the profile's selectors, then the page's metadata,
    then the generic markup heuristics; `field_sources` says which one answered.
    """

    def __init__(self, doc: Document, profile: Profile | None) -> None:
        self.doc = doc
        self.profile = profile
        self._art = profile.article if profile else ArticleSelectors()

    # -- which layer answers --------------------------------------------------
    @cached_property
    def not_article_reason(self) -> str | None:
        """None for an article; else why the page clearly is not one: `profile_reject` (the
        profile's `reject` matched: a CMS's archive, search or error page), `listing` (a list
        of teasers), `no_body` (no block of the page reads like an article)."""
        if any(self.doc.css(css) for css in self._art.reject):
            return "profile_reject"
        if self._root is not None and self.body:
            return None
        verdict = self._generic_verdict
        return verdict.why if isinstance(verdict, generic.NoArticle) else "no_body"

    @cached_property
    def is_article(self) -> bool:
        # A page with a body is an article even without a title (the URL's slug names it).
        return self.not_article_reason is None

    @cached_property
    def _profile_root(self) -> etree._Element | None:
        root = self.doc.css_first(self._art.body)
        return root if isinstance(root, etree._Element) and has_text(root) else None

    @cached_property
    def _generic_verdict(self) -> generic.BodyChoice | generic.NoArticle:
        return generic.main_content(self.doc)

    @cached_property
    def _generic_body(self) -> generic.BodyChoice | None:
        verdict = self._generic_verdict
        return verdict if isinstance(verdict, generic.BodyChoice) else None

    @cached_property
    def _root(self) -> etree._Element | None:
        if self._profile_root is not None:
            return self._profile_root
        return self._generic_body.node if self._generic_body is not None else None

    @cached_property
    def extractor(self) -> str:
        return self.profile.name if self.profile and self._profile_root is not None else "generic"

    @cached_property
    def profile_missed(self) -> bool:
        """A profile matched the page but its selectors no longer fit it: its `require`
        failed or its body selectors found no text. The generic layer answers the body then
        (a template change must not drop the site's articles); crawls count it."""
        if self.profile is None or self.not_article_reason == "profile_reject":
            return False
        required = all(self.doc.css(css) for css in self._art.require)
        return not required or self._profile_root is None

    @cached_property
    def _metadata_strings(self) -> frozenset[str]:
        """Every meta tag content and JSON-LD string: what the metadata layer can answer."""
        return frozenset(self.doc.meta.values()) | frozenset(ld_strings(self.doc.json_ld))

    def _generic(self, value: T) -> Found[T]:
        """A value from the generic module, credited to `metadata` when the page's metadata
        holds it (generic.py reads JSON-LD / meta tags before markup), else to `generic`."""
        if not value:
            return Found(value, None)
        return Found(
            value, "metadata" if squash(str(value)) in self._metadata_strings else "generic"
        )

    def _profile_text(self, selectors: tuple[str, ...]) -> str:
        return text_of(self.doc.css_first(selectors))

    # -- fields ---------------------------------------------------------------
    @cached_property
    def url(self) -> str:
        return self.doc.url

    @cached_property
    def _canonical_url(self) -> Found[str | None]:
        href = self.doc.css_first(('link[rel~="canonical"]::attr(href)',)) or self.doc.meta.get(
            "og:url"
        )
        found = resolve(self.doc.base_url, href if isinstance(href, str) else None)
        return Found(found.split("#", 1)[0], "metadata") if found else Found(None, None)

    @cached_property
    def canonical_url(self) -> str:
        return self._canonical_url.value or self.doc.url.split("#", 1)[0]

    @cached_property
    def site(self) -> str:
        return site_of(self.doc.url)

    @cached_property
    def _site_names(self) -> SiteNames:
        return SiteNames(self.doc)

    @cached_property
    def _headline(self) -> Headline | None:
        return headline(self.doc, self._site_names)

    @cached_property
    def _title(self) -> Found[str | None]:
        text = self._profile_text(self._art.title)
        if text:
            return Found(text, "profile")
        return self._generic(self._headline.text if self._headline else None)

    @cached_property
    def title(self) -> str:
        return self._title.value or ""

    @cached_property
    def _rendered(self) -> RenderedBody:
        if self._root is None:
            return RenderedBody(text="", html="", markdown="")
        skip: set[object] = set()
        for css in self._art.remove if self._profile_root is not None else ():
            skip.update(self.doc.css_in(self._root, css))
        if self._profile_root is None and self._generic_body is not None:
            skip.update(self._generic_body.skip)
            return render_body(self._root, skip, self.doc.absolute, self._generic_body.dropped)
        # A profile's block may be a CMS's whole post area (WordPress's .entry-content on any
        # host): the parts its markup marks as boilerplate go as in the generic layer.
        marked = marked_in(self._root, skip, self.doc.base_url)
        return render_body(self._root, marked, self.doc.absolute)

    @cached_property
    def body(self) -> str:
        return self._rendered.text

    @cached_property
    def body_html(self) -> str:
        return self._rendered.html

    @cached_property
    def body_markdown(self) -> str:
        return self._rendered.markdown

    @cached_property
    def _toc(self) -> Found[tuple[TocEntry, ...]]:
        entries = toc_entries(self.doc.css_first(self._art.toc), self.doc.limits.max_toc_entries)
        if entries:
            return Found(entries, "profile")
        guessed = self.doc.css_first_in(self._root, GENERIC_TOC)
        entries = toc_entries(guessed, self.doc.limits.max_toc_entries)
        return Found(entries, "generic" if entries else None)

    @cached_property
    def toc(self) -> tuple[TocEntry, ...]:
        return self._toc.value

    @cached_property
    def _related(self) -> Found[tuple[RelatedLink, ...]]:
        art = self._art
        for css in art.related_items:
            items = [n for n in self.doc.css(css) if isinstance(n, etree._Element)]
            if items:
                found = self._related_links(items, art.related_link, art.related_snippet)
                return Found(found, "profile" if found else None)
        found = self._related_links(generic.related_items(self.doc), ("a[href]",), ())
        return Found(found, "generic" if found else None)

    def _related_links(
        self, items: list[etree._Element], link_css: tuple[str, ...], snippet_css: tuple[str, ...]
    ) -> tuple[RelatedLink, ...]:
        own = SelfLinks(self.url, self.canonical_url)
        links: dict[str, RelatedLink] = {}
        for item in items[: self.doc.limits.max_links]:
            anchor = item if item.tag == "a" else first(item, link_css)
            href = anchor.get("href") if isinstance(anchor, etree._Element) else None
            url = self.doc.absolute(href)
            # Recommendation widgets tag each link with where it was shown (CSDN's utm_medium).
            url = strip_tracking(url) if url else None
            title = decode_leaked_entities(text_of(anchor))
            if not url or not title or url in links or own.holds(url):
                continue
            snippet = decode_leaked_entities(text_of(first(item, snippet_css))).strip() or None
            links[url] = RelatedLink(title=title, url=url, snippet=snippet)
        return tuple(links.values())

    @cached_property
    def related(self) -> tuple[RelatedLink, ...]:
        return self._related.value

    @cached_property
    def _breadcrumb(self) -> Found[tuple[str, ...]]:
        node = self.doc.css_first(self._art.breadcrumb)
        if node is not None and (crumbs := breadcrumb_parts(node)):
            return Found(crumbs, "profile")
        node = generic.breadcrumb_node(self.doc)
        if node is not None and (crumbs := breadcrumb_parts(node)):
            return Found(crumbs, "generic")
        crumbs = generic.breadcrumb_from_ld(self.doc)
        return Found(crumbs, "metadata" if crumbs else None)

    @cached_property
    def breadcrumb(self) -> tuple[str, ...]:
        return self._breadcrumb.value

    @cached_property
    def _published(self) -> Found[str | None]:
        tz = self.profile.timezone if self.profile else None
        meta = published.published(self.doc, lambda: self._byline_anchor, tz)
        if meta.source == "metadata":
            return meta
        found = parse_date(self._profile_text(self._art.published), self.doc.fetched_at, tz)
        if found:
            return Found(found, "profile")
        return meta

    @cached_property
    def _byline_anchor(self) -> etree._Element | None:
        """What the byline stands beside: the headline's <h1>, else the body."""
        if self._headline is not None and self._headline.node is not None:
            return self._headline.node
        return self._root

    @cached_property
    def published(self) -> str | None:
        return self._published.value

    @cached_property
    def _author(self) -> Found[str | None]:
        text = authors.clean_author(
            strip_label(self._profile_text(self._art.author), AUTHOR_LABELS), self._site_names
        )
        return (
            Found(text, "profile")
            if text
            else self._generic(authors.author(self.doc, self._site_names))
        )

    @cached_property
    def author(self) -> str | None:
        return self._author.value

    @cached_property
    def _language(self) -> Found[str | None]:
        declared = normalise_tag(self.doc.html_lang)
        if declared:
            return Found(declared, "metadata")
        detected = detect_language(self.body)
        return Found(detected, "generic" if detected else None)

    @cached_property
    def language(self) -> str | None:
        return self._language.value

    @cached_property
    def description(self) -> str | None:
        return self.doc.meta.get("description") or self.doc.meta.get("og:description") or None

    @cached_property
    def _tags(self) -> Found[tuple[str, ...]]:
        for css in self._art.tags:
            found = tuple(dict.fromkeys(t for t in (text_of(n) for n in self.doc.css(css)) if t))
            if found:
                return Found(found, "profile")
        tags = generic.tags_meta(self.doc)
        return Found(tags, "metadata" if tags else None)

    @cached_property
    def tags(self) -> tuple[str, ...]:
        return self._tags.value

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.body)

    @cached_property
    def fetched_at(self) -> str:
        return self.doc.fetched_at.isoformat().replace("+00:00", "Z")

    @cached_property
    def field_sources(self) -> FieldSources:
        body: Source | None = (
            ("profile" if self._profile_root is not None else "generic") if self.body else None
        )
        return FieldSources(
            canonical_url=self._canonical_url.source,
            title=self._title.source,
            body=body,
            toc=self._toc.source,
            related=self._related.source,
            breadcrumb=self._breadcrumb.source,
            published=self._published.source,
            author=self._author.source,
            language=self._language.source,
            description="metadata" if self.description else None,
            tags=self._tags.source,
        )

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


def toc_entries(
    container: etree._Element | str | None, limit: int = DEFAULT_LIMITS.max_toc_entries
) -> tuple[TocEntry, ...]:
    """The in-page links of a TOC block (the first `limit`); `level` is the list nesting depth."""
    if not isinstance(container, etree._Element):
        return ()
    outer = _list_depth(container)
    entries: list[TocEntry] = []
    for link in select(container, 'a[href^="#"]'):
        if len(entries) >= limit:
            break
        text = text_of(link)
        if text and isinstance(link, etree._Element):
            depth = _list_depth(link) - outer
            anchor = unquote(link.get("href", "")[1:]) or None
            entries.append(TocEntry(level=max(depth, 1), text=text, anchor=anchor))
    return tuple(entries)


def _list_depth(el: etree._Element) -> int:
    return sum(1 for _ in el.iterancestors("ul", "ol"))


def has_text(el: etree._Element) -> bool:
    """Whether the element holds any visible text (stops at the first non-blank text node)."""
    # Like `boolean(.//text()[normalize-space()])`: XML whitespace only, the element's own
    # tail excluded, stopping at the first hit instead of collecting every text node.
    return any(t.strip(" \t\r\n") for t in el.itertext())
