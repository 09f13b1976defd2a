"""Golden files: expected JSON beside each fixture page, with the inputs (url, fetched_at).

`<page>.article.json`: {"input": {"url", "fetched_at"}, "expected": record or null}
`<page>.listing.json`: {"input": {"url"}, "expected": {"article_urls", "next_page_url"}}
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.extract import parse_listing, parse_page
from archiver.serialize import article_to_dict

KINDS = ("article", "listing")
PAGE_SUFFIXES = (".html", ".htm", ".html.gz")


@dataclass(frozen=True, slots=True)
class GoldenCase:
    kind: str
    page: Path
    golden: Path
    input: dict[str, Any]
    expected: Any

    @property
    def id(self) -> str:
        return self.golden.as_posix()


def page_for(golden: Path, kind: str) -> Path:
    stem = golden.name.removesuffix(f".{kind}.json")
    for suffix in PAGE_SUFFIXES:
        candidate = golden.with_name(stem + suffix)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{golden}: no page {stem}.html beside it")


def read_bytes(page: Path) -> bytes:
    data = page.read_bytes()
    return gzip.decompress(data) if page.name.endswith(".gz") else data


def cases(root: Path) -> list[GoldenCase]:
    found = []
    for kind in KINDS:
        for golden in sorted(root.rglob(f"*.{kind}.json")):
            data = json.loads(golden.read_text(encoding="utf-8"))
            found.append(
                GoldenCase(kind, page_for(golden, kind), golden, data["input"], data["expected"])
            )
    return found


def actual(case_kind: str, page: Path, inputs: dict[str, Any]) -> Any:
    """What the code produces today for a page, in the golden file's JSON shape."""
    html = read_bytes(page)
    if case_kind == "listing":
        listing = parse_listing(html, inputs["url"])
        return {"article_urls": list(listing.article_urls), "next_page_url": listing.next_page_url}
    article = parse_page(html, inputs["url"], fetched_at=inputs["fetched_at"]).article
    return article_to_dict(article) if article else None


def dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def write(page: Path, kind: str, inputs: dict[str, Any]) -> Path | None:
    """Write the golden file for `page`; return its path when the content changed."""
    golden = page.with_name(page.name.split(".")[0] + f".{kind}.json")
    text = dump({"input": inputs, "expected": actual(kind, page, inputs)})
    if golden.exists() and golden.read_text(encoding="utf-8") == text:
        return None
    golden.write_text(text, encoding="utf-8")
    return golden


def regenerate(root: Path) -> list[Path]:
    return [p for c in cases(root) if (p := write(c.page, c.kind, c.input)) is not None]
