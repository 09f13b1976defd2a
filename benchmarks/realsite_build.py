"""The real-page site of benchmarks/realsite.py, built at run time in a temporary directory.

Article pages are the dev sets' saved pages (`<set>/html/<name>.html.gz`, gunzipped, bytes
unchanged), each under an article-like path (`/news/<year>/<slug>-<id>.html`); generated
listing pages (`/`, then `/news/list_N.html`, chained by a "next" link) link every article
once. The pages are read in place from ../shared/datasets and never copied into the project.

A page keeps the Content-Type its bytes need to decode as on its origin: one that declares
its charset in a `<meta>` near the top (where Scrapy, archiver and browsers look) is served
as plain `text/html`, so the declaration decides; one that does not is served with the
charset its bytes are in (a declaration further down, else UTF-8 when they are valid UTF-8),
as its origin's server must have sent for a browser to show it; otherwise nothing, and
clients sniff.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from w3lib.encoding import html_body_declared_encoding, resolve_encoding

SETS = ("trafilatura-dev", "magic-html-dev")
PER_PAGE = 20
# A charset declaration anywhere in the page, for pages whose one comes too late to count.
LATE_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9][-\w.:]*)", re.IGNORECASE)
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}")
DEFAULT_YEAR = "2024"
SLUG_CHARS = 48


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One saved page of a dev set and what its truth says about it."""

    file: Path
    """`html/<name>.html.gz`."""
    origin_url: str
    title: str | None
    date: str | None


@dataclass(frozen=True, slots=True)
class RealSite:
    root: Path
    articles: tuple[str, ...]
    """Site paths of the article pages."""
    listings: tuple[str, ...]
    """Site paths of the listing pages, the start page (`/`) first, in "next" order."""
    charsets: dict[str, str]
    """Site path -> charset its Content-Type names; a page not here is served as `text/html`."""

    @property
    def pages(self) -> int:
        """Every page a crawl of the site fetches."""
        return len(self.articles) + len(self.listings)


def source_pages(datasets: Path, sets: tuple[str, ...] = SETS) -> list[SourcePage]:
    """Every page of the sets, in name order, from each set's truth.json."""
    pages = []
    for name in sets:
        folder = datasets / name
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        for page, entry in sorted(truth.items()):
            title, date = entry.get("title"), entry.get("date")
            pages.append(
                SourcePage(
                    folder / "html" / f"{page}.gz",
                    entry["url"],
                    title if isinstance(title, str) else None,
                    date if isinstance(date, str) else None,
                )
            )
    return pages


def slug_of(url: str) -> str:
    """The last path segment of a URL, as lowercase ASCII words joined by `-` (may be empty)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    leaf = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    leaf = re.sub(r"\.\w{1,6}$", "", leaf)
    return re.sub(r"[^a-z0-9]+", "-", leaf.lower()).strip("-")[:SLUG_CHARS].strip("-")


def site_path(page: SourcePage) -> str:
    """`/news/<year>/<slug>-<id>.html`: the year of its date (or its URL), its URL's slug and
    a hash of its file name, which makes the path unique."""
    found = YEAR.search(page.date or "") or YEAR.search(
        urlsplit(page.origin_url).path if "://" in page.origin_url else ""
    )
    year = found[0] if found else DEFAULT_YEAR
    # File names are anything from 32 hex digits to a headline with spaces: a hash keeps it short.
    ident = hashlib.sha1(page.file.name.encode("utf-8")).hexdigest()[:10]
    slug = slug_of(page.origin_url)
    return f"/news/{year}/{slug}-{ident}.html" if slug else f"/news/{year}/{ident}.html"


def header_charset(body: bytes) -> str | None:
    """The charset to send with a page; None: `text/html` alone (see the module docstring)."""
    if html_body_declared_encoding(body) is not None:
        return None
    late = LATE_CHARSET.search(body)
    if late is not None and _decodes(body, late[1].decode("ascii")):
        return late[1].decode("ascii").lower()
    return "utf-8" if _decodes(body, "utf-8") else None


def _decodes(body: bytes, label: str) -> bool:
    try:
        body.decode(resolve_encoding(label) or label)
    except (LookupError, UnicodeDecodeError):
        return False
    return True


def listing_path(number: int) -> str:
    return "/" if number == 1 else f"/news/list_{number}.html"


def link_text(page: SourcePage, path: str) -> str:
    """The title, else the slug's words: archiver's generic listing reader wants 6+ characters."""
    title = " ".join((page.title or "").split())
    return (
        title
        if len(title) >= 6
        else path.rsplit("/", 1)[-1].removesuffix(".html").replace("-", " ")
    )


def listing_html(number: int, total: int, links: list[tuple[str, str]]) -> str:
    """A plain listing page: the links in `div.news-list`, the next page as `a.next[rel=next]`
    in `div.pagination` (what the bare spider follows and what archiver's generic reader finds)."""
    items = "".join(
        f'<li><a href="{html.escape(path)}">{html.escape(text)}</a></li>\n' for path, text in links
    )
    nxt = (
        f' <a class="next" rel="next" href="{listing_path(number + 1)}">Next</a>'
        if number < total
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>News, page {number}</title></head><body>
<header><nav><a href="/">Home</a></nav></header>
<main><h1>News</h1>
<div class="news-list"><ul>
{items}</ul></div>
<div class="pagination"><span class="current">{number}</span>{nxt}</div>
</main></body></html>
"""


def chunks(items: list[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _file_of(root: Path, path: str) -> Path:
    return root / ("index.html" if path == "/" else path.lstrip("/"))


def build_site(
    root: Path, sources: list[SourcePage], *, per_page: int = PER_PAGE, seed: int = 7
) -> RealSite:
    """Write the site under `root`; listings in a seeded shuffle, so both sets' pages mix."""
    links: list[tuple[str, str]] = []
    charsets: dict[str, str] = {}
    seen: set[str] = set()
    for page in sources:
        path = site_path(page)
        if path in seen:
            raise SystemExit(f"two pages map to {path}: {page.file}")
        seen.add(path)
        body = gzip.decompress(page.file.read_bytes())
        target = _file_of(root, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        charset = header_charset(body)
        if charset is not None:
            charsets[path] = charset
        links.append((path, link_text(page, path)))
    random.Random(seed).shuffle(links)
    pages = list(chunks(links, per_page)) or [[]]
    listings = tuple(listing_path(n) for n in range(1, len(pages) + 1))
    for number, chunk in enumerate(pages, start=1):
        target = _file_of(root, listing_path(number))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(listing_html(number, len(pages), chunk), encoding="utf-8")
    return RealSite(root, tuple(path for path, _ in links), listings, charsets)


def nginx_config(site: RealSite, port: int, workdir: Path, *, as_root: bool) -> str:
    """nginx in the foreground on 127.0.0.1:port, one worker, no access log, its temporary
    files under `workdir`; each page's charset (RealSite.charsets) through a map on the path."""
    charset_map = "".join(
        f"    {path} {charset};\n" for path, charset in sorted(site.charsets.items())
    )
    temp = " ".join(
        f"{kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx would run its worker as `nobody`, which cannot read a 0700 temp directory.
    user = "user root;\n" if as_root else ""
    return f"""daemon off;
{user}worker_processes 1;
pid {workdir / "nginx.pid"};
error_log stderr warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  {temp}
  types {{ text/html html; }}
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  # Keys are whole site paths (up to ~90 bytes): the default 64-byte buckets refuse them.
  map_hash_bucket_size 256;
  map_hash_max_size 4096;
  map $uri $page_charset {{
    default "";
{charset_map}  }}
  server {{
    listen 127.0.0.1:{port};
    root {site.root};
    index index.html;
    charset $page_charset;
  }}
}}
"""
