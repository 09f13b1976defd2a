"""`python -m archiver export --parquet`: columns and nested types from the JSON Schema, exact
round trip."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FIXTURES, ROOT

from archiver import parse_article
from archiver.archive import ArchiveWriter, iter_archive_records
from archiver.serialize import json_line
from archiver.tools import golden
from archiver.tools.export import (
    ExportError,
    arrow_schema,
    closed_shards,
    export_parquet,
    load_schema,
)


def golden_records() -> list[dict]:
    """Every fixture article parsed with today's code (so fields being added are included)."""
    records = []
    for case in golden.cases(FIXTURES):
        if case.kind == "article" and case.expected:
            article = parse_article(
                golden.read_bytes(case.page), case.input["url"], fetched_at=case.input["fetched_at"]
            )
            assert article is not None
            records.append(json.loads(json_line(article)))
    return records


def write_archive(
    directory: Path, records: list[dict], *, max_records: int = 5, gzip: bool = True
) -> Path:
    """An archive as the crawl writes it: gzipped shards with manifests; the last record a new
    version."""
    writer = ArchiveWriter(
        directory,
        "articles-20240930T080000Z-test-1",
        max_records=max_records,
        gzip=gzip,
        fsync=False,
    )
    for record in records:
        writer.write(json_line(record))
    writer.close()
    return directory


@pytest.fixture(scope="module")
def records() -> list[dict]:
    found = golden_records()
    assert len(found) >= 10
    # A later shard holds a new version: previous_version null in the first shards, a string here.
    found[-1] = {**found[-1], "previous_version": found[0]["content_hash"]}
    return found


def test_parquet_round_trip_gives_the_records(records: list[dict], tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", records)
    assert len(closed_shards(archive)) == -(-len(records) // 5)
    out = tmp_path / "a.parquet"
    assert export_parquet(archive, out, batch_records=4) == len(records)
    table = pq.read_table(out)
    assert table.column_names == list(load_schema()["properties"]) == list(records[0])
    assert table.to_pylist() == list(iter_archive_records(archive)) == records
    assert not list(tmp_path.glob("*.tmp"))


def test_nested_fields_are_typed_from_the_schema() -> None:
    schema = arrow_schema()
    assert schema.field("toc").type == pa.list_(
        pa.struct([("level", pa.int64()), ("text", pa.string()), ("anchor", pa.string())])
    )
    assert schema.field("related").type.value_type.names == ["title", "url", "snippet"]
    assert schema.field("breadcrumb").type == pa.list_(pa.string())
    assert schema.field("published").type == pa.string()  # ISO 8601 kept as written, offset and all
    assert pa.types.is_struct(schema.field("field_sources").type)
    assert schema.field("title").metadata[b"description"] == b"Article title."


def test_schema_variants_and_a_field_an_older_archiver_did_not_write(tmp_path: Path) -> None:
    custom = {
        "$defs": {"Tag": {"type": "object", "properties": {"n": {"type": "number"}}}},
        "properties": {
            "a": {"anyOf": [{"$ref": "#/$defs/Tag"}, {"type": "null"}]},
            "b": {"type": ["boolean", "null"]},
            "c": {"type": "array", "items": {"type": "integer"}},
        },
    }
    schema = arrow_schema(custom)
    assert schema.field("a").type == pa.struct([("n", pa.float64())])
    assert (schema.field("b").type, schema.field("c").type) == (pa.bool_(), pa.list_(pa.int64()))
    with pytest.raises(ExportError):
        arrow_schema({"properties": {"x": {"type": ["string", "integer"]}}})
    old = write_archive(
        tmp_path / "old",
        [{k: v for k, v in r.items() if k != "body_markdown"} for r in golden_records()[:2]],
    )
    export_parquet(old, tmp_path / "old.parquet")
    assert pq.read_table(tmp_path / "old.parquet").column("body_markdown").to_pylist() == [
        None,
        None,
    ]


def test_a_record_that_does_not_fit_is_named(records: list[dict], tmp_path: Path) -> None:
    bad = {**records[1], "toc": [{"level": "one", "text": "x", "anchor": None}]}
    archive = write_archive(tmp_path / "archive", [records[0], bad])
    with pytest.raises(ExportError, match=bad["url"]):
        export_parquet(archive, tmp_path / "a.parquet")
    extra = write_archive(tmp_path / "extra", [{**records[0], "surprise": 1}])
    with pytest.raises(ExportError, match="surprise"):
        export_parquet(extra, tmp_path / "a.parquet")
    assert not (tmp_path / "a.parquet").exists() and not (tmp_path / "a.parquet.tmp").exists()


def test_export_command(records: list[dict], tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", records, gzip=False)
    out = tmp_path / "out.parquet"
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", "archiver", *a],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    proc = run("export", str(archive), "--parquet", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"exported {len(records)} records" in proc.stdout
    assert pq.read_table(out).num_rows == len(records)
    missing = run("export", str(tmp_path / "nope"), "--parquet", str(out))
    assert (
        missing.returncode == 2
        and "not a directory" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    no_out = run("export", str(archive))
    assert (
        no_out.returncode == 2 and "--parquet" in no_out.stderr and "Traceback" not in no_out.stderr
    )
    bad = write_archive(tmp_path / "bad", [dataclasses.asdict(_Bad())])  # type: ignore[arg-type]
    failed = run("export", str(bad), "--parquet", str(out))
    assert (
        failed.returncode == 1
        and "https://bad.test/" in failed.stderr
        and "Traceback" not in failed.stderr
    )


@dataclasses.dataclass
class _Bad:
    url: str = "https://bad.test/"
    toc: str = "not a list"


def test_bad_output_paths_exit_2_without_traceback(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", golden_records()[:1])
    for args in (
        ["export", str(archive), "--parquet", str(tmp_path / "no" / "x.parquet")],
        ["export", str(archive), "--parquet", str(tmp_path)],
        ["report", str(archive), "-o", str(tmp_path / "no" / "r.html")],
        ["report", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html")],
        ["parse", str(ROOT / "fixtures" / "site"), "-o", str(tmp_path / "no" / "o.jsonl")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "archiver", *args],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert (
            proc.returncode == 2 and "error:" in proc.stderr and "Traceback" not in proc.stderr
        ), (args, proc.stderr)
