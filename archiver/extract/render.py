"""Render an article body element to plain text, cleaned HTML and Markdown in one walk.

The tree is never modified: parts to drop are passed in as a set of elements to skip.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection
from dataclasses import dataclass

from lxml import etree

from archiver.extract.markdown import MarkdownWriter
from archiver.extract.text import clean, squash

BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section "
    "summary table tbody thead tfoot tr ul caption center".split()
)
# Tags kept in body_html; everything else is unwrapped (its children kept).
KEPT_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 ul ol li pre code blockquote table thead tbody tfoot tr th td caption "
    "a strong em b i u s sub sup br hr img figure figcaption dl dt dd kbd samp var mark".split()
)
KEPT_ATTRS = {
    "a": ("href", "id", "name"),
    "img": ("src", "alt"),
    "code": ("class",),
    "pre": ("class",),
    "th": ("colspan", "rowspan"),
    "td": ("colspan", "rowspan"),
    "ol": ("start",),
}
URL_ATTRS = frozenset({"href", "src"})
DROPPED_TAGS = frozenset(
    (
        "script style noscript template iframe object embed svg canvas form input button "
        "select textarea"
    ).split()
)
VOID_TAGS = frozenset({"br", "hr", "img"})


@dataclass(frozen=True, slots=True)
class RenderedBody:
    text: str
    html: str
    markdown: str


class _Renderer:
    def __init__(
        self,
        skip: Collection[object],
        resolve: Callable[[str], str | None],
        dropped: frozenset[str],
    ) -> None:
        self.skip = skip
        self.resolve = resolve
        self.dropped = dropped
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.out: list[str] = []
        self.md = MarkdownWriter(resolve)
        self.pre_depth = 0
        # Whether the current block already holds visible inline text (for body_html spacing).
        self.has_text = False

    # -- text -----------------------------------------------------------------
    def flush(self) -> None:
        self.has_text = False
        if not self.inline:
            return
        lines = [squash(part) for part in "".join(self.inline).split("\n")]
        self.inline = []
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append(text)

    def add_text(self, text: str | None) -> None:
        if not text:
            return
        if self.pre_depth:
            self.inline.append(clean(text))
            self.out.append(html.escape(clean(text), quote=False))
            self.md.text(clean(text))
        elif text.isspace():
            # Indentation between tags, the commonest text of all: one space, as squashing
            # would make of it in every output (leading space dropped in body_html).
            self.inline.append(" ")
            self.md.text(" ")
            if self.has_text:
                self.out.append(" ")
        else:
            # Newlines in source HTML are layout, not content; <br> is the only line break.
            flat = text.replace("\n", " ").replace("\r", " ")
            self.inline.append(flat)
            self.md.text(flat)
            piece = squash_keep_edges(flat)
            if not self.has_text:
                piece = piece.lstrip()
            self.has_text = self.has_text or bool(piece)
            if piece:
                self.out.append(html.escape(piece, quote=False))

    # -- tree -----------------------------------------------------------------
    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if el in self.skip or tag in self.dropped or not tag:
            return
        tag = tag.lower()
        kept = tag in KEPT_TAGS
        self.md.open(el, tag, tag in BLOCK_TAGS)
        if tag == "pre":
            self.flush()
            self.pre_depth += 1
        elif tag in BLOCK_TAGS:
            self.flush()
        if kept:
            self.out.append(self.open_tag(el, tag))
        if tag == "br":
            self.inline.append("\n")
        else:
            self.add_text(el.text)
            for child in el:
                self.walk(child)
                self.add_text(child.tail)
        if kept and tag not in VOID_TAGS:
            if tag in BLOCK_TAGS and self.out and self.out[-1].endswith(" "):
                self.out[-1] = self.out[-1].rstrip()
            self.out.append(f"</{tag}>")
        self.md.close(el, tag, tag in BLOCK_TAGS)
        if tag == "pre":
            self.pre_depth -= 1
            self.flush_pre()
        elif tag in BLOCK_TAGS:
            self.flush()
        elif tag in {"td", "th"}:
            self.inline.append("\t")

    def flush_pre(self) -> None:
        code = "".join(self.inline)
        self.inline = []
        # HTML drops one newline right after <pre>; trailing blank lines are layout too.
        code = code.removeprefix("\n").rstrip("\n")
        if code.strip():
            self.blocks.append(code)

    def open_tag(self, el: etree._Element, tag: str) -> str:
        parts = [tag]
        for name in KEPT_ATTRS.get(tag, ()):
            value = el.get(name)
            if value is None:
                continue
            if name in URL_ATTRS:
                value = self.resolve(value)
                if value is None:
                    continue
            parts.append(f'{name}="{html.escape(clean(value), quote=True)}"')
        return "<" + " ".join(parts) + ">"


def squash_keep_edges(text: str) -> str:
    """Collapse whitespace runs to one space but keep a boundary space (inline markup)."""
    if not text:
        return text
    inner = squash(text)
    if not inner:
        return " "
    lead = " " if text[:1].isspace() or text[:1] in "\u2002\u2003\u3000\u00a0" else ""
    trail = " " if text[-1:].isspace() or text[-1:] in "\u2002\u2003\u3000\u00a0" else ""
    return lead + inner + trail


def render_body(
    root: etree._Element,
    skip: Collection[object],
    resolve: Callable[[str], str | None],
    dropped: frozenset[str] = DROPPED_TAGS,
) -> RenderedBody:
    """Plain text (paragraphs split by a blank line, `<pre>` verbatim), cleaned HTML, Markdown.
    `dropped`: tags whose insides are never rendered (scripts; <noscript> unless it holds the
    body)."""
    renderer = _Renderer(skip, resolve, dropped)
    renderer.add_text(root.text)
    for child in root:
        renderer.walk(child)
        renderer.add_text(child.tail)
    renderer.flush()
    return RenderedBody(
        text="\n\n".join(renderer.blocks),
        html="".join(renderer.out).strip(),
        markdown=renderer.md.result(),
    )
