"""What a link's URL says about the page behind it, and which section a listing walks.

A listing links articles and much else: people (`/user/88231`, `/u/mira`, `/author/marta/`),
tags, categories, search, login, comments, the pager, date archives. `link_kind` reads only
the URL: `ARTICLE` when its leaf is an id, a slug of several words or comes after a date
(`/2024/0927/c1008-40321567.html`, `/posts/8812345/how-we-cut`, `/2024/08/14/vlan-tagging/`),
`NOT_ARTICLE` when its path or query names one of those other pages, `UNKNOWN` otherwise
(`/posts/makefiles/`, `/sourdough/`: the page's structure decides those).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, unquote, urlsplit

ARTICLE, UNKNOWN, NOT_ARTICLE = "article", "unknown", "not_article"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Path segments of pages that gate, search or group articles, never of an article itself.
NAV_SEGMENTS = _words(
    """tag tags tagged category categories label labels search login logon signin sign-in logout
    signout register signup sign-up join account accounts settings feed feeds rss atom comment
    comments reply replies share print sitemap wp-login wp-admin cart checkout subscribe
    newsletter newsletters followers following favorites favourites"""
)
# Segments naming a person: with at most two segments after them the page is that person's
# (`/user/88231/favorites`, `/users/20931/ola-nilsen`, `/people/dana-whitfield`).
PERSON_SEGMENTS = _words(
    """user users u author authors people person profile profiles member members space writer
    writers columnist columnists contributor contributors reporter reporters staff"""
)
# Segments that group articles but may also prefix one: `/topics/travel/` and
# `/archive/2024/09.html` list posts, `/archives/1234` is one.
COLLECTION_SEGMENTS = _words(
    "topic topics archive archives channel channels column columns section sections list lists"
)
# Segments after which the rest of the path is an article (`/user/x/article/details/123`).
ARTICLE_SEGMENTS = _words(
    "article articles post posts p a blog story stories details detail status"
)
# The leaf of a listing page itself: `index_3.html`, `list_2.html`, `default.aspx`.
INDEX_LEAF = re.compile(r"(index|default|list|home|main)([_-]\d+)*", re.IGNORECASE)
PAGE_QUERY = _words("page paged pg pageno pagenum pn pageindex start offset")
SEARCH_QUERY = _words("q s query keyword keywords kw wd search searchword replytocom")
# Query parameters that name one document: `?p=123` (WordPress), `view.php?id=88`.
ID_QUERY = _words(
    "p id aid nid tid docid newsid articleid article_id itemid contentid postid post_id "
    "storyid story_id"
)
EXTENSIONS = re.compile(r"\.(s?html?|php|aspx?|jsp|cgi)$", re.IGNORECASE)
YEAR = re.compile(r"(19|20)\d{2}")
MONTH_NAMES = _words("jan feb mar apr may jun jul aug sep sept oct nov dec")
# A date written in one segment: 20240927, 202409, 2024-09-27, 2024_09.
DATE_SEGMENT = re.compile(r"(19|20)\d{2}([-_]?[01]\d)([-_]?[0-3]\d)?")
ID_TOKEN = re.compile(r"[a-z]{0,3}\d{5,}|\d{4,}", re.IGNORECASE)
# Hash-like ids: `abc123def456`, `ADE9106D`; at least three digits among letters.
HASH_TOKEN = re.compile(r"(?=(?:[a-z]*\d){3})[a-z\d]{8,}", re.IGNORECASE)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@functools.lru_cache(maxsize=8192)
def link_kind(url: str) -> str:
    """ARTICLE, NOT_ARTICLE or UNKNOWN for an absolute http(s) URL, from its path and query."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return NOT_ARTICLE
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if any(k in SEARCH_QUERY for k in query):
        return NOT_ARTICLE
    if any(k in ID_QUERY and v.isdigit() for k, v in query.items()):
        return ARTICLE
    kind = _path_kind([s.lower() for s in segments])
    if kind != NOT_ARTICLE and any(k in PAGE_QUERY for k in query):
        return NOT_ARTICLE  # `/news?page=2`, `/lin-yao/default.html?page=2`
    return kind


def _path_kind(segments: list[str]) -> str:
    if not segments:
        return NOT_ARTICLE
    stems = [EXTENSIONS.sub("", s) for s in segments]
    leaf, has_extension = stems[-1], stems[-1] != segments[-1]
    if any(s in NAV_SEGMENTS for s in stems) or _person_page(stems) or _pager(stems):
        return NOT_ARTICLE
    if INDEX_LEAF.fullmatch(leaf) or _all_dates(stems):
        return NOT_ARTICLE  # `/shehui/index_3.html`, `/2024/09/`, `/archive/2024/09.html`
    if any(s in COLLECTION_SEGMENTS for s in stems):
        after = stems[max(i for i, s in enumerate(stems) if s in COLLECTION_SEGMENTS) + 1 :]
        if not after or _all_dates(after) or not _leaf_names_one(after[-1]):
            return NOT_ARTICLE  # `/topics/travel/`, `/lin-yao/archive/2024/09/27.html`
    if len(segments) == 1 and not has_extension:
        # `/the-last-ferry-to-inishmore/` is a post; `/sourdough/` or `/about-us` a post or a
        # page; `/weixin_43987112` a person.
        return ARTICLE if (leaf.isdigit() and len(leaf) >= 5) or _slug(leaf) else UNKNOWN
    if _leaf_names_one(leaf) or _after_date(stems):
        return ARTICLE
    return UNKNOWN


def _person_page(stems: list[str]) -> bool:
    for i, s in enumerate(stems):
        rest = stems[i + 1 :]
        if s.startswith("@") and not rest:
            return True  # `/@mira`; `/@mira/some-post-1a2b3c` is a post
        if s in PERSON_SEGMENTS and len(rest) <= 2 and not any(r in ARTICLE_SEGMENTS for r in rest):
            return True
    return False


def _pager(stems: list[str]) -> bool:
    """`/page/2/`, `/category/x/page/3`, `/article/list/2`."""
    return any(
        s in ("page", "list") and i + 1 < len(stems) and stems[i + 1].isdigit()
        for i, s in enumerate(stems)
    )


def _leaf_names_one(leaf: str) -> bool:
    """An id (`18436521`, `t20240927_4410322`, `c1008-40321567`) or a slug of three or more
    words."""
    tokens = [t for t in re.split(r"[-_.~+,]+", leaf) if t]
    if any(ID_TOKEN.fullmatch(t) or HASH_TOKEN.fullmatch(t) for t in tokens):
        return True
    return _slug(leaf)


def _slug(leaf: str) -> bool:
    """Three words or more (`vlan-tagging-on-a-budget-switch`), or four CJK characters."""
    words = [t for t in re.split(r"[-_.~+,]+", leaf) if t.isalpha()]
    return len(words) >= 3 or len(CJK.findall(leaf)) >= 4


def _date_piece(segment: str, index: int, stems: list[str]) -> bool:
    """A year, a month, a day (after a year), or a whole date in one segment."""
    if YEAR.fullmatch(segment) or DATE_SEGMENT.fullmatch(segment):
        return True
    after_year = index > 0 and any(
        YEAR.fullmatch(s) or DATE_SEGMENT.fullmatch(s) for s in stems[:index]
    )
    if not after_year:
        return False
    return segment in MONTH_NAMES or (segment.isdigit() and len(segment) <= 4)


def _all_dates(stems: list[str]) -> bool:
    return all(_date_piece(s, i, stems) for i, s in enumerate(stems))


def _after_date(stems: list[str]) -> bool:
    """`/2024/08/14/vlan-tagging/`, `/business/2024/sep/27/x`, `/shehui/2024/0927/c1008-1.html`:
    a leaf after date segments."""
    dated = [i for i, s in enumerate(stems) if YEAR.fullmatch(s) or DATE_SEGMENT.fullmatch(s)]
    return (
        bool(dated)
        and dated[0] < len(stems) - 1
        and not _date_piece(stems[-1], len(stems) - 1, stems)
    )


def listing_section(url: str) -> str:
    """The path prefix a listing's pages share: `/opinion/` for `/opinion/page/12/`,
    `/shehui/` for `/shehui/index_2.html`, `/news` for `/news?page=1`."""
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return "/"
    leaf = path.rsplit("/", 1)[1]
    if "." in leaf or leaf.isdigit():
        path = path[: len(path) - len(leaf)]
    return _PAGE_TAIL.sub("/", path) or "/"


_PAGE_TAIL = re.compile(r"(/(page|p|pages))?/\d+/?$")


def in_section(url: str, section: str) -> bool:
    """Whether `url`'s path lies under a listing's section (see listing_section)."""
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return False
    if section.endswith("/"):
        return path.startswith(section) or path == section.rstrip("/")
    return path == section or path.startswith(section + "/")


def common_section(urls: list[str]) -> str:
    """The directories a list's URLs share, up to the first date in them: `/business/`
    for `/business/2024/sep/26/x` and `/business/2024/sep/27/y`. From fewer than three
    URLs only the first directory is trusted."""
    paths = [_directories(u) for u in urls]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) > 1 or _dated(parts[0]):
            break
        common.append(parts[0])
    if len(urls) < 3:
        common = common[:1]
    return "/" + "".join(f"{d}/" for d in common)


def _directories(url: str) -> list[str]:
    try:
        path = urlsplit(url).path
    except ValueError:
        return []
    return [s for s in path.split("/")[1:-1] if s]


def _dated(segment: str) -> bool:
    lowered = segment.lower()
    return (
        bool(YEAR.fullmatch(lowered) or DATE_SEGMENT.fullmatch(lowered)) or lowered in MONTH_NAMES
    )
