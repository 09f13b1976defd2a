"""The SQLite crawl state and the scheduler's request encoding."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Request
from scrapy.utils.test import get_crawler

from archiver.scheduler import request_from_dict, request_to_dict
from archiver.spiders.articles import ArticlesSpider
from archiver.state.crawl import ARTICLE, DONE, INFLIGHT, LISTING, PENDING, CrawlState, fingerprint
from conftest import project_settings


def spider() -> ArticlesSpider:
    return ArticlesSpider.from_crawler(get_crawler(ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR="/nonexistent")))


def test_request_round_trip_is_json_and_names_only_spider_callbacks(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = spider()
    req = Request("https://a.test/x?q=1", callback=s.parse_article, errback=s.failed, priority=3,
                  meta={"archiver_kind": "article", "obj": object()}, headers={"If-None-Match": '"abc"'})
    data = json.loads(json.dumps(request_to_dict(req)))
    back = request_from_dict(data, s)
    assert (back.url, back.priority, back.callback, back.errback) == (req.url, 3, s.parse_article, s.failed)
    assert back.meta == {"archiver_kind": "article"} and back.headers["If-None-Match"] == b'"abc"'
    evil = {**data, "callback": "__init__", "errback": "os.system"}
    assert request_from_dict(evil, s).callback is None and request_from_dict(evil, s).errback is None


def test_resume_after_kill_requeues_inflight_and_listings(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    state = CrawlState(path)
    assert state.start_run("run1") == []
    for url, kind in (("https://a.test/", LISTING), ("https://a.test/1", ARTICLE), ("https://a.test/2", ARTICLE)):
        assert state.add(fingerprint(url), kind, 0, {"url": url})
    assert not state.add(fingerprint("https://a.test/1?utm_source=x#c"), ARTICLE, 0, {}), "same URL, tracking stripped"
    taken = state.take(3)
    assert len(taken) == 3 and state.pending_count() == 0
    state.finish(fingerprint("https://a.test/"))
    state.finish(fingerprint("https://a.test/1"))
    state.commit()
    state.db.close()  # killed: no finish_run

    again = CrawlState(path)
    assert again.start_run("run2") == ["run1"] and again.resumed
    assert again.status_of(fingerprint("https://a.test/")) == PENDING, "listings are read again"
    assert again.status_of(fingerprint("https://a.test/1")) == DONE
    assert again.status_of(fingerprint("https://a.test/2")) == PENDING, "inflight goes back to pending"
    again.take(5)
    again.finish_run("finished")
    again.close()

    third = CrawlState(path)
    assert third.start_run("run3") == [] and not third.resumed
    assert third.status_of(fingerprint("https://a.test/")) is None, "a new run starts listings afresh"
    assert third.status_of(fingerprint("https://a.test/1")) == DONE
    assert third.status_of(fingerprint("https://a.test/2")) in (PENDING, INFLIGHT)


def test_uncommitted_work_is_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    state = CrawlState(path)
    state.start_run("r")
    state.add(fingerprint("https://a.test/1"), ARTICLE, 0, {"url": "https://a.test/1"})
    state.commit()
    state.finish(fingerprint("https://a.test/1"))
    state.remember_record("https://a.test/1", "ab" * 32)
    state.db.close()  # killed before the commit
    again = CrawlState(path)
    assert again.status_of(fingerprint("https://a.test/1")) == PENDING
    assert again.record_hash("https://a.test/1") is None
