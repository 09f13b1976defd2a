"""Titles on hand-made pages: the headline shown, less the site's name, by evidence."""

from __future__ import annotations

import pytest

from archiver.extract.parse import parse_page
from archiver.extract.titles import title_from_url

FETCHED_AT = "2024-09-30T08:00:00Z"
URL = "https://www.harbourtimes.example/2024/09/29/ferry-timetable"
TEXT = (
    "The ferry company will run an extra crossing every evening from October, after a summer in "
    "which the last boat was full on most days and dozens of passengers were left on the quay. "
) * 3


def page(head: str, heading: str = "", url: str = URL) -> str:
    return (
        f"<html lang='en'><head><meta charset='utf-8'>{head}</head><body>"
        "<div class='masthead'><a href='/'><img src='/logo.png' alt='Harbour Times'></a></div>"
        f"<div class='story'>{heading}<p>{TEXT}</p><p>{TEXT}</p></div></body></html>"
    )


def title_of(html: str, url: str = URL) -> str | None:
    article = parse_page(html, url, fetched_at=FETCHED_AT, profiles=()).article
    assert article is not None
    return article.title


@pytest.mark.parametrize(
    "head",
    [
        # the site's name as og:site_name, the publisher, the link home, the feed's title, the host
        (
            "<title>Evening ferry added | The Harbour Times</title>"
            "<meta property='og:site_name' content='The Harbour Times'>"
        ),
        # the logo's alt text in the link home
        "<title>Evening ferry added - Harbour Times</title>",
        "<title>Evening ferry added – harbourtimes.example</title>",
        "<title>Evening ferry added :: HarbourTimes Online</title>",
        # and a tagline
        "<title>Evening ferry added | Harbour Times | Your port, your paper</title>",
        "<title>Harbour Times - Evening ferry added</title>",  # a prefix
        (
            "<title>Evening ferry added - Port News</title>"
            "<link rel='alternate' type='application/rss+xml' title='Port News &raquo; Feed' "
            "href='/feed/'>"
        ),
        (
            "<title>Evening ferry added</title>"
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "headline": "Evening ferry added | Daily Port", "publisher": {"@type": '
            '"Organization",'
            ' "name": "Daily Port"}}</script>'
        ),
    ],
)
def test_the_site_name_is_cut_by_evidence(head: str) -> None:
    assert title_of(page(head)) == "Evening ferry added"


def test_without_evidence_a_dash_is_part_of_the_title() -> None:
    # No page names a site `Timetable changes`: it may be the headline's own second half.
    assert title_of(page("<title>Evening ferry added - Timetable changes</title>")) == (
        "Evening ferry added - Timetable changes"
    )


def test_the_visible_headline_wins_when_the_metadata_agrees() -> None:
    head = "<meta property='og:title' content='Extra evening ferry from October'>"
    heading = "<h1>Extra evening ferry from October, after a crowded summer</h1>"
    assert (
        title_of(page(head, heading)) == "Extra evening ferry from October, after a crowded summer"
    )


def test_a_kicker_before_the_headline_is_left_out() -> None:
    head = "<meta property='og:title' content='Extra evening ferry from October'>"
    heading = "<h1><span class='kicker'>Transport</span> Extra evening ferry from October</h1>"
    assert title_of(page(head, heading)) == "Extra evening ferry from October"


@pytest.mark.parametrize(
    "heading",
    [
        "<h1>Harbour Times</h1>",  # the logo, named like the site
        "<h1>Lorem</h1>",  # a heading that has nothing to do with the page's title
    ],
)
def test_an_h1_that_disagrees_with_the_title_is_not_the_headline(heading: str) -> None:
    html = page("<title>Evening ferry added | Harbour Times</title>", heading)
    assert title_of(html) == "Evening ferry added"


def test_an_og_title_naming_the_site_is_no_title() -> None:
    head = (
        "<meta property='og:title' content='Harbour Times'>"
        "<meta property='og:site_name' content='Harbour Times'>"
        "<title>Evening ferry added | Harbour Times</title>"
    )
    assert title_of(page(head)) == "Evening ferry added"


def test_a_template_title_yields_to_the_h1_sentence() -> None:
    # No article metadata, and the <title> is the template's (the same on every page).
    head = "<title>Ferries • Buses • Trains | Harbour Times</title>"
    heading = "<h1>One more crossing every evening from October</h1>"
    assert title_of(page(head, heading)) == "One more crossing every evening from October"


@pytest.mark.parametrize(
    "raw",
    ["Evening ferry added Evening ferry added", "Evening ferry added | Evening ferry added"],
)
def test_a_title_said_twice_is_said_once(raw: str) -> None:
    assert title_of(page(f"<title>{raw}</title>")) == "Evening ferry added"


def test_soft_hyphens_are_dropped() -> None:
    assert title_of(page("", "<h1>Fähr\u00adverbindung am Abend</h1>")) == "Fährverbindung am Abend"


@pytest.mark.parametrize(
    "raw",
    [
        "港口夜班渡轮十月起加开_交通_港城网",
        "港口夜班渡轮十月起加开-港城新闻频道",
        "港口夜班渡轮十月起加开_港城日报",
    ],
)
def test_chinese_site_and_channel_suffixes(raw: str) -> None:
    assert title_of(page(f"<title>{raw}</title>")) == "港口夜班渡轮十月起加开"


def test_the_chain_without_title_or_h1() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Evening '
        'ferry added"}</script>'
    )
    assert title_of(page(ld)) == "Evening ferry added"
    assert title_of(page("", "<h2>Evening ferry added</h2>")) == "Evening ferry added"
    assert title_of(page("")) == "Ferry timetable"


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "https://a.example/reisen/der-historische-purzelbaum-20215/",
            "Der historische purzelbaum",
        ),
        ("https://a.example/tipp/1918/Tomaten-richtig-schneiden.html", "Tomaten richtig schneiden"),
        ("https://a.example/news/a1b2c3d4e5f6", None),
        ("https://a.example/index.php?id=4", None),
        ("https://a.example/", None),
    ],
)
def test_title_from_url(url: str, expected: str | None) -> None:
    assert title_from_url(url) == expected
