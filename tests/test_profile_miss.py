"""A profile whose selectors no longer fit a page never drops it: the generic layer answers,
the miss is counted and reported; older layouts of the bundled sites still use their profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FETCHED_AT
from scrapy import Request
from scrapy.http import HtmlResponse
from test_spider import make_spider

from archiver.archive.drift import profile_misses
from archiver.crawl.extensions import summarise
from archiver.extract import parse_page
from archiver.tools.report.data import ReportData
from archiver.tools.report.page import render

PARAGRAPH = "旧版页面的正文直接写在文章容器里，没有后来加上的内层容器，标题也在另一个位置。"
CSDN_URL = "https://blog.csdn.net/linjian/article/details/60123456"

# CSDN before 2018: the text straight in #article_content, the title in .article_title.
CSDN_2017 = f"""<html><head><title>Redis 持久化笔记 - 林间的博客 - CSDN博客</title></head><body>
<div id="article_details" class="details">
<div class="article_title"><h1><span class="link_title">\
<a href="{CSDN_URL}">Redis 持久化笔记</a></span></h1></div>
<div class="article_manage"><span class="link_categories">分类：数据库</span>
<span class="link_postdate">2017-03-08 21:15</span></div>
<div id="article_content" class="article_content"><p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></div>
</div></body></html>"""

# CSDN 2018-2020: #content_views inside #article_content, h1.title-article without an id.
CSDN_2019 = f"""<html><head><title>Redis 持久化笔记_林间的博客-CSDN博客</title></head><body>
<div class="article-header-box"><div class="article-title-box">\
<h1 class="title-article">Redis 持久化笔记</h1></div>
<div class="article-info-box"><span class="time">2019-11-02 08:30:00</span></div></div>
<div id="article_content" class="article_content clearfix">\
<div id="content_views" class="markdown_views">
<p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></div></div></body></html>"""

# A layout the profile does not know: none of its body containers.
CSDN_UNKNOWN = f"""<html><head><title>Redis 持久化笔记_林间的博客-CSDN博客</title></head><body>
<div class="blog-main"><h1 class="post-heading">Redis 持久化笔记</h1>
<section class="post-text"><p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></section>\
</div></body></html>"""

# cnblogs in an older skin: the title link without h1.postTitle around it.
CNBLOGS_OLD_SKIN = f"""<html><head><title>旧皮肤 - 林间小径 - 博客园</title></head><body>
<div id="main"><div class="post"><div class="posttitle">
<a id="cb_post_title_url" class="singleposttitle" href="https://www.cnblogs.com/linjian/p/7">旧皮肤下的文章</a></div>
<div id="cnblogs_post_body" class="blogpost-body"><p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></div>
<div class="postDesc">posted @ <span id="post-date">2016-04-01 09:05</span> <a href="https://www.cnblogs.com/linjian">林间小径</a></div>
</div></div></body></html>"""


@pytest.mark.parametrize("html", [CSDN_2017, CSDN_2019], ids=["2017", "2019"])
def test_older_csdn_layouts_use_the_profile(html: str) -> None:
    result = parse_page(html, CSDN_URL, fetched_at=FETCHED_AT)
    article = result.article
    assert article is not None and result.extractor == "csdn-blog" and not result.profile_missed
    assert article.title == "Redis 持久化笔记" and article.field_sources.title == "profile"
    assert article.body == f"{PARAGRAPH * 3}\n\n{PARAGRAPH * 2}"
    assert article.published is not None and article.published.startswith(
        ("2017-03-08T21:15", "2019-11-02T08:30")
    )
    assert article.field_sources.published == "profile"


def test_an_older_cnblogs_skin_uses_the_profile() -> None:
    result = parse_page(
        CNBLOGS_OLD_SKIN, "https://www.cnblogs.com/linjian/p/7", fetched_at=FETCHED_AT
    )
    assert (
        result.article is not None and result.extractor == "cnblogs" and not result.profile_missed
    )
    assert result.article.title == "旧皮肤下的文章"
    assert result.article.published == "2016-04-01T09:05:00+08:00"


def test_a_failed_require_falls_back_to_the_generic_layer() -> None:
    result = parse_page(CSDN_UNKNOWN, CSDN_URL, fetched_at=FETCHED_AT)
    assert result.profile == "csdn-blog" and result.profile_missed and result.extractor == "generic"
    assert (
        result.article is not None and result.article.body == f"{PARAGRAPH * 3}\n\n{PARAGRAPH * 2}"
    )
    assert result.article.field_sources.body == "generic"


def test_a_page_without_title_markup_is_named_by_its_url() -> None:
    html = (
        f"<html><body><div class='text'><p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></div>"
        "</body></html>"
    )
    result = parse_page(
        html,
        "https://news.example/2024/05/night-buses-return.html",
        fetched_at=FETCHED_AT,
        profiles=(),
    )
    assert result.article is not None and result.article.title == "Night buses return"
    assert result.article.field_sources.title == "generic"


def test_the_spider_counts_misses_and_not_articles_by_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the crawl state goes to ./archive of the test's own folder
    spider = make_spider()
    listing = (
        "<html><body><ul>"
        + "".join(
            f"<li><h2><a href='/p/{i}'>第 {i} 篇文章的标题</a></h2><p>{PARAGRAPH}</p></li>"
            for i in range(4)
        )
        + "</ul></body></html>"
    )
    for url, html in ((CSDN_URL, CSDN_UNKNOWN), ("https://news.example/list", listing)):
        response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=Request(url))
        list(spider.parse_article(response))
    stats = spider.crawler.stats.get_stats()
    assert stats["archiver/profile_miss/csdn-blog"] == 1
    assert stats["archiver/skipped/not_article"] == 1 and stats["archiver/not_article/listing"] == 1
    assert "not articles: 1 (listing=1)" in summarise(stats)
    assert "profile misses (generic layer used): csdn-blog=1" in summarise(stats)


def _run(name: str, **misses: int) -> dict:
    return {
        "run": name,
        "started": name,
        "stats": {f"profile_miss/{p}": n for p, n in misses.items()},
        "sites": {},
    }


def test_profile_misses_of_the_latest_run_are_reported_new_or_not() -> None:
    runs = [_run("1", wordpress=3), _run("2", wordpress=4, cnblogs=6)]
    misses = {m.profile: m for m in profile_misses(runs)}
    assert (misses["cnblogs"].pages, misses["cnblogs"].new) == (6, True)
    assert (misses["wordpress"].pages, misses["wordpress"].new) == (4, False)
    assert (
        "Profile cnblogs missed on 6 pages of run 2; none in earlier runs"
        in misses["cnblogs"].message()
    )
    # A first run has nothing to compare with: listed, not new.
    [first] = profile_misses([_run("1", cnblogs=2)])
    assert not first.new
    assert profile_misses([]) == [] and profile_misses([_run("1")]) == []


def test_the_report_shows_profile_misses() -> None:
    runs = [_run("1"), _run("2", cnblogs=6)]
    data = ReportData(
        archive="a",
        generated="now",
        fields=("title",),
        runs=runs,
        profile_misses=profile_misses(runs),
    )
    html = render(data)
    assert "Profile misses" in html and "Profile cnblogs missed on 6 pages of run 2" in html


def test_a_theme_class_blog_on_a_single_page_is_not_the_posts_index() -> None:
    # Core WordPress gives the posts index `blog` and a single page `page page-id-N`; some
    # themes add `blog` to every page.
    html = f"""<html><head><title>Hofgeschichte</title>\
<meta name="generator" content="WordPress 6.5"></head>
    <body class="page-template-default page page-id-9 blog"><main><h1>Hofgeschichte</h1>
    <div class="story"><p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></div></main></body></html>"""
    result = parse_page(html, "https://hof.example/geschichte/", fetched_at=FETCHED_AT)
    assert result.profile == "wordpress" and result.article is not None
