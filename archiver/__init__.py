"""archiver: crawl article sites, parse articles into records, deduplicate, archive as JSONL."""

from __future__ import annotations

from archiver.extract import Listing, parse_article, parse_listing
from archiver.items import Article, RelatedLink, TocEntry

__all__ = ["Article", "Listing", "RelatedLink", "TocEntry", "parse_article", "parse_listing"]
