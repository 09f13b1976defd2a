"""JSONL archive shards on disk: written whole-line, closed by rename, torn tails recovered."""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".jsonl.open"
CLOSED_SUFFIXES = (".jsonl", ".jsonl.gz")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ArchiveWriter:
    """Appends complete lines to `<prefix>-<seq>.jsonl.open`; closing renames it to `.jsonl`.

    A reader never sees a closed shard with a partial line: lines are written with one
    `write` each, and a shard only gets its final name after an fsync.
    """

    def __init__(self, directory: Path, prefix: str, *, max_records: int = 100_000, fsync: bool = True) -> None:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        self.directory = directory
        self.prefix = prefix
        self.max_records = max_records
        self.fsync = fsync
        self.seq = 0
        self.records_in_shard = 0
        self.records_total = 0
        self.closed_shards: list[Path] = []
        self._file: Any = None
        self._path: Path | None = None

    def write(self, line: bytes) -> None:
        if not line.endswith(b"\n") or b"\n" in line[:-1]:
            raise ValueError("an archive line must be exactly one \\n-terminated line")
        if self._file is None:
            self._open_next()
        self._file.write(line)
        self._file.flush()
        self.records_in_shard += 1
        self.records_total += 1
        if self.records_in_shard >= self.max_records:
            self.close()

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.seq += 1
        self._path = self.directory / f"{self.prefix}-{self.seq:05d}{OPEN_SUFFIX}"
        self._file = open(self._path, "ab", buffering=0)
        self.records_in_shard = 0

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
        final = self._path.with_name(self._path.name.removesuffix(".open"))
        os.replace(self._path, final)
        if self.fsync:
            _fsync_dir(self.directory)
        self.closed_shards.append(final)
        self._file = None
        self._path = None


def recover_open_shards(directory: Path) -> list[tuple[Path, int, int]]:
    """Close shards a crash left open: keep their complete JSON lines, cut the rest.

    Returns (closed shard, records kept, bytes cut) for each shard recovered.
    """
    recovered = []
    for path in sorted(directory.glob(f"*{OPEN_SUFFIX}")):
        data = path.read_bytes()
        kept = [line + b"\n" for line in data.split(b"\n")[:-1] if _json_object(line) is not None]
        good = b"".join(kept)
        cut = len(data) - len(good)
        final = path.with_name(path.name.removesuffix(".open"))
        if kept:
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as fh:
                fh.write(good)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        path.unlink(missing_ok=True)
        _fsync_dir(directory)
        if cut:
            logger.warning("Recovered shard %s: kept %d records, cut %d bytes of torn or corrupt lines", final.name, len(kept), cut)
        recovered.append((final, len(kept), cut))
    return recovered


def _json_object(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def iter_archive_records(directory: Path) -> Iterator[dict[str, Any]]:
    """Every complete record in the archive's shards (closed, gzipped or still open)."""
    if not directory.is_dir():
        return
    for path in sorted(directory.iterdir()):
        name = path.name
        if not (name.endswith(CLOSED_SUFFIXES) or name.endswith(OPEN_SUFFIX)):
            continue
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            for line in fh:
                record = _json_object(line) if line.endswith(b"\n") else None
                if record is not None:
                    yield record
