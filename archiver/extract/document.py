"""One parsed document per page: decoded text, selector, base URL, meta tags, JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from parsel import Selector
from w3lib.encoding import html_to_unicode

from archiver.extract.dates import parse_fetched_at
from archiver.extract.text import clean, squash
from archiver.extract.urls import resolve

_NUL = re.compile(r"\x00")


def decode_html(body: bytes | str, content_type: str | None = None) -> tuple[str, str]:
    """(encoding, text) for raw page bytes: BOM, then HTTP header, then <meta>, then sniffing.

    This is the order browsers (and Scrapy's TextResponse) use.
    """
    if isinstance(body, str):
        return "utf-8", body
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_sniff_encoding)
    return encoding, text


def _sniff_encoding(body: bytes) -> str | None:
    # Undeclared pages: valid UTF-8 first, else GB18030 (a superset of GBK/GB2312), which is
    # what an undeclared page from a Chinese CMS almost always is.
    for candidate in ("utf-8", "gb18030"):
        try:
            body.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return None


@dataclass(frozen=True)
class Document:
    """Everything derived once from one page; extraction reads from here, never re-parses."""

    url: str
    encoding: str
    text: str
    selector: Selector
    fetched_at: datetime

    @classmethod
    def parse(
        cls, html: bytes | str, url: str, fetched_at: str, content_type: str | None = None
    ) -> Document:
        encoding, text = decode_html(html, content_type)
        # lxml stops at a NUL byte; no article text ever needs one.
        text = _NUL.sub("", text)
        return cls(
            url=url,
            encoding=encoding,
            text=text,
            selector=Selector(text=text, type="html", base_url=url),
            fetched_at=parse_fetched_at(fetched_at),
        )

    @cached_property
    def base_url(self) -> str:
        """The page URL, or its `<base href>` when that resolves to a web URL."""
        return resolve(self.url, self.selector.css("base::attr(href)").get()) or self.url

    def absolute(self, href: str | None) -> str | None:
        return resolve(self.base_url, href)

    @cached_property
    def meta(self) -> dict[str, str]:
        """`<meta name|property|itemprop=… content=…>`, keys lower-cased, first one wins."""
        found: dict[str, str] = {}
        for node in self.selector.xpath("//meta[@content]"):
            key = node.attrib.get("name") or node.attrib.get("property") or node.attrib.get("itemprop")
            if key:
                found.setdefault(key.strip().lower(), squash(node.attrib["content"]))
        return found

    @cached_property
    def json_ld(self) -> tuple[dict[str, Any], ...]:
        """Every JSON-LD object on the page, `@graph` members flattened."""
        objects: list[dict[str, Any]] = []
        for raw in self.selector.xpath('//script[@type="application/ld+json"]/text()').getall():
            try:
                data = json.loads(clean(raw))
            except ValueError:
                continue
            objects.extend(_flatten_ld(data))
        return tuple(objects)

    @cached_property
    def html_lang(self) -> str | None:
        lang = self.selector.xpath("/html/@lang").get() or self.meta.get("content-language")
        return squash(lang) or None if lang else None

    def ld_of_type(self, *types: str) -> Iterator[dict[str, Any]]:
        for obj in self.json_ld:
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(k in types for k in kinds if isinstance(k, str)):
                yield obj


def _flatten_ld(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten_ld(item)]
    if not isinstance(data, dict):
        return []
    graph = data.get("@graph")
    return _flatten_ld(graph) if isinstance(graph, list) else [data]
