"""Document.named_like (the class/id index searched once per distinct name) finds the elements
that searching each element's `class id` string finds, for a pattern that never spans
whitespace (authors.AUTHOR_CLASS)."""

from __future__ import annotations

from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.extract.authors import AUTHOR_CLASS
from archiver.extract.document import Document

PIECES = st.sampled_from(
    ["author", "Author", "byline", "writer", "name", "x", "-", "_", " ", "\t", "\xa0", "é"]
)
NAMES = st.none() | st.lists(PIECES, max_size=6).map("".join)


def _element(klass: str | None, ident: str | None, inner: str) -> str:
    attrs = "".join(
        f' {key}="{escape(value)}"'
        for key, value in (("class", klass), ("id", ident))
        if value is not None
    )
    return f"<span{attrs}>{inner}</span>"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=6))
def test_named_like_is_the_per_element_search(names: list[tuple[str | None, str | None]]) -> None:
    inner = "t"
    for klass, ident in names:  # nested, each around the last
        inner = _element(klass, ident, inner)
    doc = Document.parse(
        f"<html><body><p>{inner}</p></body></html>".encode(),
        "https://a.test/",
        "2024-09-30T08:00:00Z",
    )
    expected = {
        el
        for el in doc.root.iter()
        if isinstance(el.tag, str)
        and AUTHOR_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}")
    }
    assert doc.named_like(AUTHOR_CLASS) == expected
