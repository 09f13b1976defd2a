"""Plain-text helpers: whitespace, leaked entities, string hygiene. Pure functions."""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata

# Every horizontal/vertical space a CMS uses for indentation: en/em spaces (&ensp; &emsp;),
# ideographic space U+3000, NBSP, thin spaces (all in str.split()'s whitespace), plus the
# zero-width space and BOM, which str.split() keeps.
_INVISIBLE_SPACES = ("\u200b", "\ufeff")
# Explicit bidi embeddings, overrides and isolates (U+202A-E, U+2066-9): invisible, and a
# title such as "invoice\u202efdp.exe" displays reversed ("Trojan Source"). LRM/RLM stay.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# C0 controls except tab/newline/CR, DEL and C1 controls: never meaningful in article text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LEAKED_ENTITY = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,9}|[a-zA-Z][a-zA-Z0-9]{1,31});")


# Anything clean() or squash() would change besides whitespace: one search finds out that
# most strings need neither of their substitutions (three regex passes per string made
# them the top cost of rendering a body).
_UNCLEAN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)


def clean(text: str) -> str:
    """Drop control characters and replace lone surrogates so the text is valid UTF-8."""
    if not _UNCLEAN.search(text):
        return text
    text = _CONTROL.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def collapse_spaces(text: str) -> str:
    """Every whitespace run (indentation en-spaces included) as one space, ends stripped."""
    # str.split() is several times faster than a regex (or str.translate) on a 10 MB line.
    for space in _INVISIBLE_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return " ".join(text.split())


def squash(text: str) -> str:
    """One clean line: control and bidi-override characters dropped, whitespace collapsed."""
    if _UNCLEAN.search(text):
        text = _BIDI_CONTROLS.sub("", clean(text))
    return collapse_spaces(text)


def decode_leaked_entities(text: str) -> str:
    """Decode entities that a CMS escaped twice (`&amp;#xff1a;` shown as `&#xff1a;`).

    Only complete entities (with `;`) are decoded, so a snippet cut inside one (`&am…`) keeps
    its text; out-of-range code points become U+FFFD rather than invalid characters.
    """
    if "&" in text:
        text = _LEAKED_ENTITY.sub(_unescaped, text)
    return clean(text)


def _unescaped(match: re.Match[str]) -> str:
    return _unescape_entity(match.group(0))


# A page repeats the same few entities (`&#xff1a;` in every snippet): decoded once each.
@functools.lru_cache(maxsize=1024)
def _unescape_entity(entity: str) -> str:
    return html.unescape(entity)


def strip_label(text: str, labels: tuple[str, ...]) -> str:
    """Remove a leading label such as `作者：` or `By` from a squashed string."""
    for label in labels:
        if text.lower().startswith(label.lower()):
            return text[len(label) :].lstrip(" :：").strip()
    return text


def normalised_for_hash(body: str) -> str:
    """The body as compared for exact duplicates: NFKC, case-folded, whitespace collapsed."""
    # Chinese text is rarely NFKC only because of its full-width punctuation (，：（）), and
    # unicodedata.normalize costs ~0.13 us a character. Those characters decompose to one
    # ASCII character each, so mapping them first leaves NFKC's result unchanged and usually
    # leaves nothing for it to do; is_normalized answers without building a copy.
    # A text repeats a few of them many times: one str.replace per distinct one is faster
    # than a regex callback per occurrence.
    for char in set(_FULLWIDTH.findall(body)):
        body = body.replace(char, _ascii_of(char))
    if not unicodedata.is_normalized("NFKC", body):
        body = unicodedata.normalize("NFKC", body)
    return collapse_spaces(body.casefold())


# U+FF01-FF5E are ASCII 0x21-0x7E in full width; U+3000 is the ideographic space.
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _ascii_of(char: str) -> str:
    code = ord(char)
    return " " if code == 0x3000 else chr(code - 0xFEE0)


def content_hash(body: str) -> str:
    """sha256 (hex) of the normalised body."""
    return hashlib.sha256(normalised_for_hash(body).encode("utf-8")).hexdigest()
