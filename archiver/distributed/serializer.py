"""A scrapy-redis request serializer that cannot execute anything: JSON, not pickle.

Redis is shared; whoever can write to it must not be able to run code on the workers.
`loads` accepts only plain request fields, a Request class from an allow-list, and
callbacks named like the spider's own parse methods.
"""

from __future__ import annotations

import base64
import json
from typing import Any

ALLOWED_CLASSES = frozenset({"scrapy.http.request.Request", "scrapy.Request", "scrapy.http.Request"})
FIELDS = frozenset({
    "url", "callback", "errback", "method", "headers", "body", "cookies", "meta", "encoding",
    "priority", "dont_filter", "flags", "cb_kwargs", "_class",
})
_BYTES = "__b64__"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {(k.decode("latin-1") if isinstance(k, bytes) else str(k)): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return None  # not representable: dropped rather than pickled


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_BYTES}:
            return base64.b64decode(value[_BYTES])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _safe_method_name(name: Any) -> str | None:
    return name if isinstance(name, str) and (name.startswith("parse") or name == "failed") else None


def dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(_encode(obj), separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    raw = json.loads(data)
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
        raise ValueError("not a serialized request")
    obj = {k: _decode(v) for k, v in raw.items() if k in FIELDS}
    if obj.get("_class") not in ALLOWED_CLASSES:
        obj.pop("_class", None)
    obj["callback"] = _safe_method_name(obj.get("callback"))
    obj["errback"] = _safe_method_name(obj.get("errback"))
    return obj
