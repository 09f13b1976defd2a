"""Decoding: BOM > HTTP charset > <meta> > sniffing, every declaration checked against the bytes.

The pages in fixtures/encodings/ (golden-tested like every fixture) are one article in
GBK, GB18030, Big5 and UTF-16, declared, undeclared and mis-declared; here each must
decode to the text it was written in, with no U+FFFD, whichever path reads it.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from archiver import parse_article
from archiver.extract.encoding import decode_html, guess_cjk, sniff_encoding, utf16_codec

ENCODINGS = FIXTURES / "encodings"
SIMPLIFIED = "在校对过程中，团队遇到了不少生僻字，例如“镕”“堃”“喆”等"
TRADITIONAL = "臺灣的資訊安全產業近年來快速成長"
GB18030_ONLY = "㐀（扩展A）、𠀀（扩展B）、欧元符号€与表情😀"

# page → (the codec it must be read with, a phrase it holds)
CASES = {
    "gbk-declared": ("gb18030", SIMPLIFIED),
    "gbk-undeclared": ("gb18030", SIMPLIFIED),
    "gbk-declared-utf8": ("gb18030", SIMPLIFIED),
    "gbk-declared-latin1": ("gb18030", SIMPLIFIED),
    "utf8-declared-gbk": ("utf-8", SIMPLIFIED),
    "gb18030-declared": ("gb18030", GB18030_ONLY),
    "gb18030-undeclared": ("gb18030", GB18030_ONLY),
    "big5-declared": ("big5hkscs", TRADITIONAL),
    "big5-undeclared": ("big5hkscs", TRADITIONAL),
    "big5-declared-gbk": ("big5hkscs", TRADITIONAL),
    "utf16le-bom": ("utf-16-le", SIMPLIFIED),
    "utf16be-bom": ("utf-16-be", SIMPLIFIED),
    "utf16le-nobom": ("utf-16-le", SIMPLIFIED),
    "utf16be-nobom": ("utf-16-be", SIMPLIFIED),
}


def test_every_encoding_fixture_is_covered() -> None:
    assert sorted(p.stem for p in ENCODINGS.glob("*.html")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_decodes_to_its_text_without_replacement_characters(name: str) -> None:
    codec, phrase = CASES[name]
    data = (ENCODINGS / f"{name}.html").read_bytes()
    encoding, text = decode_html(data)
    assert encoding == codec
    assert phrase in text
    assert "\ufffd" not in text
    # The crawl passes the server's Content-Type; a bare one changes nothing (parity).
    assert decode_html(data, "text/html") == (encoding, text)
    article = parse_article(
        data, f"https://encodings.example.test/{name}.html", fetched_at="2024-09-30T08:00:00Z"
    )
    assert (
        article is not None
        and phrase in article.body
        and "\ufffd" not in article.body + article.title
    )


def test_a_wrong_http_charset_falls_back_to_the_bytes() -> None:
    gbk = (ENCODINGS / "gbk-undeclared.html").read_bytes()
    assert decode_html(gbk, "text/html; charset=utf-8")[0] == "gb18030"
    utf8 = (ENCODINGS / "utf8-declared-gbk.html").read_bytes()
    assert decode_html(utf8, "text/html; charset=GBK")[0] == "utf-8"


def test_a_right_http_charset_wins_over_a_wrong_meta() -> None:
    big5 = (ENCODINGS / "big5-declared-gbk.html").read_bytes()  # <meta charset=gbk>
    encoding, text = decode_html(big5, "text/html; charset=big5")
    assert encoding == "big5hkscs" and TRADITIONAL in text


def test_bom_wins_over_every_declaration() -> None:
    page = "\ufeff<html><head><meta charset=gbk><title>中文</title></head></html>".encode("utf-8")
    assert decode_html(page, "text/html; charset=big5") == ("utf-8", page[3:].decode("utf-8"))


def test_utf16_declared_without_bom_and_ascii_mislabelled_utf16() -> None:
    page = "<html><body><p>中文内容</p></body></html>"
    assert decode_html(page.encode("utf-16-be"), "text/html; charset=utf-16") == ("utf-16-be", page)
    # Browsers read `charset=utf-16` on ASCII-compatible bytes as UTF-8.
    assert decode_html(page.encode("utf-8"), "text/html; charset=utf-16") == ("utf-8", page)
    assert utf16_codec(page.encode("utf-8")) is None


def test_damaged_utf8_stays_utf8() -> None:
    page = "<html><head><meta charset=utf-8></head><body><p>中文内容，一个坏字节：".encode()
    cut = page + "结束".encode()[:2]  # a download cut inside a character
    assert decode_html(cut)[0] == "utf-8"
    stray = page + b"\xed\xa0\x80 end</p>"  # an encoded surrogate: invalid UTF-8
    encoding, text = decode_html(stray)
    assert encoding == "utf-8" and "中文内容" in text and text.count("\ufffd") == 3


def test_korean_and_japanese_are_not_taken_for_chinese() -> None:
    korean = (
        "<html><body><p>"
        + "한국어 텍스트입니다. 이것은 문자 인코딩 감지를 확인하기 위한 문장입니다. " * 4
        + "</p></body></html>"
    )
    assert guess_cjk(korean.encode("euc-kr")) == "cp949"
    assert decode_html(korean.encode("euc-kr"))[1] == korean
    japanese = (
        "<html><body><p>"
        + "日本語のテキストです。文字コードの判定を確認します。ひらがなとカタカナ。" * 4
        + "</p></body></html>"
    )
    assert guess_cjk(japanese.encode("shift_jis")) is None
    assert decode_html(japanese.encode("shift_jis"))[1] == japanese


def test_too_little_evidence_is_not_guessed_by_statistics() -> None:
    assert guess_cjk("<p>中文</p>".encode("gbk")) is None
    # … and then an undeclared page is read as GB18030, the usual Chinese CMS default.
    assert sniff_encoding("<p>中文</p>".encode("gbk")) == "gb18030"


def test_decoding_is_deterministic() -> None:
    for page in sorted(ENCODINGS.glob("*.html")):
        data = page.read_bytes()
        assert decode_html(data) == decode_html(bytes(data))


def test_text_input_is_taken_as_decoded() -> None:
    assert decode_html("<p>中文</p>", "text/html; charset=gbk") == ("utf-8", "<p>中文</p>")
