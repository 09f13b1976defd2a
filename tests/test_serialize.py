"""json_line: the archive's byte format, pinned to what the standard library's json writes."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from conftest import seed_article
from hypothesis import given
from hypothesis import strategies as st

from archiver.items import Article, RelatedLink, TocEntry
from archiver.serialize import article_to_dict, json_line


def stdlib_line(data: object) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8") + b"\n"


def test_every_code_point_is_written_as_the_stdlib_writes_it() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    record = {
        "text": text,
        "ints": [0, -1, 2**63 - 1],
        "flags": [True, False, None],
        "nested": {"k": []},
    }
    assert json_line(record) == stdlib_line(record)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_value_matches_the_stdlib(value: object) -> None:
    assert json_line({"v": value}) == stdlib_line({"v": value})


def test_an_article_is_its_fields_in_order_with_records_as_objects() -> None:
    article = dataclasses.replace(
        seed_article(),
        toc=(TocEntry(level=1, text="一", anchor="a"),),
        related=(RelatedLink(title="t", url="https://a.test/1", snippet=None),),
    )
    data = json.loads(json_line(article))
    assert list(data) == [f.name for f in dataclasses.fields(Article)]
    assert data["toc"] == [{"level": 1, "text": "一", "anchor": "a"}]
    assert data["related"] == [{"title": "t", "url": "https://a.test/1", "snippet": None}]
    assert article_to_dict(article) == data
    assert json_line(article) == stdlib_line(data)


def test_line_separators_are_escaped_so_a_record_stays_one_line() -> None:
    line = json_line({"t": "a\u2028b\u2029c\nd"})
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert json.loads(line)["t"] == "a\u2028b\u2029c\nd"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_not_written_as_null(bad: float) -> None:
    with pytest.raises(ValueError):
        json_line({"deep": [{"x": bad}]})


def test_integer_keys_become_strings_as_in_the_stdlib() -> None:
    assert json_line({1: "a", "b": {2: None}}) == stdlib_line({1: "a", "b": {2: None}})
