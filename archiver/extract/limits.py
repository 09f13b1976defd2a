"""Caps on what one page may cost, and the reasons a page is refused before extraction.

Extraction is pure: the caps are plain values; the spider fills them from settings
(`ARCHIVER_MAX_*`), the CLI and the library use the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class PageLimits:
    """What one page may cost. Every default keeps a page under ~10 s and ~2 GiB here."""

    max_page_bytes: int = 16 * MIB
    """A larger body is refused (`too_large`) before it is decoded: extracting costs ~0.35 s
    per MB of text here, and a 16 MB article would not fit a record anyway."""
    max_tags: int = 400_000
    """A body with more `<` than this is refused (`too_many_tags`) before it is parsed: ten
    million `<p>` take 7 s and 1.3 GB in lxml alone, and a 10M-node XPath result fails.
    Looser than max_elements because inline scripts hold `<` too."""
    max_elements: int = 40_000
    """A tree with more elements is refused (`too_many_elements`): extraction costs ~0.12 ms
    per element in Python (generic body search, related-block search, rendering), so this
    bounds a page to ~5 s; article pages have 1k-10k."""
    max_depth: int = 512
    """A tree nested deeper is refused (`too_deep`): recursive walks would hit Python's
    recursion limit, and libxml2 silently drops everything after depth 2048."""
    max_attributes: int = 256
    """A body with a tag of more attributes is refused (`too_many_attributes`) before it is
    parsed: libxml2 compares each attribute with every earlier one of its tag, so 100,000
    took 13 s (archiver/extract/attrscan.py); real pages stay under ~70, and 256 per tag
    all through a 16 MiB page costs 0.2 s."""
    max_links: int = 10_000
    """Distinct link targets resolved per page (body links, related, listing URLs); links to
    later targets keep their text but lose their URL."""
    max_toc_entries: int = 2_000
    """Table-of-contents entries kept; the rest are dropped."""
    max_record_bytes: int = 16 * MIB
    """A record whose JSON would be larger is refused (`record_too_large`): body, body_html and
    markdown each copy the text, and no article needs a 16 MiB line."""

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 1:
                raise ValueError(f"{f.name} must be at least 1, got {getattr(self, f.name)}")


DEFAULT_LIMITS = PageLimits()


class PageRefused(Exception):
    """A page extraction will not look at; `reason` is the counted, logged reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
