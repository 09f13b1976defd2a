"""Writing JSONL archive shards: whole lines, closed by rename, gzipped, one manifest each.

A shard's life (`archiver.archive` reads shards back and finishes whichever step a crash
interrupted):

    <base>.jsonl.open  --fsync, rename-->  <base>.jsonl
      --gzip to <base>.jsonl.gz.tmp, fsync, rename-->  <base>.jsonl.gz
      --write <base>.jsonl.gz.manifest.json (tmp, fsync, rename)-->  unlink <base>.jsonl

A file only gets a final name once complete, so a shard is read from exactly one file:
its `.jsonl.gz` if there is one, else its `.jsonl`, else its `.jsonl.open` (complete lines
only).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

OPEN_SUFFIX = ".jsonl.open"
PLAIN_SUFFIX = ".jsonl"
GZ_SUFFIX = ".jsonl.gz"
CLOSED_SUFFIXES = (PLAIN_SUFFIX, GZ_SUFFIX)
# The file a shard is read from: the first of these that exists.
READ_ORDER = (GZ_SUFFIX, PLAIN_SUFFIX, OPEN_SUFFIX)
MANIFEST_SUFFIX = ".manifest.json"
TMP_SUFFIX = ".tmp"
GZIP_LEVEL = 6

from archiver.items import utc_iso

logger = logging.getLogger(__name__)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ShardTorn(OSError):
    """The open shard holds a torn line that could not be cut back: it takes no more lines."""


def discard_temp_files(shard: Path) -> None:
    """Remove the temp files a failed gzip or manifest step left beside a shard."""
    base = shard.name.split(".jsonl", 1)[0]
    for tmp in shard.parent.glob(f"{base}.jsonl*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)


def write_whole(file: IO[bytes], data: bytes) -> None:
    """Write all of `data` to an unbuffered file: a raw write may be short, a record must land
    whole."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:
            raise OSError(f"write to {file.name} made no progress")
        view = view[written:]


def shard_base(name: str) -> tuple[str, str] | None:
    """(base, suffix) of a shard file name, or None for any other file (manifests, temp files)."""
    for suffix in READ_ORDER:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return None


def json_object(line: bytes) -> dict[str, Any] | None:
    """The line as a JSON object, or None when it is not one."""
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


def manifest_path(shard: Path) -> Path:
    return shard.with_name(shard.name + MANIFEST_SUFFIX)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@contextmanager
def durable_file(path: Path, *, fsync: bool) -> Iterator[IO[bytes]]:
    """A file that appears at `path` whole or not at all: written under a temp name,
    fsynced, renamed, and the directory fsynced."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with open(tmp, "wb") as fh:
        yield fh
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if fsync:
        fsync_dir(path.parent)


def write_durably(path: Path, data: bytes, *, fsync: bool) -> None:
    """Write a small file whole (see durable_file)."""
    with durable_file(path, fsync=fsync) as fh:
        fh.write(data)


def write_manifest(shard: Path, summary: ShardSummary, *, fsync: bool) -> Path:
    """`<shard>.manifest.json`: records, bytes and sha256 of the shard file as it is on disk."""
    manifest = {
        "shard": shard.name,
        "records": summary.records,
        "bytes": shard.stat().st_size,
        "sha256": sha256_of(shard),
        "compression": "gzip" if shard.name.endswith(".gz") else None,
        "first_fetched_at": summary.first_fetched_at,
        "last_fetched_at": summary.last_fetched_at,
        "created": utc_iso(),
    }
    path = manifest_path(shard)
    write_durably(path, json.dumps(manifest, indent=2).encode() + b"\n", fsync=fsync)
    return path


def _gzip_shard(plain: Path, *, fsync: bool) -> Path:
    """`<base>.jsonl` → `<base>.jsonl.gz`, written under a temp name and renamed once durable."""
    final = plain.with_name(plain.name[: -len(PLAIN_SUFFIX)] + GZ_SUFFIX)
    # mtime=0 and no file name: the same shard always gzips to the same bytes.
    with (
        open(plain, "rb") as src,
        durable_file(final, fsync=fsync) as raw,
        gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=raw, mtime=0) as gz,
    ):
        shutil.copyfileobj(src, gz, 1 << 20)
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
    """Appends complete lines to `<prefix>-<seq>.jsonl.open`; closing gives the shard its final
    name.

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
        # The open shard a failed write left torn (its cut-back failed too), if any.
        self.torn: Path | None = None
        # Closed shards whose gzip or manifest could not be written (recovered at the next start).
        self.unfinished: list[Path] = []

    def write(self, line: bytes) -> None:
        """Append one line, whole or not at all: a failed write (ENOSPC, EIO) cuts the shard
        back to its last whole line and raises, so the next line never glues onto a torn one."""
        if not line.endswith(b"\n") or b"\n" in line[:-1]:
            raise ValueError("an archive line must be exactly one \\n-terminated line")
        record = json_object(line)
        if record is None:
            raise ValueError("an archive line must be one JSON object")
        if self.torn is not None:
            raise ShardTorn(
                f"{self.torn}: a write failed and could not be cut back; "
                "nothing more is written to it"
            )
        if self._file is None:
            self._open_next()
        try:
            write_whole(self._file, line)
        except OSError:
            self._cut_back()
            raise
        self.records_in_shard += 1
        self.bytes_in_shard += len(line)
        self.records_total += 1
        self._summary.note(record)
        if self.records_in_shard >= self.max_records or 0 < self.max_bytes <= self.bytes_in_shard:
            self.close()

    def _cut_back(self) -> None:
        """Truncate the open shard to its whole lines after a failed write (a full disk took
        part of the line: the next line would be glued onto it)."""
        assert self._file is not None and self._path is not None
        try:
            os.ftruncate(self._file.fileno(), self.bytes_in_shard)
        except OSError:
            # Left as it is, `.open`: recovery at the next start cuts the torn tail.
            self.torn = self._path
            raise

    @property
    def open_path(self) -> Path | None:
        """The shard being written, if one is open."""
        return self._path

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.seq += 1
        self._path = self.directory / f"{self.prefix}-{self.seq:05d}{OPEN_SUFFIX}"
        # Open across many writes, closed in close(): no `with` can hold it.
        self._file = open(self._path, "ab", buffering=0)  # noqa: SIM115
        self.records_in_shard = 0
        self.bytes_in_shard = 0
        self._summary = ShardSummary()

    def sync(self) -> None:
        """Make every line written so far durable (fsync the open shard); no-op when none is
        open."""
        if self._file is not None and self.fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the open shard: fsync, rename to `.jsonl`, then gzip and manifest. When a
        finishing step fails (a full disk) the whole `.jsonl` stays for recovery to finish at
        the next start; a torn shard stays `.open`, for recovery to cut."""
        if self._file is None or self._path is None:
            return
        file, path = self._file, self._path
        self._file = self._path = None
        if self.torn is not None:
            file.close()
            return
        try:
            if self.fsync:
                os.fsync(file.fileno())
        finally:
            file.close()
        plain = path.with_name(path.name.removesuffix(".open"))
        os.replace(path, plain)
        if self.fsync:
            fsync_dir(self.directory)
        try:
            self.closed_shards.append(
                finish_shard(plain, self._summary, gzip_shard=self.gzip, fsync=self.fsync)
            )
        except OSError as exc:
            discard_temp_files(plain)
            self.unfinished.append(plain)
            logger.warning(
                "Could not finish shard %s (%s): it stays whole as %s, finished at the next start",
                plain.name,
                exc,
                PLAIN_SUFFIX,
            )
