"""Language of a record: the page's declaration, else a guess from the body's script."""

from __future__ import annotations

import re

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")


def normalise_tag(tag: str | None) -> str | None:
    """`zh_cn` / `ZH-cn` to BCP 47 case (`zh-CN`); None for junk."""
    if not tag or not _TAG.match(tag.strip()):
        return None
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(
            part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower()
        )
    return "-".join(out)


def detect_language(text: str) -> str | None:
    """zh / ja / ko when the body is written mostly in that script; None when unsure.

    Latin-script languages are not guessed: a wrong `en` is worse for a dataset than null.
    """
    sample = text[:5000]
    letters = len(_LETTER.findall(sample))
    if letters < 20:
        return None
    if len(_KANA.findall(sample)) / letters > 0.05:
        return "ja"
    if len(_HANGUL.findall(sample)) / letters > 0.3:
        return "ko"
    if len(_HAN.findall(sample)) / letters > 0.3:
        return "zh"
    return None
