"""Discovery documents beyond listing pages: sitemaps, sitemap indexes, RSS/Atom, robots.txt.

XML is parsed with entity expansion and network access off, so a "billion laughs" sitemap
or an external entity costs nothing.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from archiver.extract.urls import resolve

# A sitemap may be at most 50 MB uncompressed (sitemaps.org); more is a bomb.
MAX_XML_BYTES = 50 * 1024 * 1024


class FeedError(ValueError):
    """A discovery document that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL a sitemap or feed offers, with its last-modified time when given."""

    url: str
    modified: datetime | None


@dataclass(frozen=True, slots=True)
class Discovery:
    entries: tuple[Entry, ...]
    """Article (or page) URLs."""
    sitemaps: tuple[str, ...]
    """Further sitemaps (from a sitemap index or robots.txt)."""


def gunzip_capped(data: bytes, cap: int = MAX_XML_BYTES) -> bytes:
    """Decompress a gzip body, refusing to expand past `cap` bytes."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(cap + 1)
    except (OSError, EOFError) as exc:
        raise FeedError(f"bad gzip: {exc}") from exc
    if len(out) > cap:
        raise FeedError(f"gzip expands past {cap} bytes")
    return out


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False, load_dtd=False
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_date_loose(text: str | None) -> datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS) to an aware datetime."""
    if not text:
        return None
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: FURB162 - as written
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_discovery(data: bytes, url: str) -> Discovery:
    """Entries and nested sitemaps of a sitemap, sitemap index, RSS or Atom document."""
    data = gunzip_capped(data)
    if len(data) > MAX_XML_BYTES:
        raise FeedError(f"larger than {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not XML: {exc}") from exc
    if root is None:
        raise FeedError("empty document")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return Discovery((), tuple(u for u in (_loc(el, url) for el in root) if u))
    if kind == "urlset":
        return Discovery(tuple(e for e in (_sitemap_entry(el, url) for el in root) if e), ())
    if kind in ("rss", "rdf", "feed"):
        items = [el for el in root.iter() if _local(el.tag) in ("item", "entry")]
        return Discovery(tuple(e for e in (_feed_entry(el, url) for el in items) if e), ())
    raise FeedError(f"not a sitemap or feed (root element <{kind}>)")


def _child_text(el: etree._Element, name: str) -> str | None:
    for child in el:
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None


def _loc(el: etree._Element, base: str) -> str | None:
    return resolve(base, _child_text(el, "loc"))


def _sitemap_entry(el: etree._Element, base: str) -> Entry | None:
    url = _loc(el, base)
    return Entry(url, parse_date_loose(_child_text(el, "lastmod"))) if url else None


def _feed_entry(el: etree._Element, base: str) -> Entry | None:
    href = _child_text(el, "link")
    if not href:
        for child in el:
            if (
                _local(child.tag) == "link"
                and child.get("rel", "alternate") == "alternate"
                and child.get("href")
            ):
                href = child.get("href")
                break
    url = resolve(base, href)
    when = next(
        (
            _child_text(el, n)
            for n in ("updated", "pubdate", "published", "date", "modified")
            if _child_text(el, n)
        ),
        None,
    )
    return Entry(url, parse_date_loose(when)) if url else None


_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def robots_sitemaps(text: str, url: str) -> tuple[str, ...]:
    """`Sitemap:` lines of a robots.txt, as absolute URLs."""
    return tuple(u for u in (resolve(url, m) for m in _SITEMAP_LINE.findall(text)) if u)
