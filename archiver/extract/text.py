"""Plain-text helpers: whitespace, leaked entities, string hygiene. Pure functions."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# Every horizontal/vertical space a CMS uses for indentation: en/em spaces (&ensp; &emsp;),
# ideographic space U+3000, NBSP, thin spaces, zero-width space, BOM.
_SPACE_RUN = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# C0 controls except tab/newline/CR, DEL and C1 controls: never meaningful in article text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LEAKED_ENTITY = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,9}|[a-zA-Z][a-zA-Z0-9]{1,31});")


def clean(text: str) -> str:
    """Drop control characters and replace lone surrogates so the text is valid UTF-8."""
    text = _CONTROL.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def squash(text: str) -> str:
    """Collapse every whitespace run (indentation en-spaces included) to one space, strip."""
    return _SPACE_RUN.sub(" ", clean(text)).strip()


def decode_leaked_entities(text: str) -> str:
    """Decode entities that a CMS escaped twice (`&amp;#xff1a;` shown as `&#xff1a;`).

    Only complete entities (with `;`) are decoded, so a snippet cut inside one (`&am…`) keeps
    its text; out-of-range code points become U+FFFD rather than invalid characters.
    """
    return clean(_LEAKED_ENTITY.sub(lambda m: html.unescape(m.group(0)), text))


def strip_label(text: str, labels: tuple[str, ...]) -> str:
    """Remove a leading label such as `作者：` or `By` from a squashed string."""
    for label in labels:
        if text.lower().startswith(label.lower()):
            return text[len(label) :].lstrip(" :：").strip()
    return text


def normalised_for_hash(body: str) -> str:
    """The body as compared for exact duplicates: NFKC, case-folded, whitespace collapsed."""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", body).casefold()).strip()


def content_hash(body: str) -> str:
    """sha256 (hex) of the normalised body."""
    return hashlib.sha256(normalised_for_hash(body).encode("utf-8")).hexdigest()
