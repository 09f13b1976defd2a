"""The generic layer: fields of pages no profile matches, from markup conventions and metadata."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from parsel import Selector

from archiver.extract.document import Document
from archiver.extract.text import squash

# Parts of a page that are never the article body.
BOILERPLATE = (
    "script, style, noscript, nav, header, footer, aside, form, iframe, "
    "[class*=comment], [id*=comment], [class*=share], [class*=related], [class*=recommend], "
    "[class*=sidebar], [class*=breadcrumb], [class*=advert], [class*=toc], [id*=toc]"
)
BODY_HINTS = (
    "[itemprop=articleBody]", "#content_views", "#cnblogs_post_body", ".entry-content",
    ".post-content", ".article-content", ".article-body", ".post-body", "article", "main",
)
BREADCRUMB_HINTS = (
    "nav[aria-label*=readcrumb]", ".breadcrumb", ".breadcrumbs", "#breadcrumb", ".crumbs",
    ".position", ".location",
)
RELATED_HEADINGS = re.compile(
    r"^(相关文章|相关推荐|相关阅读|推荐阅读|猜你喜欢|related posts|related articles|"
    r"related stories|you may also like|read more|more stories)\s*[:：]?$",
    re.IGNORECASE,
)
DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
)
MIN_BODY_CHARS = 200


def title(doc: Document) -> str | None:
    for value in (
        doc.meta.get("og:title"),
        next((o.get("headline") for o in doc.ld_of_type(*ARTICLE_TYPES) if o.get("headline")), None),
        squash(" ".join(doc.selector.css("h1 ::text").getall())),
        _strip_site_suffix(squash(" ".join(doc.selector.css("title ::text").getall()))),
    ):
        if isinstance(value, str) and squash(value):
            return squash(value)
    return None


ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "TechArticle", "Report", "ScholarlyArticle")


def _strip_site_suffix(text: str) -> str:
    # "基于人类反馈的强化学习概述 - 编程新知" / "Title | Site": the longest part is the title.
    parts = [p.strip() for p in re.split(r"\s+[-|–—_]\s+|_", text) if p.strip()]
    return max(parts, key=len) if parts else text


def body_root(doc: Document) -> Selector | None:
    """The element holding the article body: a known container, else the densest block."""
    for css in BODY_HINTS:
        for node in doc.selector.css(css):
            if _paragraph_chars(node) >= MIN_BODY_CHARS:
                return node
    best, best_score = None, 0
    for node in doc.selector.css("div, section, td"):
        score = _paragraph_chars(node)
        if score > best_score:
            best, best_score = node, score
    return best if best_score >= MIN_BODY_CHARS else None


def _paragraph_chars(node: Selector) -> int:
    """Text length of the node's own paragraphs, minus link text (navigation lists score 0)."""
    total = 0
    for p in node.xpath("./p | ./div[not(*)] | ./pre | ./blockquote"):
        text = len(squash(" ".join(p.xpath(".//text()").getall())))
        linked = len(squash(" ".join(p.xpath(".//a//text()").getall())))
        total += max(text - 2 * linked, 0)
    return total


def boilerplate_inside(root: Selector) -> list[etree._Element]:
    return [node.root for node in root.css(BOILERPLATE) if node.root is not root.root]


def breadcrumb_node(doc: Document) -> Selector | None:
    for css in BREADCRUMB_HINTS:
        node = doc.selector.css(css)
        if node:
            return node[0]
    return None


def breadcrumb_from_ld(doc: Document) -> tuple[str, ...]:
    for obj in doc.ld_of_type("BreadcrumbList"):
        items = obj.get("itemListElement")
        if isinstance(items, list):
            names = [_ld_name(item) for item in items]
            return tuple(n for n in names if n)
    return ()


def _ld_name(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    if not name and isinstance(item.get("item"), dict):
        name = item["item"].get("name")
    return squash(name) if isinstance(name, str) else None


def related_items(doc: Document) -> list[Selector]:
    """List items (or links) under a heading such as 相关文章 / Related posts."""
    for heading in doc.selector.xpath("//h2 | //h3 | //h4 | //strong | //span | //div[not(*)] | //p[not(*)]"):
        if not RELATED_HEADINGS.match(squash(" ".join(heading.xpath(".//text()").getall()))):
            continue
        scope = heading
        for _ in range(3):
            items = scope.xpath("following-sibling::*//li[.//a[@href]] | following-sibling::li[.//a[@href]]")
            if items:
                return list(items)
            links = scope.xpath("following-sibling::*//a[@href] | following-sibling::a[@href]")
            if links:
                return list(links)
            parent = scope.xpath("..")
            if not parent:
                break
            scope = parent[0]
    return []


def published_meta(doc: Document) -> str | None:
    for key in DATE_META:
        if doc.meta.get(key):
            return doc.meta[key]
    for obj in doc.ld_of_type(*ARTICLE_TYPES):
        value = obj.get("datePublished") or obj.get("dateCreated")
        if isinstance(value, str):
            return value
    node = doc.selector.css("time[datetime]::attr(datetime), [itemprop=datePublished]::attr(content)")
    return node.get()


def author_meta(doc: Document) -> str | None:
    for obj in doc.ld_of_type(*ARTICLE_TYPES):
        author = obj.get("author")
        author = author[0] if isinstance(author, list) and author else author
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and squash(name):
            return squash(name)
    for value in (
        doc.meta.get("author"),
        doc.meta.get("article:author"),
        squash(" ".join(doc.selector.css("[rel=author] ::text, [itemprop=author] ::text").getall())),
    ):
        if value and not value.startswith("http"):
            return value
    return None


def tags_meta(doc: Document) -> tuple[str, ...]:
    tags = [squash(t) for t in doc.selector.css('meta[property="article:tag"]::attr(content)').getall()]
    if not tags and doc.meta.get("keywords"):
        tags = [squash(t) for t in re.split(r"[,，;；]", doc.meta["keywords"])]
    return tuple(dict.fromkeys(t for t in tags if t))
