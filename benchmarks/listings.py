"""Listing extraction: article links (recall, precision) and the next page, per page and in all.

    python benchmarks/listings.py            # the hand-written pages of fixtures/listings
    python benchmarks/listings.py -v         # also every missed and extra URL, wrong next pages
    python benchmarks/listings.py --derived  # also listings made at run time from the dev sets

`--derived` takes each page of ../shared/datasets (real sites' headers, menus, sidebars,
related blocks, footers), replaces the article's paragraphs, in memory only, by a synthetic
list of links with a pager, and asks parse_listing for the links: every link it gives from
the page's own furniture is a false positive, so precision there says how well sidebars, menus
and footers are kept out. Nothing derived is written to disk.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parent))

from listing_score import ListingScore, Totals, score_listing, totals
from suite_data import DATASETS, SUITES

from archiver import parse_listing
from archiver.extract.listing import parse_listing_page
from archiver.tools import golden

ROOT = Path(__file__).resolve().parent.parent
LISTINGS = ROOT / "fixtures" / "listings"
SYNTHETIC_ITEMS = 8
FURNITURE = frozenset({"header", "footer", "aside", "nav"})


def fixture_scores(root: Path = LISTINGS) -> list[ListingScore]:
    scores = []
    for case in golden.cases(root):
        if case.kind != "listing":
            continue
        listing = parse_listing(golden.read_bytes(case.page), case.input["url"])
        expected = case.expected
        scores.append(
            score_listing(
                case.page.stem,
                expected["article_urls"],
                listing.article_urls,
                expected["next_page_url"],
                listing.next_page_url,
            )
        )
    return scores


def derived_scores(datasets: Path) -> Iterator[tuple[str, ListingScore]]:
    for suite in SUITES:
        for case in suite.load(datasets / suite.name):
            made = _derive(case.html, case.url, case.id)
            if made is None:
                continue
            page, url, expected, next_url = made
            # Generic layer only: a template profile would read the article page's own markup.
            listing = parse_listing_page(page, url, profiles=())
            yield (
                suite.name,
                score_listing(
                    f"{suite.name}/{case.id}",
                    expected,
                    listing.article_urls,
                    next_url,
                    listing.next_page_url,
                ),
            )


def _derive(html: bytes, article_url: str, name: str) -> tuple[bytes, str, list[str], str] | None:
    """The page with its paragraphs' container replaced by a list of links and a pager."""
    if not article_url.startswith(("http://", "https://")):
        return None  # trafilatura's `hard::` pages have no URL
    try:
        root = lxml_html.document_fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    holder = max(
        root.iter("div", "section", "article", "td", "main"), default=None, key=_paragraph_text
    )
    if (
        holder is None
        or not _paragraph_text(holder)
        or any(_furniture(a) for a in holder.iterancestors())
    ):
        # No paragraphs, or the longest are in a header, a sidebar or hidden: no main list to make.
        return None
    section = article_url.split("?")[0].rsplit("/", 1)[0] + "/"
    shape = sum(name.encode()) % 3
    urls = [_synthetic_url(section, shape, i) for i in range(SYNTHETIC_ITEMS)]
    for child in list(holder):
        holder.remove(child)
    holder.text = None
    items = "".join(
        f'<li class="entry"><h3><a href="{u}">Synthetic headline number {i} for the list</a></h3>'
        "<p>A teaser sentence of the listed story, long enough to read as one.</p>"
        f"<span>2024-06-{i + 1:02d}</span></li>"
        for i, u in enumerate(urls)
    )
    next_url = section + "?page=2"
    block = lxml_html.fragment_fromstring(
        f'<div><ul class="entries">{items}</ul><div class="pages"><span class="current">1</span>'
        f'<a href="{next_url}">2</a><a href="{next_url}">Next</a></div></div>'
    )
    holder.append(block)
    return lxml_html.tostring(root, encoding="utf-8"), section, urls, next_url


def _furniture(el: lxml_html.HtmlElement) -> bool:
    return el.tag in FURNITURE or el.get("hidden") is not None or "none" in el.get("style", "")


def _paragraph_text(el: lxml_html.HtmlElement) -> int:
    return sum(len(c.text_content()) for c in el if c.tag == "p")


def _synthetic_url(section: str, shape: int, i: int) -> str:
    if shape == 0:
        return f"{section}2024/06/{i + 1:02d}/synthetic-story-number-{i}/"
    if shape == 1:
        return f"{section}{9_100_000 + i}.html"
    return f"{section}synthetic-story-about-item-{i}"


def row(label: str, t: Totals) -> str:
    return (
        f"| {label} | {t.pages} | {t.recall:.3f} ({t.tp}/{t.tp + t.fn}) | "
        f"{t.precision:.3f} ({t.tp}/{t.tp + t.fp}) | {t.next_right}/{t.pages} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list missed and extra URLs, wrong next pages"
    )
    parser.add_argument(
        "--derived", action="store_true", help="also listings derived from the dev sets (in memory)"
    )
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    args = parser.parse_args(argv)
    print("| pages | n | recall | precision | next right |\n|---|---|---|---|---|")
    scores = fixture_scores()
    for s in scores:
        print(row(s.name, totals([s])))
    print(row("**fixtures/listings**", totals(scores)))
    derived: dict[str, list[ListingScore]] = {}
    if args.derived:
        for suite, s in derived_scores(args.datasets):
            derived.setdefault(suite, []).append(s)
        for suite, group in derived.items():
            print(row(f"derived from {suite}", totals(group)))
    if args.verbose:
        for s in scores + [s for group in derived.values() for s in group]:
            _explain(s)
    return 0


def _explain(s: ListingScore) -> None:
    lines = [f"  missed {u}" for u in s.missed] + [f"  extra  {u}" for u in s.extra]
    if not s.next_right:
        lines.append(f"  next   {s.next_got} (expected {s.next_expected})")
    if lines:
        print(s.name, *lines, sep="\n")


if __name__ == "__main__":
    raise SystemExit(main())
