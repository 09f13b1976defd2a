"""The fast paths of URL resolution give exactly what the w3lib/urllib round trip gives."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st
from w3lib.url import safe_url_string

from archiver.extract import urls

BASES = [
    "http://b.com/x/y.html",
    "https://c.org/",
    "http://127.0.0.1:8765/news/1.html",
    "http://b.com/a?x=1",
    "http://b.com",
    "http://u:p@b.com/x/",
    "https://c.org/a/b/",
    "http://b.com/x/y.html#f",
    "http://B.com/x/",
    "http://b.com/x;p/y",
    "http://b.com/a//b/c",
    "http://b.com/a/./b/c",
    "http://b.com/a/..",
]
PIECES = st.sampled_from(
    [
        "a",
        "Z9",
        "-",
        "_",
        ".",
        "..",
        "/",
        "//",
        "?",
        "#",
        ";",
        "%",
        "%41",
        "%zz",
        "'",
        " ",
        "\\",
        "é",
        "中",
        "http://",
        "https://",
        "HTTP://",
        "a.com",
        "xn--fiqs8s.cn",
        ":80",
        ":99999",
        "@",
        "&",
        "=",
        "~",
    ]
)


def reference(base: str, href: str) -> str | None:
    """resolve() as it was before the fast paths: urljoin, then safe_url_string, always."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    scheme = urls._SCHEME.match(href)
    if scheme and scheme.group(1).lower() not in urls.WEB_SCHEMES | {"file"}:
        return None
    try:
        joined = safe_url_string(urljoin(base, href))
        parts = urlsplit(joined)
        parts.port  # noqa: B018
    except ValueError:
        return None
    if parts.scheme == "file":
        return joined if base.startswith("file:") else None
    return joined if parts.scheme in urls.WEB_SCHEMES and urls.valid_host(parts.hostname) else None


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(BASES), st.lists(PIECES, max_size=12).map("".join))
def test_resolve_equals_the_full_round_trip(base: str, href: str) -> None:
    assert urls.resolve(base, href) == reference(base, href)


def test_fast_paths_are_taken_for_ordinary_links() -> None:
    assert (
        urls._plain_join("http://b.com/news/1.html", "/news/2.html") == "http://b.com/news/2.html"
    )
    assert urls._plain_join("http://b.com/news/1.html", "2.html") == "http://b.com/news/2.html"
    assert urls._plain_join("http://b.com/news/1.html", "../2.html") is None
    assert (
        urls.resolve("http://b.com/news/1.html", "https://a.com/x?y=1#z") == "https://a.com/x?y=1#z"
    )


@given(st.sampled_from(BASES), st.lists(PIECES, max_size=8).map("".join))
@example("http://b.com/a/..", "..")  # canonicalisation resolves the dot segment: both are /
@settings(max_examples=500, deadline=None)
def test_self_links_agree_with_dedup_key(url: str, path: str) -> None:
    other = urls.resolve(url, path) or url
    own = urls.SelfLinks(url)
    assert own.holds(other) == (urls.dedup_key(other) == urls.dedup_key(url))
