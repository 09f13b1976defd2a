"""The SQLite crawl state and the scheduler's request encoding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import project_settings
from scrapy import Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver.crawl.scheduler import DurableScheduler, request_from_dict, request_to_dict
from archiver.crawl.spider import ArticlesSpider
from archiver.neardup.bands import DiskBands, Held
from archiver.neardup.lsh import BandIndex
from archiver.neardup.store import RecentSignatures, SQLiteSignatureStore
from archiver.state.crawl import ARTICLE, DONE, INFLIGHT, LISTING, PENDING, CrawlState, fingerprint


def spider() -> ArticlesSpider:
    return ArticlesSpider.from_crawler(
        get_crawler(ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR="/nonexistent"))
    )


def test_request_round_trip_is_json_and_names_only_spider_callbacks(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    s = spider()
    req = Request(
        "https://a.test/x?q=1",
        callback=s.parse_article,
        errback=s.failed,
        priority=3,
        meta={"archiver_kind": "article", "obj": object()},
        headers={"If-None-Match": '"abc"'},
    )
    data = json.loads(json.dumps(request_to_dict(req)))
    back = request_from_dict(data, s)
    assert (back.url, back.priority, back.callback, back.errback) == (
        req.url,
        3,
        s.parse_article,
        s.failed,
    )
    assert back.meta == {"archiver_kind": "article"} and back.headers["If-None-Match"] == b'"abc"'
    evil = {**data, "callback": "__init__", "errback": "os.system"}
    assert (
        request_from_dict(evil, s).callback is None and request_from_dict(evil, s).errback is None
    )


def test_resume_after_kill_requeues_inflight_and_listings(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    state = CrawlState(path)
    assert state.start_run("run1") is None
    for url, kind in (
        ("https://a.test/", LISTING),
        ("https://a.test/1", ARTICLE),
        ("https://a.test/2", ARTICLE),
    ):
        assert state.add(fingerprint(url), kind, 0, {"url": url})
    assert not state.add(fingerprint("https://a.test/1?utm_source=x#c"), ARTICLE, 0, {}), (
        "same URL, tracking stripped"
    )
    taken = state.take(3)
    assert len(taken) == 3 and state.pending_count() == 0
    state.finish(fingerprint("https://a.test/"))
    state.finish(fingerprint("https://a.test/1"))
    state.commit()
    state.db.close()  # killed: no finish_run

    again = CrawlState(path)
    assert again.start_run("run2") == "resumed" and again.resumed
    assert again.status_of(fingerprint("https://a.test/")) == PENDING, "listings are read again"
    assert again.status_of(fingerprint("https://a.test/1")) == DONE
    assert again.status_of(fingerprint("https://a.test/2")) == PENDING, (
        "inflight goes back to pending"
    )
    again.take(5)
    again.finish_run("finished")
    again.close()

    third = CrawlState(path)
    assert third.start_run("run3") is None and not third.resumed
    assert third.status_of(fingerprint("https://a.test/")) is None, (
        "a new run starts listings afresh"
    )
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


def test_done_stores_validators_and_finishes_redirects(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    state.start_run("r")
    first, final = "https://a.test/old", "https://a.test/new"
    for url in (first, final):
        state.add(fingerprint(url), ARTICLE, 0, {"url": url})
    state.take(2)
    state.done(
        Request(final, meta={"redirect_urls": [first]}), ('"e1"', "Mon, 30 Sep 2024 08:00:00 GMT")
    )
    known = state.known(final)
    assert known is not None and (known.etag, known.last_modified) == (
        '"e1"',
        "Mon, 30 Sep 2024 08:00:00 GMT",
    )
    assert state.status_of(fingerprint(first)) == DONE
    state.done(Request(final))  # done again without validators keeps the ones stored
    again = state.known(final)
    assert again is not None and (again.etag, again.last_modified) == (
        known.etag,
        known.last_modified,
    )
    state.close()


def test_scheduler_hands_out_every_request_once_with_one_method_per_callback(
    tmp_path: Path,
) -> None:
    crawler = get_crawler(ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR=str(tmp_path)))
    crawler.stats = MemoryStatsCollector(crawler)
    s = ArticlesSpider.from_crawler(crawler)
    scheduler = DurableScheduler.from_crawler(crawler)
    # What open() does but start the commit loop: that would install a reactor for the session.
    scheduler.spider = s
    scheduler.state.start_run("t")
    try:
        urls = [f"https://a.test/{i}" for i in range(3)]
        for url in urls:
            assert scheduler.enqueue_request(
                Request(url, callback=s.parse_article, meta={"archiver_kind": "article"})
            )
        assert not scheduler.enqueue_request(
            Request(urls[0] + "?utm_source=x", callback=s.parse_article)
        )
        got = [scheduler.next_request() for _ in range(4)]
        assert [r.url for r in got[:3] if r is not None] == urls and got[3] is None
        assert not scheduler.has_pending_requests()
        # Scrapy caches per-callable checks by identity: one bound method for all requests.
        assert got[0].callback is got[1].callback is got[2].callback == s.parse_article  # type: ignore[union-attr]
    finally:
        scheduler.ledger.close("finished")


def band_store(path: Path, **sizes: int) -> tuple[SQLiteSignatureStore, DiskBands]:
    store = SQLiteSignatureStore(path)
    return store, DiskBands.open(store.db, store.load, **sizes)


def add_signatures(
    store: SQLiteSignatureStore, bands: DiskBands, signatures: np.ndarray, start: int
) -> None:
    ids = store.append_many((f"https://a.test/{start + i}", s) for i, s in enumerate(signatures))
    for doc, signature in zip(ids, signatures):
        bands.add(np.array([doc], dtype=np.uint32), signature[None, :])


def test_disk_bands_find_what_memory_bands_find_across_rewrites_reopens_and_rebuilds(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    signatures = rng.integers(0, 1 << 16, size=(1500, 128), dtype=np.uint16)
    signatures[:150, :2] = 7  # many documents sharing one band value: a wide row
    reference = BandIndex()
    reference.add_bulk([(np.arange(1, 1501, dtype=np.uint32), signatures)])
    path = tmp_path / "neardup.sqlite"
    store, bands = band_store(path, flush_docs=200, build_docs=300)
    add_signatures(store, bands, signatures[:1100], 0)
    assert bands.held.docs >= 1000 and len(bands.memory) < bands.capacity(), (
        "merged into rows as it grew"
    )

    def same_as_reference(bands: DiskBands, docs: range) -> None:
        assert len(bands) == len(docs)
        for doc in (1, 2, 150, 151, 777, docs[-1]):
            found = bands.candidates(signatures[doc - 1])
            assert found[0] == doc and set(found) == set(
                reference.candidates(signatures[doc - 1])
            ) & set(docs)

    same_as_reference(bands, range(1, 1101))
    store.close()
    store, bands = band_store(
        path, flush_docs=200, build_docs=300
    )  # reopened: rows + memory backlog
    same_as_reference(bands, range(1, 1101))
    add_signatures(store, bands, signatures[1100:], 1100)
    same_as_reference(bands, range(1, 1501))
    store.db.execute("UPDATE meta SET value = 'rows/0' WHERE key = 'bands_scheme'")
    store.close()
    store, bands = band_store(
        path, flush_docs=200, build_docs=300
    )  # rows of another scheme: rebuilt
    assert bands.held.docs == 1500 and len(bands.memory) == 0
    same_as_reference(bands, range(1, 1501))
    store.close()


def test_a_failed_band_rewrite_leaves_the_rows_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(6)
    signatures = rng.integers(0, 1 << 16, size=(500, 128), dtype=np.uint16)
    store, bands = band_store(tmp_path / "neardup.sqlite", flush_docs=200)
    add_signatures(store, bands, signatures[:300], 0)
    held = bands.held

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bands, "_write_rows", killed)
    with pytest.raises(KeyboardInterrupt):
        add_signatures(store, bands, signatures[300:], 300)
    monkeypatch.undo()
    assert bands.held == held == Held.from_meta(store.db)
    store.close()
    store, bands = band_store(tmp_path / "neardup.sqlite", flush_docs=200)
    assert len(bands) == 500 and all(
        bands.candidates(signatures[d])[0] == d + 1 for d in (0, 299, 300, 499)
    )
    store.close()


def test_recent_signatures_in_memory_answer_as_sqlite_does(tmp_path: Path) -> None:
    path = tmp_path / "neardup.sqlite"
    store = SQLiteSignatureStore(path)
    store.recent = RecentSignatures(4)  # the last 4 appended are also held in memory
    rng = np.random.default_rng(3)
    signatures = rng.integers(0, 1 << 16, size=(10, 128), dtype=np.uint16)
    ids = [store.append(f"https://a.test/{i}", signatures[i]) for i in range(10)]
    cold = SQLiteSignatureStore(path)  # holds none: reads every row from SQLite
    try:
        for wanted in (
            [],
            ids[-1:],
            ids[:3],
            ids[-4:],
            ids[::-1],
            [ids[8], ids[0], ids[9], ids[5]],
        ):
            urls, got = store.fetch(wanted)
            cold_urls, expected = cold.fetch(wanted)
            assert urls == cold_urls and np.array_equal(got, expected), wanted
    finally:
        cold.close()
        store.close()
