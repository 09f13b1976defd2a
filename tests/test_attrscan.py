"""The attribute scan (archiver/extract/attrscan.py) splits a page into tags as libxml2 does.

Its count is an upper bound: where libxml2 gives an element k attributes, the scan must find
a tag with more than k - 1, or a page could hide a crowded tag from it (inside what the scan
took for a comment, a script or a quoted value) and cost libxml2 quadratic time again.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from archiver.extract.attrscan import crowded_tag_at

# Pieces of markup where tokenizers disagree: comments closed early (`<!-->`), bogus
# comments, raw text and its end tags in any case, script escapes, quotes, `<` in names.
PIECES = (
    "<div",
    "<DIV",
    "<i",
    "</i",
    "<é",
    "<",
    "</",
    "</1",
    "<!",
    "<?",
    "<!DOCTYPE",
    "<![CDATA[",
    "]]>",
    "<script",
    "<SCRIPT",
    "</script",
    "</script>",
    "<script>",
    "<!--<script>",
    "</script>-->",
    "<SCRIPT/>",
    "<style",
    "</style ",
    "<style/>",
    "<title",
    "</title>",
    "<textarea",
    "</textarea>",
    "<plaintext",
    "<plaintext/>",
    "<xmp",
    "<iframe",
    "</iframe>",
    "<noembed",
    "<noframes",
    "</noframes>",
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<!--->",
    "-",
    "--",
    ">",
    "/>",
    " / ",
    "/",
    "=",
    '"',
    "'",
    " ",
    "\n",
    "\t",
    "\r",
    "\x0c",
    "a",
    "b",
    "x1",
    "y2",
    " t ",
    " u",
    " v",
    " w",
    "q=",
    'r="',
    "s='",
    'a=">"',
    "b='>'",
    "c=d>",
    'x=""',
)
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "300"))


def libxml2_most_attributes(markup: str) -> int:
    root = etree.fromstring(markup.encode(), etree.HTMLParser(recover=True, encoding="utf-8"))
    return max((len(el.attrib) for el in root.iter() if isinstance(el.tag, str)), default=0)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=60))
def test_the_scan_never_counts_fewer_attributes_than_libxml2(pieces: list[str]) -> None:
    markup = "<html><body>" + "".join(pieces)
    most = libxml2_most_attributes(markup)
    if most:
        assert crowded_tag_at(markup, most - 1) is not None


@pytest.mark.parametrize(
    "markup",
    [
        "<div a b c>",
        '<div a=">" b c>',  # `>` inside a quoted value
        "<div a<x b<x c>",  # `<` inside names
        "<!--><div a b c>-->",  # `<!-->` is a whole comment
        "<script><!--<script></script></script><div a b c>",  # a double-escaped script ends late
        "<style/><div a b c>",  # libxml2 reads <style/> as empty
        '<div a="1"b="2"c>',  # attributes after quotes, no spaces
    ],
)
def test_three_attributes_are_seen_wherever_they_hide(markup: str) -> None:
    assert libxml2_most_attributes(markup) == 3
    assert crowded_tag_at(markup, 2) == markup.index("<div")
    assert crowded_tag_at(markup, 3) is None


@pytest.mark.parametrize(
    "markup",
    [
        "<script>x<y a b c d</script><div a>",  # script text
        "<textarea><div a b c d></textarea><div a>",  # raw text
        "<!-- <div a b c d> --><div a>",  # a comment
        '<div title="<i a b c d>">',  # a quoted value
    ],
)
def test_what_libxml2_does_not_read_as_a_tag_is_not_counted(markup: str) -> None:
    assert libxml2_most_attributes(markup) == 1
    assert crowded_tag_at(markup, 1) is None
