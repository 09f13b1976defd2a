"""Page bytes to text: the one decoder both the crawl and offline parsing use.

Order, as browsers do it: a BOM; else the HTTP charset, then `<meta charset>`, each only
when the bytes really are in that encoding (GBK bytes declared as UTF-8, UTF-8 declared
as GBK and GBK declared as ISO-8859-1 all occur); else sniffing: UTF-16 by its NUL bytes,
UTF-8 by validity, GB18030 / Big5 / EUC-KR by how common the decoded characters are, and
charset-normalizer for the other legacy encodings. Every step is deterministic.
"""

from __future__ import annotations

import codecs
import functools
import re
from itertools import islice

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

_HIGH_BYTES = bytes(range(0x80, 0x100))
# A non-ASCII run up to a byte below 0x30, which is never inside a GBK, Big5, EUC-KR,
# Shift_JIS or GB18030 character: a run always starts and ends on a character boundary.
_NON_ASCII_RUN = re.compile(rb"[\x80-\xff][\x30-\xff]*")
# `[^<>]`, not `[^>]`: a scan stops at the next `<`, so a page of a million unclosed `<`
# stays linear.
_TAG = re.compile(rb"<[^<>]*>")
SCAN_BYTES = 4 * 1024 * 1024
SAMPLE_BYTES = 64 * 1024
# Fewer non-ASCII characters than this are too little evidence for character statistics.
MIN_EVIDENCE = 8
CHINESE_CODECS = ("gb18030", "big5hkscs")
KOREAN_CODEC = "cp949"
# Declarations the statistics may overrule: the double-byte codecs they know, and the
# single-byte ones a misconfigured Chinese server sends (`charset=iso-8859-1`).
_OVERRULABLE = frozenset({*CHINESE_CODECS, KOREAN_CODEC, "big5", "cp950", "gbk", "gb2312"})


def _double_byte_table(codec: str, leads: range, trails: list[int]) -> frozenset[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            char = bytes((lead, trail)).decode(codec, "replace")
            if "\u4e00" <= char <= "\u9fff":
                chars.add(char)
    return frozenset(chars)


@functools.cache
def common_hanzi() -> frozenset[str]:
    """GB2312's 3755 level-1 hanzi and Big5's 5401 frequent hanzi: nearly every character of
    real Chinese text is one of them, and few of a page decoded with the wrong codec are.
    Built on first use (10 ms, a third of importing archiver; most pages declare their
    encoding truthfully and never need it)."""
    return _double_byte_table(
        "gb2312", range(0xB0, 0xD8), list(range(0xA1, 0xFF))
    ) | _double_byte_table("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])


CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》〈〉【】〔〕—…·「」『』～") | frozenset(
    map(chr, range(0xFF01, 0xFF5F))
)


def decode_html(body: bytes | str, content_type: str | None = None) -> tuple[str, str]:
    """(encoding, text) of a page's bytes; a `str` is taken as already decoded."""
    if isinstance(body, str):
        return "utf-8", body
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return bom_encoding, body[len(bom) :].decode(bom_encoding, "replace")
    for declared in (http_content_type_encoding(content_type), html_body_declared_encoding(body)):
        if declared is not None:
            found = _decode_declared(body, declared)
            if found is not None:
                return found
    encoding = sniff_encoding(body)
    return encoding, to_unicode(body, encoding)


def _decode_declared(body: bytes, declared: str) -> tuple[str, str] | None:
    """(encoding, text) when `body` really is in the declared encoding, else None."""
    name = codecs.lookup(declared).name
    if name.startswith(("utf-16", "utf-32")):
        # Without a BOM only the NUL bytes tell the byte order; ASCII bytes labelled UTF-16
        # are UTF-8 (what browsers do with `<meta charset=utf-16>`).
        name = utf16_codec(body) or ""
        return (name, to_unicode(body, name)) if name else None
    if body.isascii():
        return name, to_unicode(body, name)
    if name != "utf-8" and is_utf8(body):
        # Multi-byte UTF-8 sequences almost never occur by accident in a legacy encoding.
        return None
    text = to_unicode(body, name)
    bad = text.count("\ufffd")
    # A few bad sequences are damage (a cut download, one stray byte); more than one high
    # byte in fifty, or bytes that clearly read as GBK/Big5/EUC-KR instead, is a wrong label.
    # (Mere validity proves nothing: most UTF-8 Chinese is also valid GB18030.) The high
    # bytes are counted only past the few (a copy of the page: 0.1 ms at 190 KB).
    if bad > 4 and bad > (len(body) - len(body.translate(None, _HIGH_BYTES))) // 50:
        return None
    if bad and name == "utf-8" and guess_cjk(body) is not None:
        return None
    if name != "utf-8" and (name in _OVERRULABLE or _single_byte(name)):
        guess = guess_cjk(body)
        if guess is not None and guess != name:
            return None
    return name, text


def _single_byte(name: str) -> bool:
    return name.startswith(("cp125", "iso8859", "latin", "mac-", "koi8", "ascii"))


def sniff_encoding(body: bytes) -> str:
    """The encoding of undeclared (or wrongly declared) page bytes."""
    utf16 = utf16_codec(body)
    if utf16 is not None:
        return utf16
    if body.isascii() or is_utf8(body):
        return "utf-8"
    guess = guess_cjk(body)
    if guess is not None:
        return guess
    sample = _non_ascii_sample(body)
    if len(sample) < MIN_EVIDENCE * 2 and _decodes(sample, "gb18030"):
        # A few non-ASCII bytes that are valid GB18030: the usual undeclared page of a
        # Chinese CMS; too short for statistics either way.
        return "gb18030"
    match = from_bytes(_text_sample(body)).best()
    return codecs.lookup(match.encoding).name if match is not None else "cp1252"


def is_utf8(body: bytes) -> bool:
    """Valid UTF-8, allowing a last character cut off by a truncated download."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.start >= len(body) - 3
    return True


def utf16_codec(body: bytes) -> str | None:
    """`utf-16-le` / `utf-16-be` for BOM-less UTF-16 HTML: decoded, it starts with markup.

    Read with the wrong byte order, or read from an ASCII-compatible page, `<` becomes
    U+3C00 or `<h` becomes U+683C, so the first character tells reliably.
    """
    head = body[:4096]
    if len(head) < 8 or not head.count(0):
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        text = head[: len(head) // 2 * 2].decode(codec, "replace").lstrip("\ufeff \t\r\n")
        if not text.startswith("<") or text.count(">") < 2:
            continue
        whole = body[: len(body) // 2 * 2].decode(codec, "replace")
        if whole.count("\ufffd") <= max(1, len(whole) // 1000):
            return codec
    return None


def guess_cjk(body: bytes) -> str | None:
    """`gb18030`, `big5hkscs` or `cp949` when the decoded characters clearly say so."""
    sample = _non_ascii_sample(body)
    korean = _share_common(sample, KOREAN_CODEC)
    # EUC-KR Hangul decodes to common GB2312 hanzi too; GBK text is never 90% Hangul.
    if korean is not None and korean >= 0.9:
        return KOREAN_CODEC
    scored = [
        (share, codec)
        for codec in CHINESE_CODECS
        if (share := _share_common(sample, codec)) is not None
    ]
    if not scored:
        return None
    scored.sort(key=lambda pair: -pair[0])
    best, codec = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    return codec if best >= 0.8 and best - runner_up >= 0.15 else None


def _share_common(sample: bytes, codec: str) -> float | None:
    """Share of the decoded non-ASCII characters common in the codec's language, or None
    when the sample is too small or does not decode."""
    text = to_unicode(sample, codec)
    chars = [c for c in text if c > "\x7f" and not c.isspace()]
    if len(chars) < MIN_EVIDENCE or chars.count("\ufffd") * 50 > len(chars):
        return None
    if codec == KOREAN_CODEC:
        common = sum("\uac00" <= c <= "\ud7a3" for c in chars)
    else:
        hanzi = common_hanzi()
        common = sum(c in hanzi or c in CJK_PUNCTUATION for c in chars)
    return common / len(chars)


def _non_ascii_sample(body: bytes) -> bytes:
    """Up to SAMPLE_BYTES of the page's non-ASCII runs, each whole."""
    runs, size = [], 0
    for match in islice(_NON_ASCII_RUN.finditer(body, 0, SCAN_BYTES), 100_000):
        runs.append(match.group())
        size += len(runs[-1]) + 1
        if size >= SAMPLE_BYTES:
            break
    return b" ".join(runs)


def _text_sample(body: bytes) -> bytes:
    """The page's text without markup, for charset-normalizer."""
    text = _TAG.sub(b" ", body[:SCAN_BYTES])
    return b" ".join(text.split())[:SAMPLE_BYTES].rsplit(b" ", 1)[0]


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True
