"""The one way a record becomes a JSON line, shared by the archive writer and the CLI."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from archiver.items import Article


def article_to_dict(article: Article) -> dict[str, Any]:
    """Plain dict in field order (nested records become dicts, tuples become lists).

    Built directly: `dataclasses.asdict` deep-copies every value, and with a JSON round trip
    it cost more than extracting the record.
    """
    return _plain(article)  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is int or kind is bool or kind is float:
        return value
    if kind is tuple or kind is list:
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float)):  # subclasses (an IntEnum, a str subclass)
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    names = _field_names(type(value))
    return {name: _plain(getattr(value, name)) for name in names}


# Field names of a record class: fixed per class, looked up once.
@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def json_line(record: dict[str, Any] | Article) -> bytes:
    """One complete UTF-8 JSONL line, `\\n`-terminated.

    U+2028/U+2029 are escaped: they are valid JSON but end lines for JavaScript and for
    Python's str.splitlines(), which would tear a record in two for many readers.
    """
    data = article_to_dict(record) if isinstance(record, Article) else record
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode("utf-8") + b"\n"
