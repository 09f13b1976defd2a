"""Archive shards on real files: size rotation, gzip, manifests, every crash state, verification."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.archive import (
    ArchiveWriter,
    iter_archive_records,
    recover_open_shards,
    verify_archive,
)
from archiver.archive.writer import manifest_path
from archiver.serialize import json_line


def record(i: int) -> bytes:
    return json_line({"i": i, "fetched_at": f"2024-09-30T08:00:{i % 60:02d}Z", "body": "正文" * 20})


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def write_records(directory: Path, n: int, **kwargs: object) -> ArchiveWriter:
    writer = ArchiveWriter(directory, "t", **kwargs)  # type: ignore[arg-type]
    for i in range(n):
        writer.write(record(i))
    writer.close()
    return writer


def test_shards_rotate_by_size_as_well_as_count(tmp_path: Path) -> None:
    size = len(record(0))
    writer = write_records(tmp_path, 7, max_records=100, max_bytes=3 * size)
    assert [p.name for p in writer.closed_shards] == [
        "t-00001.jsonl",
        "t-00002.jsonl",
        "t-00003.jsonl",
    ]
    assert [len(p.read_bytes().splitlines()) for p in writer.closed_shards] == [3, 3, 1]
    assert [r["i"] for r in iter_archive_records(tmp_path)] == list(range(7))
    by_count = write_records(tmp_path / "count", 5, max_records=2, max_bytes=10**9)
    assert len(by_count.closed_shards) == 3


def test_gzipped_shards_with_manifests(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "t", max_records=3, gzip=True)
    for i in (5, 2, 9, 1):  # fetched_at out of order: the manifest gives the span
        writer.write(record(i))
    writer.close()
    assert names(tmp_path) == [
        "t-00001.jsonl.gz",
        "t-00001.jsonl.gz.manifest.json",
        "t-00002.jsonl.gz",
        "t-00002.jsonl.gz.manifest.json",
    ]
    shard = tmp_path / "t-00001.jsonl.gz"
    assert gzip.decompress(shard.read_bytes()) == record(5) + record(2) + record(9)
    manifest = json.loads(manifest_path(shard).read_bytes())
    assert (
        manifest["shard"] == shard.name
        and manifest["records"] == 3
        and manifest["compression"] == "gzip"
    )
    assert manifest["bytes"] == shard.stat().st_size
    assert manifest["sha256"] == hashlib.sha256(shard.read_bytes()).hexdigest()
    assert (manifest["first_fetched_at"], manifest["last_fetched_at"]) == (
        "2024-09-30T08:00:02Z",
        "2024-09-30T08:00:09Z",
    )
    assert manifest["created"].endswith("Z")
    assert [r["i"] for r in iter_archive_records(tmp_path)] == [5, 2, 9, 1]
    assert verify_archive(tmp_path) == []


def test_sync_fsyncs_the_open_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    writer = ArchiveWriter(tmp_path, "t")
    writer.sync()
    assert synced == []  # nothing open yet
    writer.write(record(1))
    writer.sync()
    assert synced == [writer._file.fileno()]
    assert (tmp_path / "t-00001.jsonl.open").read_bytes() == record(1)
    writer.close()


def test_writer_refuses_lines_that_are_not_one_json_object(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "t")
    for bad in (b"[1, 2]\n", b'{"a": 1}', b'{"a": 1}\n{"b": 2}\n', b'{"a": \n'):
        with pytest.raises(ValueError):
            writer.write(bad)
    with pytest.raises(ValueError):
        ArchiveWriter(tmp_path, "t", max_bytes=-1)


def closed_gz(directory: Path) -> tuple[Path, Path]:
    """A finished gzipped shard of records 0..3 and its plain form, as a close makes them."""
    write_records(directory, 4, gzip=True)
    gz = directory / "t-00001.jsonl.gz"
    plain = directory / "t-00001.jsonl"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))
    return gz, plain


def crashed_before_gzip(d: Path) -> None:
    gz, _plain = closed_gz(d)
    gz.unlink()
    manifest_path(gz).unlink()


def crashed_while_gzipping(d: Path) -> None:
    gz, _plain = closed_gz(d)
    tmp = gz.with_name(gz.name + ".tmp")
    tmp.write_bytes(gz.read_bytes()[:40])  # a partial temp file
    gz.unlink()
    manifest_path(gz).unlink()


def crashed_before_manifest(d: Path) -> None:
    gz, _plain = closed_gz(d)
    manifest_path(gz).unlink()


def crashed_while_writing_manifest(d: Path) -> None:
    gz, _plain = closed_gz(d)
    manifest = manifest_path(gz)
    manifest.with_name(manifest.name + ".tmp").write_bytes(manifest.read_bytes()[:30])
    manifest.unlink()


def crashed_before_unlinking_plain(d: Path) -> None:
    closed_gz(d)


def crashed_mid_shard(d: Path) -> None:
    (d / "t-00001.jsonl.open").write_bytes(
        b"".join(record(i) for i in range(4)) + b'{"i": 4, "fetch'
    )


def crashed_during_earlier_recovery(d: Path) -> None:
    """The cut copy became the .jsonl, but the .open it came from was not yet removed."""
    (d / "t-00001.jsonl").write_bytes(b"".join(record(i) for i in range(4)))
    (d / "t-00001.jsonl.open").write_bytes(
        b"".join(record(i) for i in range(4)) + b'{"i": 4, "fetch'
    )


CRASHES = [
    crashed_mid_shard,
    crashed_during_earlier_recovery,
    crashed_before_gzip,
    crashed_while_gzipping,
    crashed_before_manifest,
    crashed_while_writing_manifest,
    crashed_before_unlinking_plain,
]


@pytest.mark.parametrize("crash", CRASHES, ids=[c.__name__ for c in CRASHES])
def test_every_crash_state_reads_each_record_once_and_recovers(
    tmp_path: Path, crash: Callable[[Path], None]
) -> None:
    crash(tmp_path)
    # Before recovery (a consumer reading a crashed archive), each record is read once.
    assert [r["i"] for r in iter_archive_records(tmp_path)] == [0, 1, 2, 3]
    recovered = recover_open_shards(tmp_path, gzip=True)
    assert [(p.name, kept) for p, kept, _cut in recovered] == [("t-00001.jsonl.gz", 4)]
    assert names(tmp_path) == ["t-00001.jsonl.gz", "t-00001.jsonl.gz.manifest.json"]
    assert [r["i"] for r in iter_archive_records(tmp_path)] == [0, 1, 2, 3]
    assert verify_archive(tmp_path) == []
    assert recover_open_shards(tmp_path, gzip=True) == []  # nothing left to do


def test_recovery_without_gzip_keeps_plain_shards_and_adds_manifests(tmp_path: Path) -> None:
    crashed_mid_shard(tmp_path)
    (tmp_path / "legacy-00001.jsonl").write_bytes(record(7))  # closed before manifests existed
    recovered = recover_open_shards(tmp_path)
    assert [(p.name, kept, cut) for p, kept, cut in recovered] == [
        ("legacy-00001.jsonl", 1, 0),
        ("t-00001.jsonl", 4, len(b'{"i": 4, "fetch')),
    ]
    assert verify_archive(tmp_path) == []
    # A finished plain shard stays plain even when a later run gzips its own.
    assert recover_open_shards(tmp_path, gzip=True) == []
    assert (tmp_path / "t-00001.jsonl").exists()


def test_open_shard_with_no_complete_line_is_removed(tmp_path: Path) -> None:
    (tmp_path / "t-00001.jsonl.open").write_bytes(b'{"i": 0, "fe')
    assert recover_open_shards(tmp_path, gzip=True) == [(tmp_path / "t-00001.jsonl", 0, 12)]
    assert names(tmp_path) == []


def test_iter_reads_plain_gzipped_and_open_shards_in_name_order(tmp_path: Path) -> None:
    write_records(tmp_path, 2, gzip=True)  # t-00001.jsonl.gz
    (tmp_path / "u-00001.jsonl").write_bytes(record(2))
    (tmp_path / "v-00001.jsonl.open").write_bytes(record(3) + b'{"torn')
    assert [r["i"] for r in iter_archive_records(tmp_path)] == [0, 1, 2, 3]


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("gzipped", [True, False], ids=["gz", "plain"])
def test_verify_archive_detects_a_flipped_byte(tmp_path: Path, gzipped: bool) -> None:
    writer = write_records(tmp_path, 6, max_records=3, gzip=gzipped)
    assert verify_archive(tmp_path) == []
    damaged = writer.closed_shards[1]
    flip_byte(damaged, damaged.stat().st_size // 2)
    assert verify_archive(tmp_path) == [f"{damaged.name}: sha256 differs from its manifest"]


def test_verify_archive_reports_missing_shards_manifests_and_wrong_counts(tmp_path: Path) -> None:
    writer = write_records(tmp_path, 9, max_records=3, gzip=True)
    first, second, third = writer.closed_shards
    first.unlink()
    manifest_path(second).unlink()
    manifest = json.loads(manifest_path(third).read_bytes())
    manifest_path(third).write_text(json.dumps({**manifest, "records": 4}))
    (tmp_path / "open-00001.jsonl.open").write_bytes(record(1))  # a live shard is not checked
    problems = verify_archive(tmp_path)
    assert problems[0] == f"{first.name}: missing (its manifest is {manifest_path(first).name})"
    assert problems[1].startswith(f"{third.name}: records/fetched_at span (3, ")
    assert problems[2] == f"{second.name}: no manifest"
    assert len(problems) == 3
