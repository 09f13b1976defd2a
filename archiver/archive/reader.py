"""The archive's shards read back, whatever a crash left: recovery, records, manifest checks.

Shards are written by `archiver.archive.writer.ArchiveWriter`. Each
record is read once whatever step of a shard's close a crash interrupted: a shard is read
from its `.jsonl.gz` if there is one, else its `.jsonl`, else its `.jsonl.open` (complete
lines only). On start, `recover_open_shards` finishes those steps.

One writer per directory: recovery treats every open shard in it as left by a crash.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from archiver.archive.writer import (
    CLOSED_SUFFIXES,
    GZ_SUFFIX,
    MANIFEST_SUFFIX,
    OPEN_SUFFIX,
    PLAIN_SUFFIX,
    READ_ORDER,
    TMP_SUFFIX,
    ShardSummary,
    discard_temp_files,
    finish_shard,
    fsync_dir,
    json_object,
    manifest_path,
    sha256_of,
    shard_base,
    write_durably,
    write_manifest,
)

logger = logging.getLogger(__name__)


def _open_shard(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if path.name.endswith(".gz") else open(path, "rb")


def _shard_records(fh: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The complete JSON-object lines of an open shard file; a torn last line is not one."""
    for line in fh:
        record = json_object(line) if line.endswith(b"\n") else None
        if record is not None:
            yield record


def summarise(path: Path) -> ShardSummary:
    summary = ShardSummary()
    with _open_shard(path) as fh:
        for record in _shard_records(fh):
            summary.note(record)
    return summary


KeepRecord = Callable[[str, dict[str, Any]], bool]


def _cut_torn_lines(
    path: Path, plain: Path, *, fsync: bool, keep: KeepRecord | None = None
) -> tuple[ShardSummary, int]:
    """Copy an open shard's complete JSON lines to `plain`; (their summary, bytes cut)."""
    data = path.read_bytes()
    summary = ShardSummary()
    kept = []
    base = path.name.removesuffix(OPEN_SUFFIX)
    for line in data.split(b"\n")[:-1]:
        record = json_object(line)
        if record is not None and (keep is None or keep(base, record)):
            summary.note(record)
            kept.append(line + b"\n")
    good = b"".join(kept)
    if kept:
        write_durably(plain, good, fsync=fsync)
    return summary, len(data) - len(good)


def _recover_shard(
    directory: Path,
    base: str,
    present: set[str],
    *,
    gzip_shard: bool,
    fsync: bool,
    keep: KeepRecord | None,
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
        if (
            OPEN_SUFFIX in present
        ):  # a crash between writing the cut copy and unlinking the open one
            opened.unlink()
        elif manifest_path(plain).exists():
            return None  # a finished plain shard (written with gzip off)
        summary = summarise(plain)
        return finish_shard(plain, summary, gzip_shard=gzip_shard, fsync=fsync), summary.records, 0
    summary, cut = _cut_torn_lines(opened, plain, fsync=fsync, keep=keep)
    opened.unlink()
    if cut:
        logger.warning(
            "Recovered shard %s: kept %d records, cut %d bytes of torn or corrupt lines",
            plain.name,
            summary.records,
            cut,
        )
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
            # Never complete: the file it was becoming is still there, or still to make.
            tmp.unlink()
    recovered = []
    for base in sorted(shards):
        try:
            result = _recover_shard(
                directory, base, shards[base], gzip_shard=gzip, fsync=fsync, keep=keep
            )
        except OSError as exc:  # a full disk: what is whole stays as it is, for the next start
            discard_temp_files(directory / (base + PLAIN_SUFFIX))
            logger.warning(
                "Could not recover shard %s now (%s): left for the next start", base, exc
            )
            continue
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


@dataclass
class UnreadableLines:
    """Whole lines of shards that are not JSON objects (not UTF-8, not JSON): counted, and
    the first few named as `file:line: why`."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, where: str) -> None:
        self.count += 1
        if len(self.examples) < 5:
            self.examples.append(where)


def _line_problem(line: bytes) -> str:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 (byte 0x{line[exc.start]:02x} at column {exc.start + 1})"
    try:
        json.loads(text)
    except ValueError as exc:
        return f"not JSON ({exc})"
    return "not a JSON object"


def _readable_records(
    fh: IO[bytes], name: str, unreadable: UnreadableLines | None
) -> Iterator[dict[str, Any]]:
    """`_shard_records`, saying which whole lines it skipped: counted in `unreadable` when the
    caller collects them, else the first of the shard logged (file:line and why)."""
    bad = 0
    for number, line in enumerate(fh, 1):
        record = json_object(line) if line.endswith(b"\n") else None
        if record is not None:
            yield record
        elif line.endswith(b"\n"):  # a torn last line is a write in progress, not a bad line
            where = f"{name}:{number}: {_line_problem(line)}"
            bad += 1
            if unreadable is not None:
                unreadable.note(where)
            elif bad == 1:
                logger.warning(
                    "Skipped archive line %s (further bad lines of this shard are not logged)",
                    where,
                )


def iter_archive_entries(
    directory: Path, unreadable: UnreadableLines | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(shard base, record) for every complete record in the archive's shards (closed, gzipped
    or still open), each once. A whole line that is not a record is counted in `unreadable`,
    or else logged (the first of each shard)."""
    if not directory.is_dir():
        return
    for base in _shard_bases(directory):
        fh = _open_current(directory, base)
        if fh is None:
            continue
        with fh:
            try:
                for record in _readable_records(
                    fh, Path(str(getattr(fh, "name", base))).name, unreadable
                ):
                    yield base, record
            except (OSError, EOFError) as exc:  # a damaged .gz: keep what came before the damage
                logger.warning("Archive shard %s is damaged: %s", base, exc)


def iter_archive_records(
    directory: Path, unreadable: UnreadableLines | None = None
) -> Iterator[dict[str, Any]]:
    """Every complete record in the archive's shards (closed, gzipped or still open), each once."""
    for _base, record in iter_archive_entries(directory, unreadable):
        yield record


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
        return [
            f"{shard.name}: {shard.stat().st_size} bytes, manifest says {expected.get('bytes')}"
        ]
    if sha256_of(shard) != expected.get("sha256"):
        return [f"{shard.name}: sha256 differs from its manifest"]
    try:
        summary = summarise(shard)
    except (OSError, EOFError) as exc:
        return [f"{shard.name}: unreadable: {exc}"]
    found = (summary.records, summary.first_fetched_at, summary.last_fetched_at)
    claimed = (
        expected.get("records"),
        expected.get("first_fetched_at"),
        expected.get("last_fetched_at"),
    )
    return (
        []
        if found == claimed
        else [f"{shard.name}: records/fetched_at span {found}, manifest says {claimed}"]
    )
