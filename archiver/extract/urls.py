"""URL helpers shared by extraction, the spider and the dedup pipeline. Pure functions."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

# Query parameters that say how a visitor arrived, never which document it is.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "fbclid",
        "gclid",
        "dclid",
        "yclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ops_request_misc",
        "request_id",
        "biz_id",
        "_hsenc",
        "_hsmi",
        "share_token",
        "from_wecom",
    }
)
# Query (and `;name=value` path) parameters that carry a server session, never which
# document it is: a site that writes a fresh one into every link is an endless crawl.
SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sessionid", "session_id", "sessid", "sid"})
# ASP: ASPSESSIONIDQQGGQGRB and the like.
SESSION_PARAM_PREFIXES = ("aspsessionid",)
# `sid` is also a story id on some sites (`sid=04/12/01/1234`, `sid=123`): it is a session
# only when it looks like a session token.
_AMBIGUOUS_SESSION_PARAMS = frozenset({"sid"})
_SESSION_TOKEN = re.compile(r"[A-Za-z0-9_.,-]{16,}")
_MAY_HOLD_SESSION = re.compile(r"sess|sid", re.IGNORECASE)
_PATH_SESSION = re.compile(
    r";(?:jsessionid|phpsessid|sessionid|session_id|sessid|sid)=[^/;?#]*", re.IGNORECASE
)
WEB_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# Dot-separated labels of 1-63 letters, digits, `-` (not at either end) or `_` (seen in the
# wild); rejects `http://a b/`, `http://%zz/`, `http://xn--/` and 300-character labels.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\.?", re.IGNORECASE)
# An absolute http(s) URL that safe_url_string and urlsplit/urlunsplit leave exactly as it
# is: lower-case scheme, a plain host, an optional port, a path, then only URL-safe
# characters and well-formed %XX escapes (no `'` after the path, which w3lib escapes there),
# no empty `?` or `#` at the end. Most links on real pages look
# like this, and checking it is 20x cheaper than the w3lib round trip. Runs of safe
# characters are taken whole and never given back (`++`, `*+`): no part can end on a
# character the next part needs, so the language is the same, matched in 1/3 of the time
# (a character at a time through the alternation, a 100-character URL took 2 us).
_PLAIN_URL = re.compile(
    rf"(https?)://((?:{_LABEL}\.)*{_LABEL})(?::(\d{{1,5}}))?"
    r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]++|%[0-9A-Fa-f]{2})*+"
    r"(?:\?(?:[A-Za-z0-9\-._~!$&()*+,;=:@/?]++|%[0-9A-Fa-f]{2})++)?"
    r"(?:#(?:[A-Za-z0-9\-._~!$&()*+,;=:@/?]++|%[0-9A-Fa-f]{2})++)?"
)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    # CSDN writes e.g. `depth_1-utm_source`; plain sites write `utm_source`.
    return lowered in TRACKING_PARAMS or "utm_" in lowered


def strip_tracking(url: str) -> str:
    """`url` without tracking parameters and without a fragment (neither changes the page)."""
    if "?" not in url and "#" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # `http://[bad`: not a URL extraction would have produced
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_tracking_param(k)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def is_session_param(name: str, value: str, extra: frozenset[str] = frozenset()) -> bool:
    lowered = name.lower()
    if lowered in _AMBIGUOUS_SESSION_PARAMS:
        return _SESSION_TOKEN.fullmatch(value) is not None
    return (
        lowered in SESSION_PARAMS or lowered in extra or lowered.startswith(SESSION_PARAM_PREFIXES)
    )


def strip_session_ids(url: str, extra: frozenset[str] = frozenset()) -> str:
    """`url` without session-id query parameters (SESSION_PARAMS, and the lower-case names in
    `extra`) and without `;jsessionid=…` path parameters."""
    if not extra and _MAY_HOLD_SESSION.search(url) is None:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # `http://[bad`: not a URL extraction would have produced
        return url
    path = _PATH_SESSION.sub("", parts.path) if ";" in parts.path else parts.path
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_session_param(k, v, extra)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def dedup_key(url: str) -> str:
    """The URL identity used for deduplication: tracking and session ids stripped, then
    w3lib-canonicalised."""
    return canonicalize_url(strip_session_ids(strip_tracking(url)))


def resolve(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL for `href` on a page at `base`; None for other schemes or junk."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    scheme = _SCHEME.match(href)
    if scheme and scheme.group(1).lower() not in WEB_SCHEMES | {"file"}:
        # `data:` / `javascript:` answered before urljoin: a 10 MB data: URL costs nothing.
        return None
    try:
        # An absolute plain URL is its own answer (urljoin drops an empty `;` parameter).
        plain = None if ";" in href else _PLAIN_URL.fullmatch(href)
        joined = href if plain else _plain_join(base, href) or urljoin(base, href)
        plain = plain or _PLAIN_URL.fullmatch(joined)
        if plain and len(plain.group(2)) <= 253 and int(plain.group(3) or 0) <= 65535:
            return joined
        joined = safe_url_string(joined)
        parts = urlsplit(joined)
        parts.port  # noqa: B018 - raises ValueError for `:99999`
    except ValueError:
        # e.g. `http://[bad` raises "Invalid IPv6 URL".
        return None
    if parts.scheme == "file":
        # A saved page opened from disk may link to its neighbours on disk; nothing else may.
        return joined if base.startswith("file:") else None
    return joined if parts.scheme in WEB_SCHEMES and valid_host(parts.hostname) else None


def _plain_join(base: str, href: str) -> str | None:
    """urljoin's answer for the common cases, without its parse/unparse round trip: a
    root-relative path, or a plain relative path (no dot segments, no query or fragment on
    its own); None where urljoin must decide. (A plain absolute URL `resolve` answers itself.)"""
    if not _plain_base(base) or not _PLAIN_REF.fullmatch(href):
        return None
    if href.startswith("/"):
        origin = base[: base.index("/", base.index("//") + 2)]
        return origin + href
    return base[: base.rindex("/") + 1] + href


# A page resolves all its links against one base: its check is remembered.
@functools.lru_cache(maxsize=256)
def _plain_base(base: str) -> bool:
    return _PLAIN_BASE.fullmatch(base) is not None


# A base URL _plain_join can cut at its slashes: scheme://host/path, no query, fragment,
# `;`, `//` run or dot segment in the path.
_PLAIN_BASE = re.compile(r"https?://[^/?#@\\;]+(?!.*//)(?!.*/\.{1,2}(?:/|$))/[^?#\\;]*")
# A path reference: no scheme, no dot segment, no query or fragment, and none of what
# urljoin rewrites in paths (`//` runs, `;` parameters, backslashes, whitespace).
_PLAIN_REF = re.compile(
    r"(?![A-Za-z][A-Za-z0-9+.-]*:)(?!\.{1,2}(?:/|$))(?!.*/\.{1,2}(?:/|$))(?!.*//)[^?#;\\\s]+"
)


class SelfLinks:
    """Whether a link leads back to the page itself: its URL or canonical URL, compared by
    `dedup_key`. Canonicalising every related link cost more than the rest of the related
    block; a link whose (unquoted) path differs from both cannot share their key, so only
    a link with the same path is canonicalised."""

    def __init__(self, *urls: str) -> None:
        self._urls = urls
        self._paths = {_path_of(u) for u in urls}
        self._keys: set[str] | None = None

    def holds(self, url: str) -> bool:
        if url in self._urls:
            return True
        path = _path_of(url)
        # None: a dot segment, which canonicalisation resolves (`/a/..` is `/`).
        if path is not None and None not in self._paths and path not in self._paths:
            return False
        if self._keys is None:
            self._keys = {dedup_key(u) for u in self._urls}
        return dedup_key(url) in self._keys


def _path_of(url: str) -> str | None:
    path = _PATH.match(url)
    found = path.group(1) if path else url
    found = (unquote(found) if "%" in found else found) or "/"
    return None if "/." in found else found


# The path of an absolute URL: after `scheme://host`, up to the query or fragment.
_PATH = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)")


def valid_host(host: str | None) -> bool:
    """A DNS name (IDNA-encoded, as safe_url_string leaves it) or an IP literal."""
    if not host:
        return False
    if ":" in host:  # urlsplit already checked the brackets of an IPv6 literal
        return True
    return len(host) <= 253 and _HOST.fullmatch(host) is not None


# A page asks for its own site several times (profile hosts, the record, every same-site
# check of a listing's links): urlsplit and its host and port cost ~6 us each time.
@functools.lru_cache(maxsize=4096)
def site_of(url: str) -> str:
    """Host (and non-default port) of `url`, lower case: the `site` of a record."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    return f"{host}:{port}" if port else host


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on one host, ignoring a leading `www.`."""
    return site_of(a).removeprefix("www.") == site_of(b).removeprefix("www.")
