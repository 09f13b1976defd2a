"""Near-duplicates: normalisation, quality on a generated corpus, the persistent index
(across runs, torn and unusable files), and the pipeline's drop / mark policies."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import SITE, project_settings, seed_article
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver import parse_article
from archiver.archive import ArchiveWriter
from archiver.crawl.pipelines.neardup import NearDuplicatePipeline
from archiver.crawl.spider import ArticlesSpider
from archiver.items import Article
from archiver.neardup.index import LshIndex, MemorySignatureStore
from archiver.neardup.lsh import RUN_DOCS, WINDOW_CAP, BandIndex
from archiver.neardup.signature import body_signature
from archiver.neardup.store import NEARDUP_FILE, open_neardup_index
from archiver.neardup.text import normalise, normalised_codepoints, uses_char_shingles
from archiver.serialize import json_line
from archiver.settings import ITEM_PIPELINES, NEARDUP_THRESHOLD

# The generated corpus and its scorer are test data, kept with the benchmark that prints them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from neardup_corpus import generate_corpus
from neardup_evaluate import evaluate

FARM_HEADER = "本文转载自某某资讯网，原文链接见文末，仅供学习交流。"
FARM_FOOTER = (
    "免责声明：本文来源于网络，版权归原作者所有，如有侵权请联系删除。关注公众号，获取更多精彩内容。"
)


def fixture_bodies() -> list[str]:
    paths = sorted((SITE / "news").glob("*.article.json"))
    return [json.loads(p.read_text(encoding="utf-8"))["expected"]["body"] for p in paths]


def mirror_of(article: Article, url: str = "https://farm.test/copy/1.html") -> Article:
    """A content farm's copy: other URL and title, its header and footer around the body."""
    body = f"{FARM_HEADER}\n\n{article.body}\n\n{FARM_FOOTER}"
    return dataclasses.replace(
        article,
        url=url,
        canonical_url=url,
        title=f"【转载】{article.title}",
        body=body,
        content_hash="f" * 64,
    )


def reference_normalise(text: str) -> str:
    """The definition the table-driven normaliser must match: unicodedata, char by char."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(
        "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in folded).split()
    )


# Characters that defeat a per-character table: combining marks, decomposed accents,
# half-width kana with voicing marks, compatibility jamo, ligatures, ß, ℃, ①, ….
TRICKY = "aeEİΣς \u0301\u0323\u0345\u3099ßﬁ…℃①ｶﾞﾟㄱㅏ가\u11a8\u1161Ａ中文，。é\u0bbe\u0bc6ǅẛ"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=16) | st.text(max_size=16))
def test_table_normalisation_equals_unicodedata(text: str) -> None:
    assert normalise(text) == reference_normalise(text)


def test_normalisation_folds_width_case_and_punctuation() -> None:
    assert normalise("Hello, Ｗｏｒｌｄ!  Straße…ﬁne") == "hello world strasse fine"
    assert normalise("大语言模型（LLM）：对齐，") == "大语言模型 llm 对齐"


def test_cjk_uses_characters_by_language_or_script() -> None:
    chinese, _ = normalised_codepoints("基于人类反馈的强化学习")
    english, _ = normalised_codepoints("reinforcement learning from human feedback")
    assert uses_char_shingles(chinese, "zh-CN") and uses_char_shingles(english, "ja")
    # A CMS template declaring `en` over a Chinese body: the script decides.
    assert uses_char_shingles(chinese, "en")
    assert not uses_char_shingles(english, None) and not uses_char_shingles(english, "en")


def test_band_index_finds_every_document_through_merges_and_skew() -> None:
    rng = np.random.default_rng(3)
    index = BandIndex()
    loaded = rng.integers(0, 1 << 16, size=(2000, 128), dtype=np.uint16)
    # Many documents sharing one band value: a bucket wider than a lookup window.
    loaded[: WINDOW_CAP * 3, :2] = 7
    index.add_bulk([(np.arange(2000, dtype=np.uint32), loaded)], expected=2000)
    added = rng.integers(0, 1 << 16, size=(RUN_DOCS * 3 + 5, 128), dtype=np.uint16)
    for i, signature in enumerate(added):
        index.add(np.array([2000 + i], dtype=np.uint32), signature[None, :])
    assert len(index) == 2000 + len(added)
    for doc in (0, 1999, 2000, 2000 + RUN_DOCS, 2000 + len(added) - 1):
        signature = loaded[doc] if doc < 2000 else added[doc - 2000]
        assert index.candidates(signature)[0] == doc
    assert set(index.candidates(loaded[0])) >= set(range(WINDOW_CAP * 3))


def test_precision_and_recall_on_generated_corpus() -> None:
    docs = generate_corpus(seed=7, topics=300, fixture_bodies=fixture_bodies())
    kinds = {doc.kind for doc in docs}
    assert {"original", "distinct", "mirror", "edited"} <= kinds and {d.language for d in docs} == {
        "zh",
        "en",
    }
    scores = evaluate(docs, LshIndex(MemorySignatureStore(), NEARDUP_THRESHOLD))
    print(
        f"near-duplicates: precision {scores.precision:.4f}, recall {scores.recall:.4f}, {scores}"
    )
    assert scores.true_positives > 500
    assert scores.precision >= 0.99
    assert scores.recall >= 0.95


def test_index_persists_across_runs(tmp_path: Path) -> None:
    article = seed_article()
    path = tmp_path / NEARDUP_FILE
    signature = body_signature(article.body, article.language)
    assert signature is not None
    index, _store = open_neardup_index(path, NEARDUP_THRESHOLD)
    assert index.find(signature, article.canonical_url) is None
    index.add(signature, article.canonical_url)
    index.close()

    index, store = open_neardup_index(path, NEARDUP_THRESHOLD)
    assert len(index) == 1 and not store.created
    mirror = mirror_of(article)
    found = index.find(body_signature(mirror.body, mirror.language), mirror.canonical_url)  # type: ignore[arg-type]
    assert (
        found is not None
        and found.canonical_url == article.canonical_url
        and found.similarity >= 0.5
    )
    # The article's own next version is not a copy of it.
    assert index.find(body_signature(mirror.body, mirror.language), article.canonical_url) is None  # type: ignore[arg-type]
    index.close()


def crash_copy(path: Path, into: Path) -> Path:
    """The database and its write-ahead log as a kill would leave them (no checkpoint)."""
    into.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{path}{suffix}", into / f"{path.name}{suffix}")
    return into / path.name


def test_torn_log_tail_loses_only_the_torn_record(tmp_path: Path) -> None:
    bodies = fixture_bodies()
    path = tmp_path / "live" / NEARDUP_FILE
    index, _store = open_neardup_index(path, NEARDUP_THRESHOLD)
    for i, body in enumerate(bodies[:3]):
        index.add(body_signature(body, "zh"), f"https://a.test/{i}")  # type: ignore[arg-type]
    copy = crash_copy(path, tmp_path / "crashed")
    index.close()
    wal = Path(f"{copy}-wal")
    torn = wal.read_bytes()[:-100] + b"\x00garbage after a torn write"
    wal.write_bytes(torn)

    index, _store = open_neardup_index(copy, NEARDUP_THRESHOLD)
    assert len(index) == 2
    found = index.find(body_signature(bodies[1], "zh"), "https://farm.test/x")  # type: ignore[arg-type]
    assert found is not None and found.canonical_url == "https://a.test/1"
    index.add(body_signature(bodies[2], "zh"), "https://a.test/2")  # type: ignore[arg-type]
    index.close()
    assert len(open_neardup_index(copy, NEARDUP_THRESHOLD)[0]) == 3


@pytest.mark.parametrize("damage", ["not a database", "other scheme"])
def test_unusable_store_is_set_aside_and_a_new_one_started(tmp_path: Path, damage: str) -> None:
    path = tmp_path / NEARDUP_FILE
    if damage == "not a database":
        path.write_bytes(b"\x00\x01 this is not SQLite " * 300)
    else:
        open_neardup_index(path, NEARDUP_THRESHOLD)[0].close()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = 'simhash/0' WHERE key = 'scheme'")
        db.close()
    index, store = open_neardup_index(path, NEARDUP_THRESHOLD)
    assert len(index) == 0 and store.created
    assert [
        p.name
        for p in tmp_path.glob(f"{NEARDUP_FILE}.unusable-*")
        if not p.name.endswith(("-wal", "-shm"))
    ]
    index.close()


def crawler_for(tmp_path: Path, **settings: object):
    crawler = get_crawler(
        ArticlesSpider, settings_dict=project_settings(ARCHIVE_DIR=str(tmp_path), **settings)
    )
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


def opened_pipeline(crawler) -> NearDuplicatePipeline:
    pipeline = NearDuplicatePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def test_drop_policy_drops_mirror_and_keeps_new_version(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = opened_pipeline(crawler)
    article = seed_article()
    assert pipeline.process_item(article) is article
    with pytest.raises(DropItem, match="near_duplicate"):
        pipeline.process_item(mirror_of(article))
    edited = dataclasses.replace(
        article, body=article.body + "\n\n更新：补充说明。", content_hash="2" * 64
    )
    assert pipeline.process_item(edited) is edited
    pipeline.close_spider()
    assert crawler.stats.get_value("archiver/dropped/near_duplicate") == 1
    assert crawler.stats.get_value("archiver/marked/near_duplicate") is None

    # The next run knows the article: another farm's copy is dropped too.
    crawler = crawler_for(tmp_path)
    pipeline = opened_pipeline(crawler)
    with pytest.raises(DropItem, match="near_duplicate"):
        pipeline.process_item(mirror_of(article, "https://farm2.test/a.html"))
    pipeline.close_spider()
    assert crawler.stats.get_value("archiver/neardup/known") == 2


def test_mark_policy_keeps_mirror_with_duplicate_of(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, NEARDUP_POLICY="mark")
    pipeline = opened_pipeline(crawler)
    article = seed_article()
    assert pipeline.process_item(article).duplicate_of is None
    kept = pipeline.process_item(mirror_of(article))
    assert (
        kept.duplicate_of == article.canonical_url and kept.url == "https://farm.test/copy/1.html"
    )
    distinct = parse_article(
        (SITE / "news" / "2024092702.html").read_bytes(),
        "https://www.devnews-mirror.test/news/2024092702.html",
    )
    assert distinct is not None and pipeline.process_item(distinct).duplicate_of is None
    pipeline.close_spider()
    assert crawler.stats.get_value("archiver/marked/near_duplicate") == 1
    assert crawler.stats.get_value("archiver/dropped/near_duplicate") is None


def test_fixture_site_articles_are_not_near_duplicates_of_each_other(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = opened_pipeline(crawler)
    for page in sorted((SITE / "news").glob("*.html")):
        if not page.name.startswith("list"):
            article = parse_article(
                page.read_bytes(), f"https://www.devnews-mirror.test/news/{page.name}"
            )
            assert article is not None
            pipeline.process_item(article)
    pipeline.close_spider()
    assert (
        crawler.stats.get_value("archiver/neardup/known") == 0
    )  # set at open: the index was empty
    assert crawler.stats.get_value("archiver/dropped/near_duplicate") is None


def test_index_lives_in_state_dir_and_is_seeded_from_the_archive(tmp_path: Path) -> None:
    archive, state = tmp_path / "archive", tmp_path / "state"
    article = seed_article()
    writer = ArchiveWriter(archive, "articles-test", fsync=False)
    writer.write(json_line(article))
    writer.close()
    crawler = crawler_for(archive, STATE_DIR=str(state))
    pipeline = opened_pipeline(crawler)
    assert (state / NEARDUP_FILE).exists() and not (archive / NEARDUP_FILE).exists()
    assert crawler.stats.get_value("archiver/neardup/seeded") == 1
    with pytest.raises(DropItem, match="near_duplicate"):
        pipeline.process_item(mirror_of(article))
    pipeline.close_spider()


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("NEARDUP_POLICY", "keep", "NEARDUP_POLICY must be one of drop, mark"),
        ("NEARDUP_THRESHOLD", "high", "NEARDUP_THRESHOLD a number"),
        ("NEARDUP_THRESHOLD", 1.5, r"NEARDUP_THRESHOLD must be a similarity in \(0, 1\]"),
        ("NEARDUP_ENABLED", "maybe", "NEARDUP_ENABLED must be a boolean"),
    ],
)
def test_bad_settings_fail_with_a_clear_message(
    tmp_path: Path, setting: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        NearDuplicatePipeline.from_crawler(crawler_for(tmp_path, **{setting: value}))


def test_disabled_and_ordered_between_dedup_and_archive(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        NearDuplicatePipeline.from_crawler(crawler_for(tmp_path, NEARDUP_ENABLED=False))
    order = sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__)
    assert (
        order.index("archiver.crawl.pipelines.neardup.NearDuplicatePipeline")
        == order.index("archiver.crawl.pipelines.dedup.DedupPipeline") + 1
    )
    assert ITEM_PIPELINES["archiver.crawl.pipelines.neardup.NearDuplicatePipeline"] == 250
