"""The extraction's entry point: bytes and a URL in, a `ParseResult` out (the record as an
`Article` and its archive line, or why there is none). The page object that answers each
field is `ArticlePage` (archiver.extract.pages)."""

from __future__ import annotations

from dataclasses import dataclass

from archiver.extract.document import Document
from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.pages import ArticlePage
from archiver.extract.profiles import Profile, builtin_profiles, find_profile
from archiver.items import Article
from archiver.serialize import json_line


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The record, or why there is none (`not_article`), plus which layer answered."""

    article: Article | None
    reason: str | None
    extractor: str
    profile_missed: bool
    """A profile matched the page but its selectors no longer fit it (see ArticlePage)."""
    profile: str | None = None
    """The profile that matched the page, also when it missed."""
    line: bytes | None = None
    """The record as its archive line (serialised once to check its size; the CLI writes it)."""
    detail: str | None = None
    """Why a page is `not_article`: `listing`, `no_body`, `profile_reject` (ArticlePage)."""

    @property
    def message(self) -> str:
        """The reason as logged and printed: `not_article (listing)`."""
        return f"{self.reason} ({self.detail})" if self.detail else str(self.reason)


def parse_page(
    html: bytes | str,
    url: str,
    *,
    fetched_at: str,
    content_type: str | None = None,
    profiles: tuple[Profile, ...] | None = None,
    limits: PageLimits = DEFAULT_LIMITS,
) -> ParseResult:
    try:
        doc = Document.parse(html, url, fetched_at, content_type, limits)
    except PageRefused as refused:
        return ParseResult(None, refused.reason, "", False)
    return parse_document(doc, profiles)


def parse_document(doc: Document, profiles: tuple[Profile, ...] | None = None) -> ParseResult:
    """The record for an already parsed document (the CLI fixes up the URL first)."""
    profile = find_profile(builtin_profiles() if profiles is None else profiles, doc.url, doc)
    page = ArticlePage(doc, profile)
    name = profile.name if profile else None
    if not page.is_article:
        return ParseResult(
            None,
            "not_article",
            page.extractor,
            page.profile_missed,
            name,
            detail=page.not_article_reason,
        )
    article = page.to_article()
    line = json_line(article)
    if len(line) > doc.limits.max_record_bytes:
        return ParseResult(None, "record_too_large", page.extractor, page.profile_missed, name)
    return ParseResult(article, None, page.extractor, page.profile_missed, name, line)
