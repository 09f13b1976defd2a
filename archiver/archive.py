"""JSONL archive shards on disk: whole lines, closed by rename, gzipped, one manifest each.

A shard's life; recovery on start finishes whichever step a crash interrupted:

    <base>.jsonl.open  --fsync, rename-->  <base>.jsonl
      --gzip to <base>.jsonl.gz.tmp, fsync, rename-->  <base>.jsonl.gz
      --write <base>.jsonl.gz.manifest.json (tmp, fsync, rename)-->  unlink <base>.jsonl

A file only gets a final name once complete, so a shard is read from exactly one file:
its `.jsonl.gz` if there is one, else its `.jsonl`, else its `.jsonl.open` (complete lines
only). Each record is read once whatever state a crash left the shard in.

One writer per directory: recovery treats every open shard in it as left by a crash.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, cast

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".jsonl.open"
PLAIN_SUFFIX = ".jsonl"
GZ_SUFFIX = ".jsonl.gz"
CLOSED_SUFFIXES = (PLAIN_SUFFIX, GZ_SUFFIX)
# The file a shard is read from: the first of these that exists.
READ_ORDER = (GZ_SUFFIX, PLAIN_SUFFIX, OPEN_SUFFIX)
MANIFEST_SUFFIX = ".manifest.json"
TMP_SUFFIX = ".tmp"
GZIP_LEVEL = 6


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_whole(file: IO[bytes], data: bytes) -> None:
    """Write all of `data` to an unbuffered file: a raw write may be short, a record must land whole."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:
            raise OSError(f"write to {file.name} made no progress")
        view = view[written:]


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def shard_base(name: str) -> tuple[str, str] | None:
    """(base, suffix) of a shard file name, or None for any other file (manifests, temp files)."""
    for suffix in READ_ORDER:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return None


def _json_object(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class ShardSummary:
    """What a manifest says about a shard's records: how many, and their fetched_at span."""

    records: int = 0
    first_fetched_at: str | None = None
    last_fetched_at: str | None = None

    def note(self, record: dict[str, Any]) -> None:
        self.records += 1
        when = record.get("fetched_at")
        if isinstance(when, str):
            # fetched_at is ISO 8601 UTC with a `Z`, so string order is time order.
            if self.first_fetched_at is None or when < self.first_fetched_at:
                self.first_fetched_at = when
            if self.last_fetched_at is None or when > self.last_fetched_at:
                self.last_fetched_at = when


def _open_shard(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if path.name.endswith(".gz") else open(path, "rb")


def _shard_records(fh: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The complete JSON-object lines of an open shard file; a torn last line is not one."""
    for line in fh:
        record = _json_object(line) if line.endswith(b"\n") else None
        if record is not None:
            yield record


def summarise(path: Path) -> ShardSummary:
    summary = ShardSummary()
    with _open_shard(path) as fh:
        for record in _shard_records(fh):
            summary.note(record)
    return summary


def manifest_path(shard: Path) -> Path:
    return shard.with_name(shard.name + MANIFEST_SUFFIX)


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _write_durably(path: Path, data: bytes, *, fsync: bool) -> None:
    """Write a small file whole: temp name, fsync, rename, fsync the directory."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if fsync:
        fsync_dir(path.parent)


def write_manifest(shard: Path, summary: ShardSummary, *, fsync: bool) -> Path:
    """`<shard>.manifest.json`: records, bytes and sha256 of the shard file as it is on disk."""
    manifest = {
        "shard": shard.name,
        "records": summary.records,
        "bytes": shard.stat().st_size,
        "sha256": _sha256(shard),
        "compression": "gzip" if shard.name.endswith(".gz") else None,
        "first_fetched_at": summary.first_fetched_at,
        "last_fetched_at": summary.last_fetched_at,
        "created": _utc_now(),
    }
    path = manifest_path(shard)
    _write_durably(path, json.dumps(manifest, indent=2).encode() + b"\n", fsync=fsync)
    return path


def _gzip_shard(plain: Path, *, fsync: bool) -> Path:
    """`<base>.jsonl` → `<base>.jsonl.gz`, written under a temp name and renamed once durable."""
    final = plain.with_name(plain.name[: -len(PLAIN_SUFFIX)] + GZ_SUFFIX)
    tmp = final.with_name(final.name + TMP_SUFFIX)
    with open(plain, "rb") as src, open(tmp, "wb") as raw:
        # mtime=0 and no file name: the same shard always gzips to the same bytes.
        with gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=raw, mtime=0) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
        raw.flush()
        if fsync:
            os.fsync(raw.fileno())
    os.replace(tmp, final)
    if fsync:
        fsync_dir(final.parent)
    return final


def finish_shard(plain: Path, summary: ShardSummary, *, gzip_shard: bool, fsync: bool) -> Path:
    """The steps after `.jsonl` exists: gzip (optional), manifest, drop the plain file last."""
    final = _gzip_shard(plain, fsync=fsync) if gzip_shard else plain
    write_manifest(final, summary, fsync=fsync)
    if gzip_shard:
        # Only now is the .jsonl.gz durable and described: the plain copy can go.
        plain.unlink()
        if fsync:
            fsync_dir(plain.parent)
    return final


class ArchiveWriter:
    """Appends complete lines to `<prefix>-<seq>.jsonl.open`; closing gives the shard its final name.

    A reader never sees a closed shard with a partial line: lines are written with one
    `write` each, and a shard only gets its final name after an fsync. A shard is closed
    at `max_records` records or once it holds `max_bytes` bytes (0: no size limit); with
    `gzip` it ends as `.jsonl.gz`. Every closed shard gets a manifest.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        *,
        max_records: int = 100_000,
        fsync: bool = True,
        max_bytes: int = 0,
        gzip: bool = False,
    ) -> None:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        if max_bytes < 0:
            raise ValueError("max_bytes must be 0 (no limit) or more")
        self.directory = directory
        self.prefix = prefix
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.gzip = gzip
        self.seq = 0
        self.records_in_shard = 0
        self.bytes_in_shard = 0
        self.records_total = 0
        self.closed_shards: list[Path] = []
        self._summary = ShardSummary()
        self._file: Any = None
        self._path: Path | None = None

    def write(self, line: bytes) -> None:
        if not line.endswith(b"\n") or b"\n" in line[:-1]:
            raise ValueError("an archive line must be exactly one \\n-terminated line")
        record = _json_object(line)
        if record is None:
            raise ValueError("an archive line must be one JSON object")
        if self._file is None:
            self._open_next()
        write_whole(self._file, line)
        self.records_in_shard += 1
        self.bytes_in_shard += len(line)
        self.records_total += 1
        self._summary.note(record)
        if self.records_in_shard >= self.max_records or 0 < self.max_bytes <= self.bytes_in_shard:
            self.close()

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.seq += 1
        self._path = self.directory / f"{self.prefix}-{self.seq:05d}{OPEN_SUFFIX}"
        self._file = open(self._path, "ab", buffering=0)
        self.records_in_shard = 0
        self.bytes_in_shard = 0
        self._summary = ShardSummary()

    def sync(self) -> None:
        """Make every line written so far durable (fsync the open shard); no-op when none is open."""
        if self._file is not None and self.fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is None or self._path is None:
            return
        if self.fsync:
            os.fsync(self._file.fileno())
        self._file.close()
        plain = self._path.with_name(self._path.name.removesuffix(".open"))
        os.replace(self._path, plain)
        if self.fsync:
            fsync_dir(self.directory)
        self._file = None
        self._path = None
        self.closed_shards.append(finish_shard(plain, self._summary, gzip_shard=self.gzip, fsync=self.fsync))


KeepRecord = Callable[[str, dict[str, Any]], bool]


def _cut_torn_lines(path: Path, plain: Path, *, fsync: bool, keep: KeepRecord | None = None) -> tuple[ShardSummary, int]:
    """Copy an open shard's complete JSON lines to `plain`; (their summary, bytes cut)."""
    data = path.read_bytes()
    summary = ShardSummary()
    kept = []
    base = path.name.removesuffix(OPEN_SUFFIX)
    for line in data.split(b"\n")[:-1]:
        record = _json_object(line)
        if record is not None and (keep is None or keep(base, record)):
            summary.note(record)
            kept.append(line + b"\n")
    good = b"".join(kept)
    if kept:
        _write_durably(plain, good, fsync=fsync)
    return summary, len(data) - len(good)


def _recover_shard(
    directory: Path, base: str, present: set[str], *, gzip_shard: bool, fsync: bool, keep: KeepRecord | None
) -> tuple[Path, int, int] | None:
    """Finish one shard's interrupted close; None when it was already finished."""
    gz, plain, opened = (directory / (base + s) for s in (GZ_SUFFIX, PLAIN_SUFFIX, OPEN_SUFFIX))
    if GZ_SUFFIX in present:
        # The .gz only gets its name once complete: any plain or open copy is a leftover.
        leftovers = [p for p in (plain, opened) if p.exists()]
        if not leftovers and manifest_path(gz).exists():
            return None
        summary = summarise(gz)
        if not manifest_path(gz).exists():
            write_manifest(gz, summary, fsync=fsync)
        for path in leftovers:
            path.unlink()
        return gz, summary.records, 0
    if PLAIN_SUFFIX in present:
        if OPEN_SUFFIX in present:  # a crash between writing the cut copy and unlinking the open one
            opened.unlink()
        elif manifest_path(plain).exists():
            return None  # a finished plain shard (written with gzip off)
        summary = summarise(plain)
        return finish_shard(plain, summary, gzip_shard=gzip_shard, fsync=fsync), summary.records, 0
    summary, cut = _cut_torn_lines(opened, plain, fsync=fsync, keep=keep)
    opened.unlink()
    if cut:
        logger.warning("Recovered shard %s: kept %d records, cut %d bytes of torn or corrupt lines", plain.name, summary.records, cut)
    if not summary.records:
        return plain, 0, cut
    return finish_shard(plain, summary, gzip_shard=gzip_shard, fsync=fsync), summary.records, cut


def recover_open_shards(
    directory: Path,
    *,
    gzip: bool = False,
    fsync: bool = True,
    accept: Callable[[str], bool] | None = None,
    keep: KeepRecord | None = None,
) -> list[tuple[Path, int, int]]:
    """Finish every shard a crash left half closed: cut torn lines, gzip, write manifests.

    Returns (final shard, records kept, bytes cut) for each shard recovered. A plain
    `.jsonl` without a manifest is treated as interrupted before its manifest (or gzip).
    `accept(base)` picks the shards to touch (not a live worker's, when several share the
    directory); `keep(base, record)` may cut records a dead worker no longer owns.
    """
    if not directory.is_dir():
        return []
    shards: dict[str, set[str]] = {}
    for path in directory.iterdir():
        found = shard_base(path.name)
        if found and (accept is None or accept(found[0])):
            shards.setdefault(found[0], set()).add(found[1])
    for base in shards:
        for tmp in directory.glob(f"{base}.jsonl*{TMP_SUFFIX}"):
            tmp.unlink()  # never complete: the file it was becoming is still there, or still to make
    recovered = []
    for base in sorted(shards):
        result = _recover_shard(directory, base, shards[base], gzip_shard=gzip, fsync=fsync, keep=keep)
        if result is not None:
            recovered.append(result)
    if recovered and fsync:
        fsync_dir(directory)
    return recovered


def _shard_bases(directory: Path) -> list[str]:
    return sorted({found[0] for p in directory.iterdir() if (found := shard_base(p.name))})


def _open_current(directory: Path, base: str) -> IO[bytes] | None:
    """The shard's file to read, opened; retried because a live close renames files forward."""
    for _attempt in range(3):
        for suffix in READ_ORDER:
            try:
                return _open_shard(directory / (base + suffix))
            except FileNotFoundError:
                continue
    return None


def iter_archive_records(directory: Path) -> Iterator[dict[str, Any]]:
    """Every complete record in the archive's shards (closed, gzipped or still open), each once."""
    if not directory.is_dir():
        return
    for base in _shard_bases(directory):
        fh = _open_current(directory, base)
        if fh is None:
            continue
        with fh:
            try:
                yield from _shard_records(fh)
            except (OSError, EOFError) as exc:  # a damaged .gz: keep what came before the damage
                logger.warning("Archive shard %s is damaged: %s", base, exc)


def verify_archive(directory: Path) -> list[str]:
    """Problems found checking every manifest against its shard, one line each; [] when sound.

    Open shards (a crawl running, or recovery still to run) are not checked.
    """
    if not directory.is_dir():
        return [f"{directory}: not a directory"]
    problems = []
    for manifest in sorted(directory.glob(f"*{MANIFEST_SUFFIX}")):
        problems += _check_manifest(directory, manifest)
    for base in _shard_bases(directory):
        for suffix in CLOSED_SUFFIXES:
            shard = directory / (base + suffix)
            if shard.exists() and not manifest_path(shard).exists():
                problems.append(f"{shard.name}: no manifest")
    return problems


def _check_manifest(directory: Path, manifest: Path) -> list[str]:
    try:
        expected = json.loads(manifest.read_bytes())
        shard = directory / expected["shard"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{manifest.name}: unreadable manifest: {exc}"]
    if not shard.exists():
        return [f"{shard.name}: missing (its manifest is {manifest.name})"]
    if shard.stat().st_size != expected.get("bytes"):
        return [f"{shard.name}: {shard.stat().st_size} bytes, manifest says {expected.get('bytes')}"]
    if _sha256(shard) != expected.get("sha256"):
        return [f"{shard.name}: sha256 differs from its manifest"]
    try:
        summary = summarise(shard)
    except (OSError, EOFError) as exc:
        return [f"{shard.name}: unreadable: {exc}"]
    found = (summary.records, summary.first_fetched_at, summary.last_fetched_at)
    claimed = (expected.get("records"), expected.get("first_fetched_at"), expected.get("last_fetched_at"))
    return [] if found == claimed else [f"{shard.name}: records/fetched_at span {found}, manifest says {claimed}"]
