"""The archive loads with Hugging Face `datasets`, offline, from the gzip shards as they are."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Before datasets is imported: its config reads these once. Local files only, nothing fetched.
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

from datasets import load_dataset
from test_export import golden_records, write_archive

from archiver.tools.export import archive_features, closed_shards, export_parquet

# Compared as they are: pyarrow's JSON reader turns ISO dates it can parse into timestamps.
EXACT = (
    "url",
    "canonical_url",
    "site",
    "title",
    "body",
    "body_html",
    "toc",
    "related",
    "breadcrumb",
    "author",
    "tags",
    "content_hash",
    "extractor",
    "field_sources",
)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return str(tmp_path / "cache")


def test_a_gzip_shard_loads_as_it_is(tmp_path: Path, cache: str) -> None:
    records = golden_records()
    archive = write_archive(tmp_path / "archive", records, max_records=1000)
    ds = load_dataset(
        "json", data_files=str(archive / "*.jsonl.gz"), split="train", cache_dir=cache
    )
    assert ds.num_rows == len(records)
    assert ds.column_names == list(records[0])
    for name in EXACT:
        assert ds[name] == [r[name] for r in records], name


def test_shards_of_many_runs_load_with_the_archive_features(tmp_path: Path, cache: str) -> None:
    records = golden_records()
    # The first shards have no new version (previous_version null throughout), the last has one:
    # type inference from the first shard alone would fail on it.
    records[-1] = {**records[-1], "previous_version": records[0]["content_hash"]}
    archive = write_archive(tmp_path / "archive", records)
    ds = load_dataset(
        "json",
        data_files=closed_shards(archive),
        split="train",
        cache_dir=cache,
        features=archive_features(),
    )
    assert ds["previous_version"] == [r["previous_version"] for r in records]
    for name in EXACT:
        assert ds[name] == [r[name] for r in records], name
    # The catch the README states: Arrow's JSON reader took the dates for timestamps and gives
    # them back in UTC, offset dropped (the Parquet export keeps them as written).
    i = next(i for i, r in enumerate(records) if (r["published"] or "").endswith("+08:00"))
    utc = datetime.fromisoformat(records[i]["published"]).astimezone(UTC)
    assert ds["published"][i] == utc.strftime("%Y-%m-%d %H:%M:%S")


def test_the_parquet_export_loads_exactly(tmp_path: Path, cache: str) -> None:
    records = golden_records()
    archive = write_archive(tmp_path / "archive", records)
    export_parquet(archive, tmp_path / "a.parquet")
    ds = load_dataset(
        "parquet", data_files=str(tmp_path / "a.parquet"), split="train", cache_dir=cache
    )
    assert ds.to_list() == records
