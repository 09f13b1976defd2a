"""From a page's text to its lxml tree, guarded: a body refused before decoding when it is
empty, binary or too big; the text kept to what lxml takes (XML characters only); the tree
parsed, counted and refused when too deep or too large; and its elements numbered so XPath
sorts fast on a big page. `Document.parse` runs these in order."""

from __future__ import annotations

import functools
import re

from lxml import etree

from archiver.extract.attrscan import crowded_tag_at
from archiver.extract.encoding import utf16_codec
from archiver.extract.limits import DEFAULT_LIMITS, PageLimits, PageRefused
from archiver.extract.select import xpath

# What images, archives, fonts and media served as text/html start with.
BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"\x28\xb5\x2f\xfd",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"\x7fELF",
    b"wOFF",
    b"wOF2",
    b"\x00\x01\x00\x00\x00",
    b"II*\x00",
    b"MM\x00*",
    b"\x1a\x45\xdf\xa3",
)
# C0 controls that text never holds (ESC stays: ISO-2022-JP uses it).
_BINARY_BYTES = bytes([*range(0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def check_body(body: bytes | str, limits: PageLimits = DEFAULT_LIMITS) -> None:
    """Refuse, before any decoding or parsing, a page that is empty, binary or too big."""
    if len(body) > limits.max_page_bytes:
        raise PageRefused("too_large", f"{len(body)} bytes, over {limits.max_page_bytes}")
    if isinstance(body, str):
        if not body.strip():
            raise PageRefused("empty", "no text")
    else:
        if not body.strip():
            raise PageRefused("empty", f"{len(body)} bytes of whitespace" if body else "0 bytes")
        if _looks_binary(body):
            raise PageRefused("binary", f"starts {body[:8]!r}")
    # No more '<' than characters: a page within the budget in length needs no count.
    if len(body) > limits.max_tags:
        tags = body.count("<") if isinstance(body, str) else body.count(b"<")
        if tags > limits.max_tags:
            raise PageRefused("too_many_tags", f"{tags} '<', over {limits.max_tags}")


def _looks_binary(body: bytes) -> bool:
    if body.startswith(BINARY_SIGNATURES) or body[4:8] == b"ftyp":
        return True
    head = body[:8192]
    if utf16_codec(body) is not None or head.startswith(
        (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
    ):
        return False
    # A stray NUL is a broken page (kept); one control byte in ten is not text.
    return len(head) - len(head.translate(None, _BINARY_BYTES)) > len(head) // 10


def parse_tree(
    text: str, url: str, limits: PageLimits, utf8: bytes | None = None
) -> tuple[etree._Element, int]:
    """The lxml tree of cleaned text (`clean_for_lxml`), as parsel builds it, and its number
    of elements; refused when a tag holds too many attributes, or the tree is nested too deep
    or holds too many elements. `utf8`, when given, is `text` encoded as UTF-8 already (the
    page's own bytes)."""
    crowded = crowded_tag_at(text, limits.max_attributes)
    if crowded is not None:
        raise PageRefused(
            "too_many_attributes",
            f"a tag at character {crowded} has more than {limits.max_attributes} attributes",
        )
    body = _stripped_utf8(text, utf8) or b"<html/>"
    # etree's parser, not lxml.html's: that one attaches a Python class lookup to the tree,
    # called for every element any iteration or XPath hands out (10% of extraction time).
    # No table of `id` attributes: only XPath's id() reads it, which no selector uses, and
    # filling it (and freeing it with the tree) was 15% of the parse.
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True, collect_ids=False)
    try:
        root = etree.fromstring(body, parser=parser, base_url=url)
    except etree.XMLSyntaxError:
        root = None
    if any("Excessive depth" in error.message for error in parser.error_log):
        # libxml2 stops at depth 2048 and drops the rest of the page without a word.
        raise PageRefused("too_deep", "nested deeper than 2048 elements; the parser stopped there")
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=url)
    elements = int(xpath(root, "count(//*)"))  # type: ignore[call-overload]
    # A tree of n elements is at most n deep: most pages never need the depth check.
    if elements > limits.max_depth and _deeper_than(root, limits.max_depth):
        raise PageRefused("too_deep", f"nested deeper than {limits.max_depth} elements")
    if elements > limits.max_elements:
        raise PageRefused("too_many_elements", f"{elements} elements, over {limits.max_elements}")
    if elements > NUMBER_FROM:
        number_elements(root)
    return root, elements


# Below this many elements, sorting XPath results by walking siblings costs less than
# numbering the tree (tests/test_hostile.py's 40k siblings are far above it).
NUMBER_FROM = 2_000


def number_elements(root: etree._Element) -> None:
    """Let libxml2 sort XPath results by a stored element number instead of by walking
    siblings: without it one union (`//div | //p`, and every CSS selector with a comma)
    over 40k sibling <div>s took 3.3 s, over 80k 14 s; numbered, 0.06 s.

    Applying any XSLT numbers the elements (libxslt calls xmlXPathOrderDocElems, "to speed
    up XPath computation on static documents"); lxml offers no other way. Only libxml2's
    private order field changes, and the tree is never modified afterwards.
    """
    _numbering_xslt()(root)


_NUMBERING_XSLT = (
    b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    b'<xsl:template match="/"><done/></xsl:template></xsl:stylesheet>'
)


# Compiled once per process (a constant stylesheet; compiling it took as long as applying it).
@functools.cache
def _numbering_xslt() -> etree.XSLT:
    return etree.XSLT(etree.XML(_NUMBERING_XSLT))


# Characters XML 1.0 forbids. lxml keeps them in the tree, then raises "All strings must be
# XML compatible" when an attribute is read (`<meta \x01name=…>`, found by hypothesis); a
# NUL ends parsing. Form feed is HTML whitespace, so it becomes a space.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
# A lone surrogate (from a `str` page) cannot be encoded for lxml at all.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _stripped_utf8(text: str, utf8: bytes | None) -> bytes:
    """`text.strip().encode("utf-8")`, cut from `utf8` (text's UTF-8) when that is the same:
    bytes.strip() knows only ASCII whitespace, so not when a non-ASCII one ends the page."""
    if utf8 is not None:
        body = utf8.strip()
        # The first and last characters (a UTF-8 character is at most 4 bytes).
        ends = body[:4].decode("utf-8", "ignore")[:1] + body[-4:].decode("utf-8", "ignore")[-1:]
        if not any(c.isspace() for c in ends):
            return body
    return text.strip().encode("utf-8")


def clean_for_lxml(text: str, utf8: bytes | None = None) -> str:
    """Text lxml takes whole: only XML characters; a lone surrogate (unencodable) is U+FFFD.
    `utf8`, when given, is `text` encoded as UTF-8 already; an unchanged text is returned
    as the same object."""
    if _only_xml(text, utf8):
        return text
    text = _NOT_XML.sub("", text.replace("\x0c", " ") if "\x0c" in text else text)
    return _SURROGATE.sub("\ufffd", text)


# The C0 bytes that _NOT_XML removes, plus form feed; in UTF-8 they only stand for themselves.
_NOT_XML_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
# Every byte to itself but those, each to another byte: bytes.translate then hands back the
# very same object when none occurs (CPython notes whether any byte changed; where it did
# not, the check is slower, never wrong). Deleting them and comparing lengths took 0.35 ms
# on a 190 KB page, and two searches for U+FFFE and U+FFFF in the bytes another 0.25 ms.
_MARK_NOT_XML = bytes(b ^ 0x80 if b in _NOT_XML_BYTES else b for b in range(256))


def _only_xml(text: str, utf8: bytes | None) -> bool:
    """Whether `clean_for_lxml` has nothing to do: the C0 controls looked for in C on the
    UTF-8 bytes (4x faster than the regex scan on the pages of benchmarks/suites.py, which
    all pass), U+FFFE and U+FFFF in the text, where a page whose widest character is below
    them (Latin text) answers at once."""
    if utf8 is None:
        try:
            utf8 = text.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return utf8.translate(_MARK_NOT_XML) is utf8 and "\ufffe" not in text and "\uffff" not in text


def _deeper_than(root: etree._Element, depth: int) -> bool:
    # One child step per level, evaluated level by level in C (0.1 ms to compile), unlike
    # a recursive walk, which would itself need the depth it is checking. Each step costs
    # even on an empty set, so a shallow probe answers first for the usual page.
    probe = min(depth, SHALLOW)
    if not xpath(root, "boolean(" + "/*" * (probe + 1) + ")"):
        return False
    return probe == depth or bool(xpath(root, "boolean(" + "/*" * (depth + 1) + ")"))


SHALLOW = 64
