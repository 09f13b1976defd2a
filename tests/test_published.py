"""Publication dates on hand-made pages: the article's own metadata, then its dateline beside
the headline, then the URL; never a sidebar's age, a reader's comment or a revision first."""

from __future__ import annotations

import pytest

from archiver.extract.parse import parse_page
from archiver.extract.profiles import parse_profile

FETCHED_AT = "2024-09-30T08:00:00Z"
URL = "https://news.example.org/story/ferry-timetable"
TEXT = (
    "The ferry company will run an extra crossing every evening from October, after a summer in "
    "which the last boat was full on most days and dozens of passengers were left on the quay. "
) * 3
SIDEBAR = (
    "<div class='sidebar'><h3>Latest</h3><ul>"
    "<li><a href='/a'>Harbour crane arrives</a> <span class='time'>3小时前</span></li>"
    "<li><a href='/b'>Lighthouse reopens</a> <span class='date'>1 week ago</span></li></ul></div>"
)


def page(head: str = "", header: str = "", after: str = "", url: str = URL) -> tuple[str, str]:
    html = (
        "<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Evening ferry added</title>{head}</head><body>"
        f"{SIDEBAR}<div class='story'><h1>Evening ferry added</h1>{header}<p>{TEXT}</p>"
        f"<p>{TEXT}</p></div>"
        f"{after}</body></html>"
    )
    return html, url


def published(html: str, url: str = URL, profiles: tuple = ()) -> tuple[str | None, str | None]:
    article = parse_page(html, url, fetched_at=FETCHED_AT, profiles=profiles).article
    assert article is not None
    return article.published, article.field_sources.published


@pytest.mark.parametrize(
    "header, expected",
    [
        ("<div class='info'>发布时间：2021-03-14 09:30</div>", "2021-03-14T09:30:00"),
        (
            "<div class='info'><span>来源：港城日报</span><span>时间：2021年03月14日</span></div>",
            "2021-03-14",
        ),
        ("<p class='meta'><time>2021-03-14 09:30</time> · 作者：林一舟</p>", "2021-03-14T09:30:00"),
        ("<div>Veröffentlicht am 6.10.2023, 14:05 Uhr</div>", "2023-10-06T14:05:00"),
        ("<p class='byline'>Von Maria Chen · 3. Mai 2024</p>", "2024-05-03"),
        (
            (
                "<p>Hamburg, 2. November 2021 – Die Reederei kündigte am Montag an, dass sie "
                "ab Oktober fährt.</p>"
            ),
            "2021-11-02",
        ),
        (
            "<div class='meta'><span>By Ann Berg</span> <span>2 days ago</span></div>",
            None,
        ),  # a bare age: a teaser's too
        (
            "<div class='meta'>Posted 2 days ago by Ann Berg</div>",
            "2024-09-28",
        ),  # labelled: resolved at the fetch
    ],
)
def test_the_dateline_beside_the_headline(header: str, expected: str | None) -> None:
    assert published(*page(header=header))[0] == expected


def test_a_sidebars_relative_age_is_not_the_articles_date() -> None:
    # The sidebar's `3小时前` and `1 week ago` name other articles; this page shows no date.
    assert published(*page()) == (None, None)


def test_the_time_nearest_the_headline_beats_a_related_posts_earlier_in_the_page() -> None:
    related = (
        "<div class='related'><p>Bridge works</p>"
        "<time datetime='2020-12-03T07:32:49'>3. Dezember 2020</time></div>"
    )
    html, url = page(header="<span class='published'>31. Oktober 2023</span>")
    html = html.replace(SIDEBAR, SIDEBAR + related)
    assert published(html, url) == ("2023-10-31", "generic")


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            "<p class='date'>Written: 2023-11-07 15:03 / Updated: 2023-11-08 09:30</p>",
            "2023-11-07T15:03:00",
        ),
        ("<p>Letzte Änderung: 31.10.2023 - 14:49 Erschienen am: 01.11.2023</p>", "2023-11-01"),
        ("<span class='entry-date updated'>5. November 2021</span>", "2021-11-05"),  # the only date
        ("<span>Aktualisiert am 17.01.2021</span>", "2021-01-17"),  # a revision's: better than none
    ],
)
def test_a_revision_date_is_not_the_publication_date_unless_alone(
    header: str, expected: str
) -> None:
    assert published(*page(header=header))[0] == expected


def test_modified_metadata_is_not_read_and_a_zero_timestamp_is_refused() -> None:
    head = (
        "<meta property='article:modified_time' content='2024-01-05T10:00:00Z'>"
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
        '"1970-01-01T00:00:00Z"}</script>'
    )
    assert published(*page(head=head, header="<time datetime='2021-03-14'>14 March</time>")) == (
        "2021-03-14",
        "generic",
    )


def test_the_json_ld_article_date_in_a_cdata_section() -> None:
    head = (
        '<script type="application/ld+json">'
        '<![CDATA[ {"@type": "Article", "datePublished": "2003-02-28T21:51:08Z"} ]]></script>'
    )
    assert published(*page(head=head)) == ("2003-02-28T21:51:08+00:00", "metadata")


def test_metadata_that_disagrees_is_settled_by_the_date_shown() -> None:
    # A re-published page: its meta tag says December, its JSON-LD and its byline October.
    head = (
        "<meta property='article:published_time' content='2015-12-11T14:28:34Z'>"
        '<script type="application/ld+json">{"@type": "BlogPosting", "datePublished": '
        '"2015-10-15T02:19:15Z"}</script>'
    )
    assert published(*page(head=head, header="<p><a href='/x'>Oct 15, 2015</a> · 18 min read</p>"))[
        0
    ] == ("2015-10-15T02:19:15+00:00")


def test_a_utc_time_is_given_in_the_zone_the_page_writes_its_times_in() -> None:
    head = (
        "<meta property='article:published_time' content='2020-02-25T02:25:54+00:00'>"
        "<script>var page = {date: '2020-02-24T21:25:54-05:00', updated: "
        "'2020-02-24T21:25:54-05:00'};</script>"
    )
    assert published(*page(head=head))[0] == "2020-02-24T21:25:54-05:00"


def test_a_readers_comment_date_is_not_the_articles() -> None:
    comments = (
        "<div id='comments'><div class='comment'>"
        "<span class='date'>12.03.2024</span> Great!</div></div>"
    )
    assert published(*page(after=comments)) == (None, None)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://blog.example.org/2017/7/12/montauk", "2017-07-12"),
        ("https://blog.example.org/news/2019-10-16-ferry", "2019-10-16"),
        ("https://blog.example.org/20220127-ferry.html", "2022-01-27"),
        ("https://blog.example.org/2019/43/ferry", None),  # a week number, not a month
        ("https://blog.example.org/2021/10/ferry", None),  # a month alone
    ],
)
def test_the_urls_date_when_the_page_shows_none(url: str, expected: str | None) -> None:
    assert published(*page(url=url))[0] == expected


@pytest.mark.parametrize(
    "script, expected",
    [
        ('var ct = "1615680000";', "2021-03-14T08:00:00+08:00"),  # WeChat: a unix time
        ('var publish_time = "2021-03-14" || "";', "2021-03-14"),
        (
            'window.__STATE__ = {"article": {"publishedAt": "2022-01-31T15:58:43+01:00"}};',
            "2022-01-31T15:58:43+01:00",
        ),
    ],
)
def test_a_date_only_an_inline_script_holds(script: str, expected: str) -> None:
    # WeChat's visible date is filled in by a script: the page itself holds it only there.
    profile = parse_profile(
        'timezone = "Asia/Shanghai"\n[match]\nhosts = ["mp.example.com"]\n', "t.toml", "wx"
    )
    html, _ = page(after=f"<script>{script}</script>", url="https://mp.example.com/s/AbCdEf")
    assert published(html, "https://mp.example.com/s/AbCdEf", (profile,))[0] == expected


def test_the_articles_metadata_beats_a_templates_date_selector() -> None:
    # A CMS template's `time.entry-date` also matches the related posts' dates.
    profile = parse_profile(
        (
            '[match]\nhosts = ["news.example.org"]\n[article]\npublished = '
            '["time.entry-date::attr(datetime)"]\n'
        ),
        "t.toml",
        "cms",
    )
    related = (
        "<div class='related'><time class='entry-date' datetime='2023-11-08'>Nov 8</time></div>"
    )
    html, url = page(
        head="<meta property='article:published_time' content='2023-11-06T08:00:15-08:00'>"
    )
    html = html.replace(SIDEBAR, related)
    assert published(html, url, (profile,)) == ("2023-11-06T08:00:15-08:00", "metadata")


@pytest.mark.parametrize(
    "text",
    [
        '{"datePublished": "2020-02-24T21:25:54-05:00", "dateModified": "2021-03-01T08:00+0100"}',
        "2020-01-01T10:00+2020-01-01T10:00+0100",  # a second match inside the first one
        "1999-12-31T23:59:59.123+01:30T10:00+0000 2019-05-05T05:05 T2019-05-05T05:05-07",
        "x2020-1-01T10:00+01:00 2020-01-01t10:00+01:00 2120-01-01T10:00+01:00",
    ],
)
def test_page_offsets_are_the_full_patterns_matches(text: str) -> None:
    """The offsets found from each `T` are the ones a scan at every position finds."""
    from archiver.extract.published import _OFFSET, _offsets

    assert list(_offsets(text)) == [m.group(1) for m in _OFFSET.finditer(text)]


def test_page_offsets_on_random_text() -> None:
    import random

    from archiver.extract.published import _OFFSET, _offsets

    rng = random.Random(7)
    pieces = ["2020-01-01", "T", "10:00", ":30", ".5", "+01:00", "-0500", "+20", "19", "-", "0"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert list(_offsets(text)) == [m.group(1) for m in _OFFSET.finditer(text)], text
