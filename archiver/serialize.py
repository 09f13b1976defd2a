"""The one way a record becomes a JSON line, shared by the archive writer and the CLI."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from archiver.items import Article


def article_to_dict(article: Article) -> dict[str, Any]:
    """Plain dict in field order (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(article), ensure_ascii=False))


def json_line(record: dict[str, Any] | Article) -> bytes:
    """One complete UTF-8 JSONL line, `\\n`-terminated.

    U+2028/U+2029 are escaped: they are valid JSON but end lines for JavaScript and for
    Python's str.splitlines(), which would tear a record in two for many readers.
    """
    data = article_to_dict(record) if isinstance(record, Article) else record
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode("utf-8") + b"\n"
