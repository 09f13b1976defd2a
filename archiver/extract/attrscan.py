"""Finding a start tag with too many attributes before libxml2 parses the page.

libxml2's HTML parser checks each attribute of a tag against every earlier one for a
duplicate, so one tag of k distinct attributes costs k²/2 comparisons: a tag with 100,000
attributes took 13 s to parse, 40,000 took 1.6 s, 256 took nothing. Nothing done after the
parse can help, so the page is scanned first, in one regular-expression match run in C.

The scan follows the HTML5 tokenizer as libxml2 (2.14) implements it, because a scanner that
split the page into tags differently could be fooled: a quoted attribute value it saw where
libxml2 sees text would hide the attributes of a real tag after it. So it knows comments
(`<!-->` ends one), bogus comments (`<!…>`, `<?…>`, `</1…>`), raw text (`<script>` with its
`<!--<script>` escapes, `<style>`, `<textarea>`, `<title>`, `<xmp>`, `<iframe>`, `<noembed>`,
`<noframes>`, `<plaintext>`), and attribute names holding `<`, `"` or `'` as HTML5 allows.
tests/test_hostile.py checks it against libxml2 on generated markup.
"""

from __future__ import annotations

import functools
import re

_WS = r"[\t\n\f\r ]"
# One attribute: separators, a name (HTML5: anything but whitespace, `/`, `>`; `=` only
# first), then `= value` (quoted, possibly unclosed; or unquoted). Atomic: never re-tried.
_ATTRIBUTE = (
    rf"(?>[\t\n\f\r /]*+[^\t\n\f\r />][^\t\n\f\r />=]*+"
    rf"(?:{_WS}*+={_WS}*+(?:\"[^\"]*+\"?|'[^']*+'?|[^\t\n\f\r >]++))?+)"
)
# The end of the script element: `</script` then whitespace, `/` or `>`.
_SCRIPT_END = r"</script(?=[\t\n\f\r />])"
# Script data escaped by `<!--`: ends at `-->` (back to script data) or before `</script`;
# a `<script` inside starts a double escape, which `</script` ends (back to escaped) and
# `-->` ends altogether. Dashes may run on: `--->` ends too.
_DOUBLE = r"(?:[^<-]++|-(?!->)|<(?!/script[\t\n\f\r />]))*+"
_ESCAPED = (
    rf"<!--(?:-*+>|(?:[^<-]++|-(?!->)|<(?!/?script[\t\n\f\r />])"
    rf"|<script[\t\n\f\r />]{_DOUBLE}{_SCRIPT_END})*+"
    rf"(?:<script[\t\n\f\r />]{_DOUBLE})?+(?:-->|(?={_SCRIPT_END})|\Z))"
)
_RAWTEXT_ELEMENTS = ("style", "xmp", "iframe", "noembed", "noframes", "title", "textarea")


@functools.lru_cache(maxsize=8)
def _page_scanner(max_attributes: int) -> re.Pattern[str]:
    """Matches a page from its start up to the first tag with more than `max_attributes`
    attributes (or to its end): every alternative consumes one token, possessively."""
    attributes = rf"(?:{_ATTRIBUTE}){{0,{max_attributes}}}+"
    rest = rf"{attributes}[\t\n\f\r /]*+(?:>|\Z)"
    # libxml2 reads a raw-text element written `<style/>` (a `/` right before the `>`, not
    # in a value) as empty, unlike HTML5; the content that follows is markup then.
    raw = rf"{attributes}(?!(?:[\t\n\f\r ]*+/)++>)[\t\n\f\r /]*+(?:>|\Z)"
    # Ordinary tags first (most tokens after text): a tag whose name opens a raw-text element
    # is left to the alternatives below, in their order, as is everything else; so the first
    # alternative that matches is the one that matched before, found without trying twelve.
    raw_names = "|".join(("script", *_RAWTEXT_ELEMENTS, "plaintext"))
    ordinary = rf"<(?!(?:{raw_names})(?=[\t\n\f\r />]|\Z))/?[a-z][^\t\n\f\r />]*+{rest}"
    token = "|".join(
        (
            r"[^<]++",
            ordinary,
            r"<!--(?:-?>|(?:[^-]++|-(?!-!?>))*+(?:--!?>|\Z))",
            r"<[!?][^>]*+>?",
            r"</(?![a-z])[^>]*+>?",
            (
                rf"<script(?=[\t\n\f\r />]|\Z){raw}"
                rf"(?:[^<]++|<(?!!--|/script[\t\n\f\r />])|{_ESCAPED})*+"
            ),
            # One alternative per element: a backreference in a possessive repeat trips a bug
            # of Python's re ("The span of capturing group is wrong", 3.11).
            *(
                rf"<{name}(?=[\t\n\f\r />]|\Z){raw}(?:[^<]++|<(?!/{name}[\t\n\f\r />]))*+"
                for name in _RAWTEXT_ELEMENTS
            ),
            rf"<plaintext(?=[\t\n\f\r />]|\Z){raw}[\s\S]*+",
            rf"</?[a-z][^\t\n\f\r />]*+{rest}",
            r"<(?![a-z!?/])",
        )
    )
    return re.compile(rf"(?:{token})*+", re.IGNORECASE | re.ASCII)


def crowded_tag_at(text: str, max_attributes: int) -> int | None:
    """Where the first start (or end) tag with more than `max_attributes` attributes begins
    in `text`, else None. Counts attribute names, repeated ones too (an upper bound)."""
    end = _page_scanner(max_attributes).match(text).end()  # type: ignore[union-attr]
    return end if end < len(text) else None
