"""Listing pages: which links are articles, which page is next (small hand-written pages),
and recall / precision over the hand-written listing pages of fixtures/listings."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

from archiver import parse_listing
from archiver.extract.url_shape import (
    ARTICLE,
    NOT_ARTICLE,
    UNKNOWN,
    in_section,
    link_kind,
    listing_section,
)

sys.path.insert(0, str(ROOT / "benchmarks"))
from listing_score import totals
from listings import fixture_scores

SITE = "https://news.example.test"


@pytest.mark.parametrize(
    "path",
    [
        "/user/88231",
        "/user/88231/favorites",
        "/users/20931/ola-nilsen",
        "/u/mira_k",
        "/people/dana-whitfield",
        "/author/marta/",
        "/authors/ines-moreau/",
        "/columnists/ruth-abernathy/",
        "/@mira",
        "/tag/vlan/",
        "/tags/concurrency-patterns",
        "/category/networking/",
        "/topics/travel/",
        "/search?q=redis",
        "/search/articles/x",
        "/?s=redis",
        "/login?next=%2Fposts%2F1",
        "/wp-login.php",
        "/register",
        "/comment/40321567",
        "/2024/08/14/slug/?replytocom=12",
        "/feed/",
        "/page/2/",
        "/category/networking/page/3/",
        "/news?page=2",
        "/shehui/index_3.html",
        "/u1/article/list/2",
        "/2024/09/",
        "/lin-yao/archive/2024/09/27.html",
        "/archive/2024/09.html",
        "/",
    ],
)
def test_urls_that_are_not_articles(path: str) -> None:
    assert link_kind(SITE + path) == NOT_ARTICLE


@pytest.mark.parametrize(
    "path",
    [
        "/shehui/2024/0927/c1008-40321567.html",
        "/weixin_43987112/article/details/142611208",
        "/2024/08/14/vlan-tagging-on-a-budget-switch/",
        "/business/2024/sep/27/harbour-expansion-wins-final-vote",
        "/lin-yao/p/18436521.html",
        "/xwzx/gzdt/202409/t20240927_4410322.html",
        "/posts/8812345/how-we-cut-ci",
        "/p/2961234567890123",
        "/node/1287",
        "/info/1021/5567.htm",
        "/archives/1234",
        "/?p=123",
        "/@mira/why-i-left-1a2b3c4d5e",
        "/the-last-ferry-to-inishmore/",
        "/8812345",
    ],
)
def test_urls_that_look_like_articles(path: str) -> None:
    assert link_kind(SITE + path) == ARTICLE


@pytest.mark.parametrize(
    "path", ["/sourdough/", "/posts/makefiles/", "/weixin_43987112", "/news/5.html", "/guonei/"]
)
def test_urls_that_tell_nothing(path: str) -> None:
    assert link_kind(SITE + path) == UNKNOWN


@pytest.mark.parametrize(
    ("listing", "section"),
    [
        ("/opinion/page/12/", "/opinion/"),
        ("/shehui/index_2.html", "/shehui/"),
        ("/news?page=1", "/news"),
        ("/list/2", "/list/"),
        ("/", "/"),
        ("/xwdt.htm", "/"),
    ],
)
def test_listing_section(listing: str, section: str) -> None:
    assert listing_section(SITE + listing) == section


def test_in_section() -> None:
    assert in_section(SITE + "/business/?page=2", "/business/")
    assert in_section(SITE + "/news?page=2", "/news") and in_section(SITE + "/news/page/2", "/news")
    assert not in_section(SITE + "/newsroom/", "/news")
    assert not in_section(SITE + "/opinion/?page=2", "/business/")


SIDEBAR_PAGE = """<html><body>
<div class="top"><a href="/user/77">My account</a> <a href="/login">Sign in</a></div>
<div class="col-main"><ul class="list">
<li><a href="/local/2024/09/27/bridge-reopens-after-repairs">\
Bridge reopens after two years of repairs</a><span>2024-09-27</span></li>
<li><a href="/local/2024/09/26/new-bus-line-to-the-hospital">\
New bus line to the hospital</a><span>2024-09-26</span></li>
<li><a href="/local/2024/09/25/market-hall-gets-a-roof">\
Market hall gets a new roof</a><span>2024-09-25</span></li>
</ul></div>
<div class="sidebar"><h3>Most read</h3><ul>
<li><a href="/sport/2024/09/27/rowing-club-wins-the-title">Rowing club wins the title</a></li>
<li><a href="/local/2024/09/20/old-mill-to-become-a-library">Old mill to become a library</a></li>
</ul></div>
<div class="footer"><a href="/info/2024/01/01/privacy-policy-for-readers">Privacy policy</a></div>
</body></html>"""


def test_sidebar_footer_and_user_links_are_not_articles() -> None:
    listing = parse_listing(SIDEBAR_PAGE, SITE + "/local/")
    assert listing.article_urls == (
        SITE + "/local/2024/09/27/bridge-reopens-after-repairs",
        SITE + "/local/2024/09/26/new-bus-line-to-the-hospital",
        SITE + "/local/2024/09/25/market-hall-gets-a-roof",
    )


CARDS_PAGE = """<html><body><div class="grid">
<div class="card"><a href="/stories/a-night-on-the-ferry"><img src="/a.jpg"></a>
<h3><a href="/stories/a-night-on-the-ferry">A night on the ferry</a></h3>\
<p>What happens when the last boat leaves without you, and why it is fine.</p>
<a href="/stories/a-night-on-the-ferry">Read more</a> <a href="/people/ann-lee">Ann Lee</a></div>
<div class="card"><a href="/stories/bread"><img src="/b.jpg"></a>
<h3><a href="/stories/bread">Bread, again</a></h3>\
<p>A starter, three failed loaves, and one that finally sang in the oven.</p>
<a href="/stories/bread">Read more</a> <a href="/people/ann-lee">Ann Lee</a></div>
</div></body></html>"""


def test_an_article_linked_three_times_is_listed_once_in_page_order() -> None:
    listing = parse_listing(CARDS_PAGE, SITE + "/stories/")
    assert listing.article_urls == (SITE + "/stories/a-night-on-the-ferry", SITE + "/stories/bread")


def _pager_page(rail_next: str, pager: str) -> str:
    items = "".join(
        (
            f'<li><a href="/business/2024/09/2{i}/story-number-{i}-here">Story number {i} of '
            "the day</a></li>"
        )
        for i in range(3)
    )
    return (
        f'<html><body><ul class="stories">{items}</ul><div class="more-from">'
        '<a href="/sport/x">Sport</a>'
        f'{rail_next}</div><div class="pager">{pager}</div></body></html>'
    )


def test_next_stays_in_the_listings_section() -> None:
    page = _pager_page(
        '<a href="/opinion/?page=2">Next</a>', '<a href="/business/?page=2">Next ›</a>'
    )
    assert parse_listing(page, SITE + "/business/").next_page_url == SITE + "/business/?page=2"


def test_next_in_another_section_is_followed_only_when_marked_rel_next() -> None:
    page = _pager_page("", '<a href="/archive/business?page=2">Next</a>')
    assert parse_listing(page, SITE + "/business/").next_page_url is None
    page = _pager_page("", '<a rel="next" href="/archive/business?page=2">Next</a>')
    assert (
        parse_listing(page, SITE + "/business/").next_page_url == SITE + "/archive/business?page=2"
    )


def test_next_is_never_an_article() -> None:
    page = _pager_page(
        "", '<a rel="next" href="/business/2024/09/30/the-next-story-in-line">Next »</a>'
    )
    assert parse_listing(page, SITE + "/business/").next_page_url is None


def test_listing_fixtures_recall_precision_and_next() -> None:
    """fixtures/listings: hand-written listing pages (portal, blog platforms, WordPress, news
    sections, cards, community feeds, gov and school lists) with their truth beside them."""
    scores = fixture_scores()
    t = totals(scores)
    wrong = {
        s.name: (s.missed, s.extra, s.next_got)
        for s in scores
        if s.missed or s.extra or not s.next_right
    }
    assert t.pages >= 12
    assert t.recall >= 0.95 and t.precision >= 0.95, wrong
    assert t.next_right == t.pages, wrong
