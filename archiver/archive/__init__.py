"""The archive: JSONL shards with manifests, written crash-safe and read back whole.

writer.py writes and closes shards, reader.py reads them back (and recovers what a crash
left), lock.py keeps one worker per open shard, schema.py generates the JSON Schema from
`archiver.items`, warc.py keeps raw pages as WARC, drift.py the per-run coverage summaries
in ARCHIVE_DIR/runs/. The line a record becomes is `archiver.serialize.json_line` (shared
with extraction's record-size cap). This face names what readers of an archive use:
`from archiver.archive import iter_archive_records, verify_archive`.
"""

from __future__ import annotations

from archiver.archive.reader import (
    UnreadableLines,
    iter_archive_entries,
    iter_archive_records,
    recover_open_shards,
    verify_archive,
)
from archiver.archive.writer import ArchiveWriter

__all__ = [
    "ArchiveWriter",
    "UnreadableLines",
    "iter_archive_entries",
    "iter_archive_records",
    "recover_open_shards",
    "verify_archive",
]
