"""URL helpers shared by extraction, the spider and the dedup pipeline. Pure functions."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

# Query parameters that say how a visitor arrived, never which document it is.
TRACKING_PARAMS = frozenset(
    {
        "spm", "fbclid", "gclid", "dclid", "yclid", "msclkid", "mc_cid", "mc_eid", "igshid",
        "ops_request_misc", "request_id", "biz_id", "_hsenc", "_hsmi", "share_token", "from_wecom",
    }
)
WEB_SCHEMES = frozenset({"http", "https"})


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    # CSDN writes e.g. `depth_1-utm_source`; plain sites write `utm_source`.
    return lowered in TRACKING_PARAMS or "utm_" in lowered


def strip_tracking(url: str) -> str:
    """`url` without tracking parameters and without a fragment (neither changes the page)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_tracking_param(k)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def dedup_key(url: str) -> str:
    """The URL identity used for deduplication: tracking stripped, then w3lib-canonicalised."""
    return canonicalize_url(strip_tracking(url))


def resolve(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL for `href` on a page at `base`; None for other schemes or junk."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        joined = safe_url_string(urljoin(base, href))
        scheme = urlsplit(joined).scheme
    except ValueError:
        # e.g. `http://[bad` raises "Invalid IPv6 URL".
        return None
    # A saved page opened from disk may link to its neighbours on disk; nothing else may.
    allowed = WEB_SCHEMES | ({"file"} if base.startswith("file:") else set())
    return joined if scheme in allowed else None


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
