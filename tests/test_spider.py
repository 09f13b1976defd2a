"""The spider fed in-memory responses: what it yields, what it counts."""

from __future__ import annotations

import logging

import pytest
from conftest import SITE, project_settings
from scrapy import Request
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver.crawl.args import SpiderArgs
from archiver.crawl.spider import KNOWN_STREAK, ArticlesSpider
from archiver.items import Article
from archiver.state.crawl import Validators

BASE = "http://127.0.0.1:8000/"


@pytest.fixture(autouse=True)
def _state_in_tmp(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the crawl state goes to ./archive of the test's own folder


def make_spider(**kwargs: str) -> ArticlesSpider:
    crawler = get_crawler(ArticlesSpider, settings_dict=project_settings())
    crawler.stats = MemoryStatsCollector(crawler)
    spider = ArticlesSpider.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


def response(
    path: str, body: bytes, url: str | None = None, meta: dict | None = None
) -> HtmlResponse:
    url = url or BASE + path
    return HtmlResponse(
        url=url, body=body, headers={"Content-Type": "text/html"}, request=Request(url, meta=meta)
    )


def archived_everything(spider: ArticlesSpider, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every article URL is archived already (and RECRAWL_AFTER = -1: never re-checked)."""
    archived = Validators(etag=None, last_modified=None, updated=0.0)
    monkeypatch.setattr(spider.ledger, "known", lambda url: archived)


def test_listing_yields_articles_once_then_next_page() -> None:
    spider = make_spider()
    out = list(spider.parse_listing(response("", (SITE / "index.html").read_bytes())))
    assert all(isinstance(r, Request) for r in out)
    urls = [r.url for r in out]
    assert urls[-1] == BASE + "news/list_2.html" and out[-1].callback == spider.parse_listing
    articles = urls[:-1]
    assert len(articles) == len(set(articles)) >= 5
    assert all("utm_source" not in u and "#" not in u for u in articles)
    assert all(r.callback == spider.parse_article for r in out[:-1])


def test_article_page_yields_the_record() -> None:
    spider = make_spider()
    out = list(
        spider.parse_article(
            response("news/2024092701.html", (SITE / "news" / "2024092701.html").read_bytes())
        )
    )
    assert len(out) == 1 and isinstance(out[0], Article)
    assert out[0].title == "基于人类反馈的强化学习概述"
    assert out[0].url == BASE + "news/2024092701.html"


def test_not_article_is_counted_not_yielded() -> None:
    spider = make_spider()
    out = list(spider.parse_article(response("about.html", (SITE / "about.html").read_bytes())))
    assert out == []
    assert spider.crawler.stats.get_value("archiver/skipped/not_article") == 1
    # The CMS's static page is marked by the profile's `reject`: counted by why.
    assert spider.crawler.stats.get_value("archiver/not_article/profile_reject") == 1


def test_parse_error_is_logged_with_url_and_counted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spider = make_spider()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lxml exploded")

    monkeypatch.setattr("archiver.crawl.spider.parse_page", boom)
    assert list(spider.parse_article(response("news/x.html", b"<html></html>"))) == []
    assert spider.crawler.stats.get_value("archiver/failed/parse_error") == 1
    assert BASE + "news/x.html" in caplog.text and "lxml exploded" in caplog.text


def test_field_error_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    spider = make_spider()

    def broken(self: object) -> str:
        raise KeyError("oops")

    from archiver.extract.pages import ArticlePage

    monkeypatch.setattr(ArticlePage, "author", property(broken))
    page = (SITE / "news" / "2024092701.html").read_bytes()
    assert list(spider.parse_article(response("news/2024092701.html", page))) == []
    assert spider.crawler.stats.get_value("archiver/field_error/author") == 1
    assert spider.crawler.stats.get_value("archiver/failed/field_error") == 1


@pytest.mark.parametrize("bad", ["ftp://x.test/", "not a url", "http://"])
def test_bad_start_url_fails_at_start_with_a_message(bad: str) -> None:
    with pytest.raises(UsageError, match="start_url"):
        SpiderArgs.parse(start_url=bad)


def test_several_start_urls_and_unknown_argument() -> None:
    assert SpiderArgs.parse(start_url="http://a.test/, https://b.test/x").start_urls == (
        "http://a.test/",
        "https://b.test/x",
    )
    with pytest.raises(UsageError, match="unknown spider argument"):
        SpiderArgs.parse(start_urls="http://a.test/")


def test_listing_stop_is_counted_and_logged_with_the_listing_url(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spider = make_spider()
    archived_everything(spider, monkeypatch)
    caplog.set_level(logging.INFO)
    # LISTING_STOP_AFTER_KNOWN_PAGES = 2: the page before was known too.
    page = response(
        "news/list_2.html", (SITE / "news" / "list_2.html").read_bytes(), meta={KNOWN_STREAK: 1}
    )
    assert list(spider.parse_listing(page)) == []
    assert spider.crawler.stats.get_value("archiver/listing_stopped_early") == 1
    stops = [
        r
        for r in caplog.records
        if r.levelno == logging.INFO and "Stopped paging" in r.getMessage()
    ]
    assert len(stops) == 1 and BASE + "news/list_2.html" in stops[0].getMessage()


def test_old_sitemap_entries_are_logged_once_per_sitemap(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(sitemap_url=BASE + "sitemap.xml", since="2024-09-25")
    caplog.set_level(logging.INFO)
    sitemap = XmlResponse(
        url=BASE + "sitemap.xml",
        body=(SITE / "sitemap.xml").read_bytes(),
        request=Request(BASE + "sitemap.xml"),
    )
    out = list(spider.parse_sitemap(sitemap))
    # 2024-09-25T10:00+08:00 and later, and the entry without <lastmod>.
    assert len(out) == 4 and all(r.callback == spider.parse_article for r in out)
    assert spider.crawler.stats.get_value("archiver/sitemap_entries_skipped_old") == 11
    lines = [r for r in caplog.records if "last modified before" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert "11 of 15" in lines[0].getMessage() and BASE + "sitemap.xml" in lines[0].getMessage()


def test_sitemap_without_old_entries_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(sitemap_url=BASE + "sitemap.xml")
    caplog.set_level(logging.INFO)
    sitemap = XmlResponse(
        url=BASE + "sitemap.xml",
        body=(SITE / "sitemap.xml").read_bytes(),
        request=Request(BASE + "sitemap.xml"),
    )
    assert len(list(spider.parse_sitemap(sitemap))) == 15
    assert "last modified before" not in caplog.text


def test_not_modified_is_counted_and_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider()
    caplog.set_level(logging.DEBUG)
    url = BASE + "news/2024092701.html"
    not_modified = Response(url=url, status=304, headers={"ETag": '"v1"'}, request=Request(url))
    assert list(spider.parse_article(not_modified)) == []
    assert spider.crawler.stats.get_value("archiver/not_modified") == 1
    lines = [r for r in caplog.records if "Not modified" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.DEBUG and url in lines[0].getMessage()
