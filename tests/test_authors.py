"""Authors on hand-made pages: a person's name, never a label, a date, an email, a number, a
host, the site's name where a person is named, an editor (责任编辑) or a source (来源)."""

from __future__ import annotations

import pytest

from archiver.extract.authors import clean_author
from archiver.extract.parse import parse_page

FETCHED_AT = "2024-09-30T08:00:00Z"
URL = "https://harbour-news.example.org/story/ferry-timetable"
TEXT = (
    "The ferry company will run an extra crossing every evening from October, after a summer in "
    "which the last boat was full on most days and dozens of passengers were left on the quay. "
) * 3


def author(head: str = "", header: str = "") -> str | None:
    html = (
        "<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Evening ferry added</title>{head}</head><body>"
        f"<div class='story'><h1>Evening ferry added</h1>{header}<p>{TEXT}</p><p>{TEXT}</p>"
        "</div></body></html>"
    )
    article = parse_page(html, URL, fetched_at=FETCHED_AT).article
    assert article is not None
    return article.author


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Posted by Ann Berg", "Ann Berg"),
        ("By Ann Berg | May 3, 2024 12:01 PM Print this article", "Ann Berg"),
        ("by Ann Berg @annberg Nov 18, 2019 at 9:24 pm ET • 2 min read", "Ann Berg"),
        ("Author: Ann Berg", "Ann Berg"),
        ("Von: Ann Berg", "Ann Berg"),
        ("HARBOUR NEWS STAFF NOVEMBER 20, 2019 10:43", "HARBOUR NEWS STAFF"),
        ("Ann Berg Ann Berg", "Ann Berg"),  # a name and its link's text
        ("Ann Berg publiziert am 3. Mai", "Ann Berg"),
        ("Redacci&oacute;n Hafenblatt", "Redacción Hafenblatt"),
        ("作者：林一舟 责任编辑：王五", "林一舟"),
        ("本报记者 林一舟", "林一舟"),
        ("文/林一舟", "林一舟"),
        ("ann.berg@example.org", None),
        ("105464", None),
        ("www.harbour-news.example.org", None),
        ("harbour-news.com", None),
        ("By", None),
        ("by the way", None),
        ("admin", None),
        ("Donnerstag, 4. November 2021", None),
        ("责任编辑：王五", None),
        ("来源：港城日报", None),
        ("Ferry news: a timetable for the winter", None),
    ],
)
def test_a_candidate_is_cleaned_to_a_name_or_refused(raw: str, expected: str | None) -> None:
    assert clean_author(raw) == expected


def test_a_junk_metadata_author_gives_way_to_the_byline() -> None:
    head = "<meta name='author' content='ann.berg@example.org'>"
    assert author(head, "<p class='byline'>By Ann Berg | May 3, 2024</p>") == "Ann Berg"


def test_the_sites_name_is_no_author_where_the_byline_names_a_person() -> None:
    head = (
        "<meta property='og:site_name' content='Harbour News'>"
        "<meta name='author' content='Harbour News'>"
    )
    assert author(head, "<p class='meta'>Posted by Ann Berg on May 3, 2024</p>") == "Ann Berg"


def test_the_sites_name_is_kept_when_nobody_else_is_named() -> None:
    # A personal blog's name is its author's; a desk may sign as the site.
    head = (
        "<meta property='og:site_name' content='Harbour News'>"
        "<meta name='author' content='Harbour News'>"
    )
    assert author(head) == "Harbour News"


def test_a_chinese_byline_names_the_reporter_not_the_source_or_the_editor() -> None:
    header = (
        "<div class='info'><span>来源：港城日报</span> <span>记者 林一舟</span> "
        "<span>责任编辑：王五</span></div>"
    )
    # The portal's meta author is the source the byline names (来源), not the author.
    assert author("<meta name='author' content='港城日报'>", header) == "林一舟"


def test_a_chinese_editor_line_alone_gives_no_author() -> None:
    assert (
        author(header="<div class='info'><span>责任编辑：王五</span> <span>2021-03-14</span></div>")
        is None
    )


def test_an_author_named_teaser_beside_the_article_is_no_byline() -> None:
    teaser = (
        "<li class='author-follow'><a href='/x'>Ann Berg</a> <a href='/y'>The real problem "
        "behind ferry fares</a></li>"
    )
    assert (
        author(header=f"<ul>{teaser}</ul><p><span class='author-name'>Tom Lind</span></p>")
        == "Tom Lind"
    )
