"""Body text to shingle hashes: normalise (NFKC, casefold, punctuation and spacing dropped),
then 5-character shingles for Chinese / Japanese / Korean and 3-word shingles otherwise.

Normalising with `unicodedata` costs ~200 µs for a 3,000-character Chinese body, more than
everything else in a near-duplicate check together, so the common case goes through lookup
tables instead: a character whose NFKC + casefold is one character that never composes
with a neighbour is mapped by table, in numpy. A body holding any other character (combining
marks, decomposed accents, half-width kana with voicing marks, `ß`, ligatures) takes the
exact `unicodedata` path. Both give the same result (tests/test_neardup.py checks it).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]

CHAR_SHINGLE = 5
WORD_SHINGLE = 3
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
# Hangul jamo, kana, Han (with extensions and compatibility forms), Hangul syllables;
# lowest first.
CJK_RANGES = (
    (0x1100, 0x11FF),
    (0x3040, 0x30FF),
    (0x3130, 0x318F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FFFF),
)
# The share detect_language uses for Han and Hangul.
CJK_SCRIPT_SHARE = 0.3
# Canonical decompositions, compatibility ideographs and the CJK extensions B-F all sit
# below this; anything above is rare enough to take the exact path.
TABLE_SIZE = 0x30000
_SPACE = 0x20
_KEEP_CATEGORIES = ("L", "N", "M")

_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_POLY = np.uint64(0x100000001B3)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
with np.errstate(over="ignore"):
    _POWERS = np.cumprod(np.full(64, _POLY, dtype=np.uint64)) // _POLY


def mix64(x: U64) -> U64:
    """splitmix64's finaliser, vectorised: spreads every input bit over the 64 output bits."""
    x = x ^ (x >> _S30)
    x = x * _MIX1
    x = x ^ (x >> _S27)
    x = x * _MIX2
    return x ^ (x >> _S31)


# One packed table entry per code point: the folded character, whether that character is
# kept, and whether the code point needs the exact path; one gather does all three.
_FOLDED = np.uint32(0x1FFFFF)
_KEEP = np.uint32(1 << 30)
_CJK = np.uint32(1 << 29)
_EXACT = np.uint32(1 << 31)


# Set in every entry built: the table is filled a block of code points at a time, on first
# use (the whole table cost ~0.35 s of every crawl's start; a crawl meets a few blocks).
_BUILT = np.uint32(1 << 28)
BLOCK_BITS = 8
_TABLE = np.zeros(TABLE_SIZE, dtype=np.uint32)


def _build_block(block: int) -> None:
    """The entries of code points [block << BLOCK_BITS, (block + 1) << BLOCK_BITS)."""
    seconds = _composable_seconds()
    low = block << BLOCK_BITS
    entries = np.zeros(1 << BLOCK_BITS, dtype=np.uint32)
    for i, cp in enumerate(range(low, min(low + (1 << BLOCK_BITS), TABLE_SIZE))):
        mapped = "" if 0xD800 <= cp <= 0xDFFF else unicodedata.normalize("NFKC", chr(cp)).casefold()
        if len(mapped) == 1 and _alone(chr(cp), seconds) and _alone(mapped, seconds):
            entries[i] = ord(mapped) | (_KEEP if _kept(mapped) else 0)
        else:
            # The exact path looks up already-normalised text: keep says what cp itself is.
            entries[i] = cp | _EXACT | (_KEEP if _kept(chr(cp)) else 0)
    cps = np.arange(low, low + len(entries))
    for first, last in CJK_RANGES:
        entries[(cps >= first) & (cps <= min(last, TABLE_SIZE - 2))] |= _CJK
    # Code points above the table are clipped onto its last entry: it must say "exact".
    if low + (1 << BLOCK_BITS) >= TABLE_SIZE:
        entries[TABLE_SIZE - 1 - low] |= _EXACT
    _TABLE[low : low + len(entries)] = entries | _BUILT


def _alone(char: str, seconds: frozenset[int]) -> bool:
    """Neither reordered (combining class 0) nor composed with the character before it."""
    return not unicodedata.combining(char) and ord(char) not in seconds


def _kept(char: str) -> bool:
    return unicodedata.category(char).startswith(_KEEP_CATEGORIES)


@cache
def _composable_seconds() -> frozenset[int]:
    """Characters NFC may merge into the character before them (the second half of a
    canonical pair, and the Hangul vowel and final jamo): a table cannot map those alone."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for cp in range(TABLE_SIZE):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    return frozenset(seconds)


def _codepoints(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def normalised_codepoints(text: str) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    """NFKC + casefold of `text` as code points, and which of them are letters, digits or
    marks (the rest, punctuation, symbols and spacing, separate words and are dropped)."""
    packed = _lookup(_codepoints(text))
    exact = (packed & _EXACT).nonzero()[0]
    if len(exact) == 0:
        return packed & _FOLDED, (packed & _KEEP).astype(np.bool_)
    # `……`, `℃`, `①` are common in Chinese bodies: normalise only around such characters.
    folded: list[npt.NDArray[np.uint32]] = []
    kept: list[npt.NDArray[np.bool_]] = []
    done = 0
    for start, stop in _exact_spans(exact.tolist()):
        folded.append(packed[done:start] & _FOLDED)
        kept.append((packed[done:start] & _KEEP).astype(np.bool_))
        span = unicodedata.normalize("NFKC", text[start:stop]).casefold()
        folded.append(_codepoints(span))
        kept.append(np.array([_kept(char) for char in span], dtype=np.bool_))
        done = stop
    folded.append(packed[done:] & _FOLDED)
    kept.append((packed[done:] & _KEEP).astype(np.bool_))
    return np.concatenate(folded), np.concatenate(kept)


def _exact_spans(positions: list[int]) -> list[tuple[int, int]]:
    """Spans to normalise with unicodedata: each run of table-less characters plus the
    character before it, which a combining mark may compose with (`e` + U+0301 = `é`).
    The characters between spans map alone: they compose with nothing on either side."""
    spans: list[tuple[int, int]] = []
    for pos in positions:
        start = max(pos - 1, 0)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], pos + 1)
        else:
            spans.append((start, pos + 1))
    return spans


def _lookup(cps: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The packed table entries of these code points (those above the table: its last)."""
    index = np.minimum(cps, TABLE_SIZE - 1).astype(np.intp)
    packed = _TABLE.take(index)
    # An entry not built yet is 0; a built one holds _BUILT.
    if len(packed) and packed.min() < _BUILT:
        for block in np.unique(index[packed < _BUILT] >> BLOCK_BITS).tolist():
            _build_block(block)
        packed = _TABLE.take(index)
    return packed


def normalise(text: str) -> str:
    """The normalised text shingles are taken from: words separated by one space."""
    folded, kept = normalised_codepoints(text)
    spaced = np.where(kept, folded, np.uint32(_SPACE)).astype("<u4")
    return " ".join(spaced.tobytes().decode("utf-32-le", "surrogatepass").split())


def uses_char_shingles(letters: npt.NDArray[np.uint32], language: str | None) -> bool:
    """Chinese, Japanese and Korean by the record's language or, when a page declares
    another language over a CJK body (a CMS template default), by the body's script:
    at least CJK_SCRIPT_SHARE of its letters are Han, kana or Hangul."""
    if language and language.split("-")[0].lower() in CJK_LANGUAGES:
        return True
    if len(letters) == 0 or letters.max() < CJK_RANGES[0][0]:
        return False
    cjk = _lookup(letters) & _CJK
    return bool(np.count_nonzero(cjk) >= CJK_SCRIPT_SHARE * len(letters))


def shingle_hashes(body: str, language: str | None) -> U64:
    """64-bit hashes of the body's shingles (repeats kept: MinHash ignores them). Stable
    across processes and platforms, since signatures are persisted and compared later."""
    folded, kept = normalised_codepoints(body)
    letters = folded[kept]
    if uses_char_shingles(letters, language):
        return _rolling(letters.astype(np.uint64), CHAR_SHINGLE)
    return _rolling(_word_hashes(folded, kept), WORD_SHINGLE)


def _word_hashes(folded: npt.NDArray[np.uint32], kept: npt.NDArray[np.bool_]) -> U64:
    """One polynomial hash per run of kept characters, vectorised (letters past the 64th
    of a word, in long tokens such as URLs, share the last power: still deterministic)."""
    idx = kept.nonzero()[0]
    if len(idx) == 0:
        return np.zeros(0, dtype=np.uint64)
    starts = np.concatenate(([True], idx[1:] - idx[:-1] != 1)).nonzero()[0]
    first = np.zeros(len(idx), dtype=np.intp)
    first[starts] = starts
    position = np.arange(len(idx)) - np.maximum.accumulate(first)
    terms = folded[idx].astype(np.uint64) * _POWERS.take(np.minimum(position, len(_POWERS) - 1))
    return np.add.reduceat(terms, starts)


def _rolling(tokens: U64, size: int) -> U64:
    """Hashes of every `size` consecutive tokens; one shingle of all tokens when fewer."""
    count = len(tokens) - size + 1
    if len(tokens) == 0:
        return tokens
    if count <= 0:
        return mix64(np.array([_fold_sum(tokens)], dtype=np.uint64))
    h = tokens[:count].copy()
    for j in range(1, size):
        h = h * _POLY + tokens[j : j + count]
    return mix64(h)


def _fold_sum(tokens: U64) -> np.uint64:
    h = np.uint64(0)
    with np.errstate(over="ignore"):
        for t in tokens:
            h = h * _POLY + t
    return h
