"""The archive as a dataset: Parquet export typed from the JSON Schema, Hugging Face helpers.

Columns are the record's keys in schema order; nested lists and objects become Arrow
lists and structs, typed from `article.schema.json` (read at run time, so a field added
to the items appears here without a code change). Every column is nullable: a field that
an older archiver did not write is null rather than an error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.archive.reader import iter_archive_records
from archiver.archive.schema import SCHEMA_PATH
from archiver.archive.writer import GZ_SUFFIX, MANIFEST_SUFFIX, PLAIN_SUFFIX, shard_base

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_RECORDS = 1000


class ExportError(Exception):
    """The export cannot go on; the message says why (and which record)."""


def load_schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        return _resolve(target, root)
    return node


def _non_null(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The node with `null` taken out of its type (`["string", "null"]`, `anyOf: [X, null]`)."""
    node = _resolve(node, root)
    for key in ("anyOf", "oneOf"):
        options = [
            _resolve(o, root) for o in node.get(key, ()) if _resolve(o, root).get("type") != "null"
        ]
        if len(options) == 1:
            return _non_null(options[0], root)
        if options:
            raise ExportError(f"cannot type a union of {len(options)} kinds for Parquet: {node}")
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) != 1:
            raise ExportError(f"cannot type a union of {kinds} for Parquet")
        return {**node, "type": kinds[0]}
    return node


def arrow_type(node: dict[str, Any], root: dict[str, Any]) -> pa.DataType:
    """The Arrow type of one JSON Schema node."""
    import pyarrow as pa

    node = _non_null(node, root)
    kind = node.get("type")
    scalars = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
    }
    if kind in scalars:
        return scalars[kind]
    if kind == "array":
        return pa.list_(arrow_type(node.get("items", {"type": "string"}), root))
    if kind == "object" and node.get("properties"):
        return pa.struct(_arrow_fields(node, root))
    if kind == "null":
        return pa.null()
    raise ExportError(f"cannot type JSON Schema node for Parquet: {node}")


def _arrow_fields(node: dict[str, Any], root: dict[str, Any]) -> list[pa.Field]:
    import pyarrow as pa

    return [
        pa.field(
            name,
            arrow_type(prop, root),
            nullable=True,
            metadata={"description": str(_resolve(prop, root).get("description", ""))},
        )
        for name, prop in node["properties"].items()
    ]


def arrow_schema(schema: dict[str, Any] | None = None) -> pa.Schema:
    """The record's Arrow schema: one column per top-level JSON Schema property, in order."""
    import pyarrow as pa

    root = schema if schema is not None else load_schema()
    return pa.schema(
        _arrow_fields(root, root), metadata={"json_schema_id": str(root.get("$id", ""))}
    )


def archive_features() -> Any:
    """`datasets.Features` of the record, for `load_dataset("json", …, features=…)`."""
    from datasets import Features

    return Features.from_arrow_schema(arrow_schema())


def closed_shards(directory: Path) -> list[str]:
    """One file per closed shard (its `.jsonl.gz`, else its `.jsonl`), for `data_files=`.

    Open shards (a crawl is writing them) and half-made files are left out: between gzip and
    cleanup a shard exists as both `.jsonl` and `.jsonl.gz`, and a glob of both would read it
    twice.
    """
    bases: dict[str, set[str]] = {}
    for path in directory.iterdir():
        found = shard_base(path.name)
        if found and found[1] in (GZ_SUFFIX, PLAIN_SUFFIX):
            bases.setdefault(found[0], set()).add(found[1])
    files = []
    for base, suffixes in sorted(bases.items()):
        # A .jsonl.gz without its manifest is still being finished: its plain copy is whole.
        gz_done = (
            GZ_SUFFIX in suffixes and (directory / (base + GZ_SUFFIX + MANIFEST_SUFFIX)).exists()
        )
        if gz_done or PLAIN_SUFFIX in suffixes:
            files.append(str(directory / (base + (GZ_SUFFIX if gz_done else PLAIN_SUFFIX))))
    return files


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _to_table(batch: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    # from_pylist would silently leave out a key the schema lacks: "same columns" or nothing.
    for record in batch:
        unknown = set(record) - set(schema.names)
        if unknown:
            raise ExportError(
                f"record {record.get('url')} has fields the schema does not know: {sorted(unknown)}"
            )
    try:
        return pa.Table.from_pylist(batch, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
        # Name the record that does not fit, not just the batch.
        for record in batch:
            try:
                pa.Table.from_pylist([record], schema=schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as one:
                raise ExportError(
                    f"record {record.get('url')} does not match the schema: {one}"
                ) from one
        raise ExportError(f"batch does not match the schema: {exc}") from exc


def export_parquet(directory: Path, out: Path, *, batch_records: int = BATCH_RECORDS) -> int:
    """Write every archive record to one Parquet file (temp name, then rename); the record count."""
    import pyarrow.parquet as pq

    schema = arrow_schema()
    tmp = out.with_name(out.name + ".tmp")
    count = 0
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in _batches(iter_archive_records(directory), batch_records):
                writer.write_table(_to_table(batch, schema))
                count += len(batch)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return count
