"""Pipelines and the archive writer on real files: validation, dedup, whole lines, recovery."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import project_settings, seed_article
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver.archive import ArchiveWriter, iter_archive_records, recover_open_shards
from archiver.crawl.pipelines.archive import ArchivePipeline
from archiver.crawl.pipelines.dedup import DedupPipeline
from archiver.crawl.pipelines.validate import ValidatePipeline
from archiver.crawl.spider import ArticlesSpider
from archiver.serialize import json_line


def crawler_for(tmp_path: Path, **settings: object):
    crawler = get_crawler(
        ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR=str(tmp_path), **settings)
    )
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


def test_validate_drops_missing_title_and_counts(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = ValidatePipeline.from_crawler(crawler)
    article = seed_article()
    assert pipeline.process_item(article) is article
    with pytest.raises(DropItem, match="missing_title"):
        pipeline.process_item(dataclasses.replace(article, title="  "))
    with pytest.raises(DropItem, match="missing_body"):
        pipeline.process_item(dataclasses.replace(article, body=""))
    assert crawler.stats.get_value("archiver/dropped/missing_title") == 1
    assert crawler.stats.get_value("archiver/dropped/missing_body") == 1


def test_dedup_by_canonical_url_and_by_content(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = DedupPipeline.from_crawler(crawler)
    article = seed_article()
    assert pipeline.process_item(article) is article
    tracked = dataclasses.replace(
        article, canonical_url=article.canonical_url + "?utm_source=home#comments"
    )
    with pytest.raises(DropItem, match="duplicate_url"):
        pipeline.process_item(tracked)
    mirror = dataclasses.replace(article, canonical_url="https://mirror.test/copy.html")
    with pytest.raises(DropItem, match="duplicate_content"):
        pipeline.process_item(mirror)
    other = dataclasses.replace(
        article, canonical_url="https://mirror.test/other.html", content_hash="1" * 64
    )
    assert pipeline.process_item(other) is other
    assert crawler.stats.get_value("archiver/dropped/duplicate_url") == 1
    assert crawler.stats.get_value("archiver/dropped/duplicate_content") == 1


def test_changed_body_is_a_new_version_pointing_to_the_previous(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = DedupPipeline.from_crawler(crawler)
    article = seed_article()
    pipeline.process_item(article)
    edited = dataclasses.replace(
        article, body=article.body + "\n\n更新：补充说明。", content_hash="2" * 64
    )
    kept = pipeline.process_item(edited)
    assert kept.previous_version == article.content_hash and kept.content_hash == "2" * 64
    assert crawler.stats.get_value("archiver/new_version") == 1
    with pytest.raises(DropItem, match="duplicate_url"):
        pipeline.process_item(edited)


def test_dedup_knows_what_earlier_runs_archived(tmp_path: Path) -> None:
    article = seed_article()
    first = DedupPipeline.from_crawler(crawler_for(tmp_path))
    first.process_item(article)
    first.ledger.close("finished")
    again = DedupPipeline.from_crawler(crawler_for(tmp_path))
    with pytest.raises(DropItem, match="duplicate_url"):
        again.process_item(article)


def test_json_line_escapes_line_separators_and_is_one_line() -> None:
    article = dataclasses.replace(seed_article(), title="a\u2028b\u2029c\nd")
    line = json_line(article)
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert b"\\u2028" in line and "\u2028".encode() not in line
    assert json.loads(line)["title"] == "a\u2028b\u2029c\nd"
    assert len(line.decode("utf-8").splitlines()) == 1


def test_writer_rotates_and_renames_on_close(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "t", max_records=2)
    for i in range(5):
        writer.write(json_line({"i": i}))
        if i == 0:
            assert [p.name for p in tmp_path.iterdir()] == ["t-00001.jsonl.open"]
    writer.close()
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == [
        "t-00001.jsonl",
        "t-00002.jsonl",
        "t-00003.jsonl",
    ]
    assert [r["i"] for r in iter_archive_records(tmp_path)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        writer.write(b'{"a": 1}\n{"b": 2}\n')


def test_torn_last_line_is_cut_on_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shard = tmp_path / "crashed-00001.jsonl.open"
    shard.write_bytes(json_line({"n": 1}) + json_line({"n": 2}) + b'{"n": 3, "tit')
    recovered = recover_open_shards(tmp_path)
    assert recovered == [(tmp_path / "crashed-00001.jsonl", 2, len(b'{"n": 3, "tit'))]
    assert not shard.exists()
    lines = (tmp_path / "crashed-00001.jsonl").read_bytes().splitlines()
    assert [json.loads(x)["n"] for x in lines] == [1, 2]
    assert "cut 13 bytes" in caplog.text


def test_archive_pipeline_writes_complete_lines(tmp_path: Path) -> None:
    (tmp_path / "old-00001.jsonl.open").write_bytes(json_line({"n": 1}) + b'{"half')
    crawler = crawler_for(tmp_path)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    article = seed_article()
    pipeline.process_item(article)
    pipeline.ledger.close("finished")
    shards = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".jsonl.gz"))
    assert shards[0].startswith("articles-") and shards[0].endswith("-00001.jsonl.gz")
    assert "old-00001.jsonl.gz" in shards and not list(tmp_path.glob("*.open"))
    records = list(iter_archive_records(tmp_path))
    assert {"n": 1} in records
    assert [r for r in records if "title" in r] == [json.loads(json_line(article))]
    assert crawler.stats.get_value("archiver/archived") == 1
    assert crawler.stats.get_value("archiver/recovered_shards") == 1
