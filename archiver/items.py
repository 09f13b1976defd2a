"""The archive record. The JSON Schema in `article.schema.json` is generated from these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal


def utc_iso(moment: datetime | None = None) -> str:
    """A moment (default: now) as records, manifests and run summaries write it: UTC, whole
    seconds, `Z` (`2024-09-30T08:00:00Z`)."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


Source = Literal["profile", "metadata", "generic"]
"""An extraction layer: the site profile's selectors, the page's metadata (JSON-LD,
OpenGraph, meta tags, `<html lang>`) or the generic markup heuristics."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TocEntry:
    """One line of the article's table of contents (文章目录)."""

    level: int
    """Nesting depth in the table of contents, 1 for top-level entries."""
    text: str
    """The entry's text, whitespace collapsed."""
    anchor: str | None
    """The id of the heading it links to (without `#`), or null when it links nowhere."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedLink:
    """One entry of the page's related-articles block (相关文章), excluding the page itself."""

    title: str
    """Link text, leaked entities decoded."""
    url: str
    """Absolute URL of the related article."""
    snippet: str | None
    """Teaser text as shown (truncation `…` kept), leaked entities decoded, no trailing space."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSources:
    """Which extraction layer filled each extracted field; null where no layer found a value."""

    canonical_url: Source | None
    """`metadata` (canonical link, og:url), or null when it is just `url`."""
    title: Source | None
    """Layer that gave the title."""
    body: Source | None
    """Layer that found the body element; `body_html`, `body_markdown` and `content_hash`
    follow it."""
    toc: Source | None
    """Layer that found the table of contents."""
    related: Source | None
    """Layer that found the related-article entries."""
    breadcrumb: Source | None
    """Layer that gave the breadcrumb (markup, or a JSON-LD BreadcrumbList as `metadata`)."""
    published: Source | None
    """Layer that gave the publication date."""
    author: Source | None
    """Layer that gave the author."""
    language: Source | None
    """`metadata` when declared (`<html lang>`, content-language), `generic` when detected."""
    description: Source | None
    """`metadata` (meta / OpenGraph description)."""
    tags: Source | None
    """Layer that gave the tags (`metadata` for article:tag / keywords)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One parsed article page."""

    url: str
    """The URL the page was fetched from (or given for a saved page)."""
    canonical_url: str
    """The page's canonical URL (`<link rel=canonical>`, og:url), else `url`; fragment removed."""
    site: str
    """Host (and non-default port) of `url`, lower case."""
    title: str
    """Article title."""
    body: str
    """Plain text: paragraphs separated by a blank line, no indentation, code blocks verbatim."""
    body_html: str
    """The article body only, cleaned: no scripts, styles, TOC or attributes beyond links."""
    body_markdown: str
    """The article body as GitHub-flavoured Markdown: `#` headings, `-` / `1.` lists, fenced
    code blocks with their language, pipe tables, links, images and `>` blockquotes."""
    toc: tuple[TocEntry, ...]
    """Table of contents entries in page order."""
    related: tuple[RelatedLink, ...]
    """Related-article links in page order, the page itself excluded."""
    breadcrumb: tuple[str, ...]
    """Breadcrumb trail, e.g. ["首页", "news", "正文"]."""
    published: str | None
    """Publication date, ISO 8601 (date or datetime, with offset when known)."""
    author: str | None
    """Author name as the page gives it, label (作者：) removed."""
    language: str | None
    """Language tag (BCP 47), from the page's declaration or detected from the body's script."""
    description: str | None
    """The page's meta / OpenGraph description."""
    tags: tuple[str, ...]
    """Tags / keywords the page assigns to the article."""
    content_hash: str
    """sha256 hex of the normalised body (NFKC, case-folded, whitespace collapsed)."""
    fetched_at: str
    """When the page was fetched, ISO 8601 UTC."""
    extractor: str
    """Which extractor produced the record: a site profile's name, or `generic`."""
    field_sources: FieldSources
    """For each extracted field, the layer that filled it: `profile`, `metadata` or `generic`."""
    previous_version: str | None
    """content_hash of the earlier archived version of this article (same canonical URL,
    different body) when this record is a new version of it; else null. Set by the pipeline."""
    duplicate_of: str | None
    """canonical_url of an archived article this one nearly duplicates (mirror, light edit), when
    the near-duplicate policy keeps and marks such records; else null. Set by the pipeline."""
