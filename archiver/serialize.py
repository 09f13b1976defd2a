"""The one way a record becomes a JSON line, shared by the archive writer and the CLI."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import orjson

from archiver.items import Article

# orjson writes compact UTF-8 JSON, records (dataclasses) in field order, tuples as arrays:
# byte for byte what `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` wrote
# (tests/test_serialize.py checks every code point), at a quarter of the cost.
_OPTIONS = orjson.OPT_NON_STR_KEYS


def article_to_dict(article: Article) -> dict[str, Any]:
    """Plain dict in field order (nested records become dicts, tuples become lists)."""
    return orjson.loads(orjson.dumps(article))  # type: ignore[no-any-return]


def json_line(record: dict[str, Any] | Article) -> bytes:
    """One complete UTF-8 JSONL line, `\\n`-terminated.

    U+2028/U+2029 are escaped: they are valid JSON but end lines for JavaScript and for
    Python's str.splitlines(), which would tear a record in two for many readers. NaN and
    infinities are refused (orjson would write null), as `json.dumps(allow_nan=False)` did.
    """
    data = orjson.dumps(record, option=_OPTIONS)
    if b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data:
        data = data.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
    if not isinstance(record, Article) and _has_non_finite(record):
        raise ValueError("Out of range float values are not JSON compliant")
    return data + b"\n"


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_has_non_finite(getattr(value, f.name)) for f in _fields(type(value)))
    return False


@functools.cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)
