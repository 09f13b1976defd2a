"""The Markdown side of the body walk in `render.py`: it receives open/text/close events.

Output is GitHub-flavoured Markdown: `#` headings, `-` / `1.` lists (nested by indentation),
fenced code blocks with the language from `class="language-x"`, pipe tables, links, images,
`>` blockquotes. Text is escaped so that it never turns into markup by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from archiver.extract.text import squash

HEADINGS = {f"h{n}": n for n in range(1, 7)}
TABLE_PARTS = frozenset({"table", "tr", "td", "th", "caption"})
EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "del": "~~", "strike": "~~"}
# class="language-java" (Prism, highlight.js, CSDN's "prism language-java"), "lang-x",
# and WordPress SyntaxHighlighter's "brush: php;".
_LANGUAGE = re.compile(r"(?:^|\s)(?:language-|lang-|brush:\s*)([\w+#.-]+)", re.IGNORECASE)
_INLINE_SPECIAL = re.compile(r"([\\`*<])")
# `[x]` is plain text unless a `(`, `[` or `:` follows it (a link or reference); a piece may
# end where the next piece starts with one, so a `]` at the end is escaped too.
_LINK_BRACKET = re.compile(r"\](?=[(\[:]|$)")
# `_` only starts emphasis at a word edge; snake_case stays readable.
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# Line starts that would read as a heading, quote, list item or setext underline.
_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+](?=\s)|(?=[-=]+$))")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


# Most text holds none of these; one search is cheaper than three substitutions.
_ANY_SPECIAL = re.compile(r"[\\`*<\]_]")
# What a line must start with for escape_line_start to change it.
_LINE_START_CHARS = frozenset("#>-+=0123456789")


def escape(text: str) -> str:
    if not _ANY_SPECIAL.search(text):
        return text
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _LINK_BRACKET.sub(r"\\]", _EDGE_UNDERSCORE.sub(r"\\_", text))


def escape_line_start(line: str) -> str:
    if line[:1] not in _LINE_START_CHARS:
        return line
    line = _ORDERED_START.sub(r"\1\\\2", line)
    return _LINE_START.sub(r"\\\1", line)


def code_language(el: etree._Element) -> str:
    """The language named by a `<pre>`'s class or its first `<code>`'s class, else ""."""
    code = el.find(".//code")
    for node in (el, code) if code is not None else (el,):
        found = _LANGUAGE.search(node.get("class") or "")
        if found:
            return found.group(1).lower()
    return ""


def fenced(code: str, language: str) -> str:
    # A fence must be longer than any backtick run inside the code.
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"


def inline_code(content: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def link_target(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


@dataclass(slots=True)
class _Block:
    text: str
    quote: int
    # The first block of a list item: joined to a list block before it without a blank line.
    item_start: bool
    # Serial numbers of the lists open when the block was written.
    lists: tuple[int, ...]


@dataclass(slots=True)
class _List:
    ordered: bool
    number: int
    serial: int


@dataclass(slots=True)
class _Item:
    marker: str
    indent: int
    started: bool = False


@dataclass(slots=True)
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    row: list[str] | None = None
    cell_mark: int | None = None


class MarkdownWriter:
    def __init__(self, resolve: Callable[[str], str | None]) -> None:
        self.resolve = resolve
        self.blocks: list[_Block] = []
        self.inline: list[str] = []
        self.marks: list[int] = []  # inline positions where open inline elements began
        self.lists: list[_List] = []
        self.list_serial = 0
        self.items: list[_Item] = []
        self.quote = 0
        self.pre: list[str] | None = None
        self.pre_depth = 0
        self.pre_language = ""
        self.code_depth = 0
        self.table: _Table | None = None
        self.table_depth = 0

    # -- events ---------------------------------------------------------------
    def open(self, el: etree._Element, tag: str, block: bool) -> None:
        if tag == "pre":
            self.pre_depth += 1
        if self.pre is not None:
            return
        if tag == "table" or (self.table_depth and tag in TABLE_PARTS):
            self._open_table_part(tag)
        elif tag == "pre":
            self.flush()
            self.pre, self.pre_language = [], code_language(el)
        elif tag in ("ul", "ol"):
            self.flush()
            start = el.get("start", "1")
            self.list_serial += 1
            self.lists.append(
                _List(tag == "ol", int(start) if start.isdigit() else 1, self.list_serial)
            )
        elif tag == "li":
            self.flush()
            self.items.append(self._new_item())
        elif tag == "blockquote":
            self.flush()
            self.quote += 1
        elif tag in EMPHASIS or tag == "a" or tag == "code":
            self.code_depth += tag == "code"
            self.marks.append(len(self.inline))
        elif tag == "br":
            self.inline.append("\n")
        elif tag == "img":
            self._image(el)
        elif block:
            self.flush()

    def text(self, piece: str) -> None:
        if self.pre is not None:
            self.pre.append(piece)
        elif piece:
            self.inline.append(piece if self.code_depth else escape(piece))

    def close(self, el: etree._Element, tag: str, block: bool) -> None:
        if tag == "pre":
            self.pre_depth -= 1
        if self.pre is not None:
            if tag == "pre" and self.pre_depth == 0:
                self._close_pre()
            return
        if tag == "table" or (self.table_depth and tag in TABLE_PARTS):
            self._close_table_part(tag)
        elif tag in HEADINGS:
            self.flush(prefix="#" * HEADINGS[tag] + " ", heading=True)
        elif tag in ("ul", "ol"):
            self.flush()
            self.lists.pop()
        elif tag == "li":
            self.flush()
            self.items.pop()
        elif tag == "blockquote":
            self.flush()
            self.quote -= 1
        elif tag in EMPHASIS:
            # Markup inside inline code is literal text.
            self._wrap(
                None if self.code_depth else lambda inner: f"{EMPHASIS[tag]}{inner}{EMPHASIS[tag]}"
            )
        elif tag == "code":
            self.code_depth -= 1
            self._wrap(inline_code)
        elif tag == "a":
            url = self.resolve(el.get("href") or "") if el.get("href") else None
            self._wrap(lambda inner: f"[{inner}]({link_target(url)})" if url else inner)
        elif tag == "hr":
            self.flush()
            if not self._in_cell():
                self._add_block("---")
        elif block:
            self.flush()

    def result(self) -> str:
        self.flush()
        out: list[str] = []
        previous: _Block | None = None
        for block in self.blocks:
            if previous is not None:
                # Items of one list (nested ones included) follow each other without a blank
                # line; a list right after another list is a new list.
                tight = (
                    block.item_start and bool(block.lists) and block.lists[:1] == previous.lists[:1]
                )
                out.append(
                    "\n"
                    if tight
                    else "\n" + ("> " * min(block.quote, previous.quote)).rstrip() + "\n"
                )
            prefix = "> " * block.quote
            out.append(
                "\n".join(
                    prefix + line if line else prefix.rstrip() for line in block.text.split("\n")
                )
            )
            previous = block
        return "".join(out).strip("\n")

    # -- blocks ---------------------------------------------------------------
    def _in_cell(self) -> bool:
        return self.table is not None and self.table.cell_mark is not None

    def flush(self, prefix: str = "", heading: bool = False) -> None:
        if self._in_cell():
            self.inline.append(" ")  # a paragraph inside a table cell stays in the cell
            return
        raw, self.inline, self.marks = "".join(self.inline), [], []
        lines = [squash(part) for part in raw.split("\n")]
        lines = [line if heading else escape_line_start(line) for line in lines if line]
        if not lines:
            return
        # A hard line break (<br>) is a backslash at the end of the line (CommonMark).
        text = " ".join(lines) if heading else "\\\n".join(lines)
        self._add_block(prefix + text)

    def _add_block(self, text: str) -> None:
        item = self.items[-1] if self.items else None
        item_start = item is not None and not item.started
        if item is None:
            indented = text
        else:
            lead = (
                " " * item.indent + item.marker
                if item_start
                else " " * (item.indent + len(item.marker))
            )
            rest = " " * (item.indent + len(item.marker))
            first_line, *others = text.split("\n")
            indented = "\n".join([lead + first_line, *(rest + o if o else o for o in others)])
            item.started = True
        self.blocks.append(
            _Block(indented, self.quote, item_start, tuple(x.serial for x in self.lists))
        )

    def _new_item(self) -> _Item:
        indent = self.items[-1].indent + len(self.items[-1].marker) if self.items else 0
        if not self.lists:  # a stray <li> outside any list
            return _Item("- ", indent)
        current = self.lists[-1]
        current.number += 1
        return _Item(f"{current.number - 1}. " if current.ordered else "- ", indent)

    def _close_pre(self) -> None:
        code = "".join(self.pre or []).removeprefix("\n").rstrip("\n")
        self.pre = None
        if not code.strip():
            return
        if self._in_cell():
            self.inline.append(inline_code(" ".join(code.split())))
            return
        self._add_block(fenced(code, self.pre_language))

    # -- inline ---------------------------------------------------------------
    def _wrap(self, make: Callable[[str], str] | None) -> None:
        if not self.marks:
            return
        mark = self.marks.pop()
        inner = "".join(self.inline[mark:])
        core = inner.strip()
        if make is None or not core or "\n" in core:
            return  # nothing to mark up, or it spans a line break: keep the plain text
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        self.inline[mark:] = [lead and " ", make(core), trail and " "]

    def _image(self, el: etree._Element) -> None:
        src = self.resolve(el.get("src") or "") if el.get("src") else None
        if src:
            alt = escape(squash(el.get("alt") or ""))
            self.inline.append(f"![{alt}]({link_target(src)})")

    # -- tables ---------------------------------------------------------------
    def open_table(self) -> None:
        self.table_depth += 1
        if self.table_depth == 1 and self.pre is None:
            self.flush()
            self.table = _Table()

    def close_table(self) -> None:
        self.table_depth -= 1
        if self.table_depth == 0 and self.table is not None and self.pre is None:
            table, self.table = self.table, None
            if table.rows:
                self._add_block(pipe_table(table.rows))

    def _open_table_part(self, tag: str) -> None:
        table = self.table
        if tag == "table":
            self.open_table()
        elif table is None or self.table_depth > 1:
            self.inline.append(" ")  # a table inside a cell: its cells become words
        elif tag == "tr":
            table.row = []
        elif tag in ("td", "th"):
            table.cell_mark = len(self.inline)

    def _close_table_part(self, tag: str) -> None:
        table = self.table
        if tag == "table":
            self.close_table()
        elif table is None or self.table_depth > 1:
            self.inline.append(" ")
        elif tag in ("td", "th") and table.cell_mark is not None:
            cell = squash("".join(self.inline[table.cell_mark :]).replace("\n", " "))
            del self.inline[table.cell_mark :]
            table.cell_mark = None
            if table.row is None:
                table.row = []
            table.row.append(cell.replace("|", "\\|"))
        elif tag == "tr" and table.row is not None:
            table.rows.append(table.row)
            table.row = None
        elif tag == "caption":
            self.flush()


def pipe_table(rows: list[list[str]]) -> str:
    """GFM pipe table; the first row is the header (GFM requires one)."""
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(cells) + " |" for cells in padded]
    lines.insert(1, "|" + " --- |" * width)
    return "\n".join(line.replace("  ", " ") for line in lines)
