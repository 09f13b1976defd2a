"""A scrapy-redis request serializer that cannot execute anything: JSON, not pickle.

Redis is shared; whoever can write to it must not be able to run code on the workers nor
steer their downloads. `decode_request` accepts only what this project queues: a JSON
object with a `url`, a GET without a body, a Request class from an allow-list, callbacks
the spider's own requests name, and the meta keys of `archiver.request_meta.QUEUEABLE`
(other keys are dropped and reported). Anything else raises `NotARequest`, whose `reason`
(`not_json`, `bad_shape`, `unknown_callback`) the queue counts when it dead-letters it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from archiver.request_meta import queued_meta

ALLOWED_CLASSES = frozenset(
    {"scrapy.http.request.Request", "scrapy.Request", "scrapy.http.Request"}
)
FIELDS = frozenset(
    {
        "url",
        "callback",
        "errback",
        "method",
        "headers",
        "body",
        "cookies",
        "meta",
        "encoding",
        "priority",
        "dont_filter",
        "flags",
        "_class",
    }
)
# The callbacks ArticlesSpider's requests name (a bare `parse` would reach scrapy.Spider.parse,
# which raises: the request would fail forever without ever being acknowledged).
CALLBACKS = frozenset({"parse_listing", "parse_article", "parse_sitemap"})
ERRBACKS = frozenset({"failed"})
_BYTES = "__b64__"


class NotARequest(ValueError):
    """A queued value this project did not write; `reason` names its dead-letter count."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Decoded:
    fields: dict[str, Any]
    """Keyword arguments for `scrapy.utils.request.request_from_dict`."""
    dropped_meta: tuple[str, ...]
    """Meta keys the project never queues, removed from `fields["meta"]`."""


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {
            (k.decode("latin-1") if isinstance(k, bytes) else str(k)): _encode(v)
            for k, v in value.items()
        }
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


def _named(value: Any, names: frozenset[str]) -> bool:
    return isinstance(value, str) and value in names


def dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(_encode(obj), separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    """scrapy-redis's serializer interface: `decode_request` without the report."""
    return decode_request(data).fields


def decode_request(data: bytes | str) -> Decoded:
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise NotARequest("not_json", type(exc).__name__) from None
    try:
        obj = (
            {k: _decode(v) for k, v in raw.items() if k in FIELDS}
            if isinstance(raw, dict)
            else None
        )
    except (ValueError, TypeError, RecursionError) as exc:  # a bad base64 value, a too deep one
        raise NotARequest("bad_shape", type(exc).__name__) from None
    if obj is None or not isinstance(obj.get("url"), str):
        raise NotARequest("bad_shape", "not a JSON object with a url")
    # The project queues GETs only: a POST with a body to a host the user named is not its doing.
    if obj.get("method", "GET") != "GET" or obj.get("body") not in (None, b"", ""):
        raise NotARequest(
            "bad_shape",
            f"method {obj.get('method')!r} with a body of {len(obj.get('body') or '')} bytes",
        )
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise NotARequest("bad_shape", "meta is not an object")
    callback, errback = obj.get("callback"), obj.get("errback")
    if not (_named(callback, CALLBACKS) and (errback is None or _named(errback, ERRBACKS))):
        raise NotARequest("unknown_callback", f"{str(callback)[:40]!r} / {str(errback)[:40]!r}")
    if not _named(obj.get("_class"), ALLOWED_CLASSES):
        obj.pop("_class", None)
    obj["meta"], dropped = queued_meta(meta)
    return Decoded(obj, dropped)
