"""A scrapy-redis priority queue whose pops are leases, acknowledged when the work is done.

scrapy-redis pops without acknowledgement: a worker killed mid-request loses what it took.
Here a pop moves the request into a lease (payload + deadline) atomically; the worker
acknowledges it once the request's record is durable; a lease whose deadline passes (its
worker died) goes back to the queue, where any worker takes it.

A popped value this project did not write (not JSON, the wrong shape, a callback the spider
lacks) is moved, with its lease, to the dead-letter list `<queue>:dead` in one transaction,
counted (`archiver/redis/dead_letter/<reason>`) and logged once per reason; the worker
takes the next value. Meta keys the project never queues are dropped and counted
(`archiver/redis/meta_dropped`).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from scrapy import Request
from scrapy.utils.request import request_from_dict
from scrapy_redis.queue import PriorityQueue

from archiver.distributed import serializer as json_requests
from archiver.distributed.serializer import NotARequest
from archiver.request_meta import LEASE_META, queued_meta

logger = logging.getLogger(__name__)

# Poison values buried per pop before the engine gets control back (it asks again at once).
BURY_PER_POP = 100

# KEYS: queue, lease payloads (hash), lease deadlines (zset), lease scores (hash)
# ARGV: lease seconds. Returns {lease_id, payload} or nil.
POP_WITH_LEASE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', t, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local payload = redis.call('HGET', KEYS[2], id)
  if payload then
    local score = redis.call('HGET', KEYS[4], id) or '0'
    redis.call('ZADD', KEYS[1], score, payload)
  end
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[4], id)
end
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return nil end
local payload, score = popped[1], popped[2]
local id = redis.sha1hex(payload)
redis.call('HSET', KEYS[2], id, payload)
redis.call('HSET', KEYS[4], id, score)
redis.call('ZADD', KEYS[3], t + tonumber(ARGV[1]), id)
return {id, payload}
"""


def lease_keys(queue_key: str) -> tuple[str, str, str]:
    return f"{queue_key}:leases", f"{queue_key}:deadlines", f"{queue_key}:scores"


def dead_letter_key(queue_key: str) -> str:
    """The list where values popped from `queue_key` that are not requests end up."""
    return f"{queue_key}:dead"


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's PriorityQueue with leased pops (see module docstring)."""

    lease_seconds = 120.0

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        # Always archiver's JSON serializer, whatever SCHEDULER_SERIALIZER says: decoding is
        # where values from a shared Redis are checked, and pickle would run their code.
        super().__init__(server, spider, key, json_requests)
        self.leases, self.deadlines, self.scores = lease_keys(self.key)
        self.dead = dead_letter_key(self.key)
        self._warned: set[str] = set()
        self._pop = server.register_script(POP_WITH_LEASE)
        self.lease_seconds = float(
            spider.settings.getfloat("ARCHIVER_REDIS_LEASE_SECONDS", self.lease_seconds)
        )

    def __len__(self) -> int:
        # Outstanding leases count: a dead worker's requests come back when they expire.
        return int(self.server.zcard(self.key)) + int(self.server.zcard(self.deadlines))

    def pop(self, timeout: int = 0) -> Request | None:
        for _ in range(BURY_PER_POP):
            found = self._pop(
                keys=[self.key, self.leases, self.deadlines, self.scores], args=[self.lease_seconds]
            )
            if not found:
                return None
            lease_id, payload = found
            lease_id = lease_id.decode() if isinstance(lease_id, bytes) else lease_id
            try:
                request = self._decode_request(payload)
            except NotARequest as poison:
                self._bury(lease_id, payload, poison.reason)
                continue
            request.meta[LEASE_META] = lease_id
            return request
        return None

    def _encode_request(self, request: Request) -> bytes:
        # What the downloader left on a request it retries or redirects (download_slot,
        # download_latency, download_maxsize, …) stays behind: a worker decoding it would
        # drop it anyway, and would warn as if someone else had queued it.
        obj = request.to_dict(spider=self.spider)
        obj["meta"] = queued_meta(obj.get("meta") or {})[0]
        return json_requests.dumps(obj)

    def _decode_request(self, encoded_request: bytes) -> Request:
        decoded = json_requests.decode_request(encoded_request)
        names = (decoded.fields["callback"], decoded.fields.get("errback"))
        if not all(callable(getattr(self.spider, name, None)) for name in names if name):
            raise NotARequest("unknown_callback", f"this spider has no {names}")
        try:
            request = request_from_dict(decoded.fields, spider=self.spider)
        except Exception as exc:  # noqa: BLE001 - whatever Request() rejects (a bad URL, encoding, header)
            raise NotARequest("bad_shape", f"{type(exc).__name__}: {exc}") from None
        if decoded.dropped_meta:
            self._count("archiver/redis/meta_dropped", len(decoded.dropped_meta))
            self._warn_once(
                "meta",
                "Dropped meta keys %s of a queued request to %s: archiver never queues them "
                "(further ones only counted)",
                ", ".join(k[:40] for k in decoded.dropped_meta[:10]),
                request.url[:200],
            )
        return request

    def _bury(self, lease_id: str, payload: bytes, reason: str) -> None:
        """Move a value that is not a request to the dead-letter list and end its lease,
        atomically."""
        pipe = self.server.pipeline()
        pipe.rpush(self.dead, payload).zrem(self.deadlines, lease_id).hdel(
            self.leases, lease_id
        ).hdel(self.scores, lease_id)
        pipe.execute()
        self._count(f"archiver/redis/dead_letter/{reason}")
        self._warn_once(
            reason,
            "Moved a queued value that is not a request (%s) to %s: %r (further ones only counted)",
            reason,
            self.dead,
            payload[:200],
        )

    def _count(self, key: str, n: int = 1) -> None:
        stats = getattr(getattr(self.spider, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(key, n)

    def _warn_once(self, condition: str, message: str, *args: Any) -> None:
        if condition not in self._warned:
            self._warned.add(condition)
            logger.warning(message, *args)

    def ack(self, lease_ids: list[str]) -> None:
        if not lease_ids:
            return
        pipe = self.server.pipeline()
        pipe.zrem(self.deadlines, *lease_ids).hdel(self.leases, *lease_ids).hdel(
            self.scores, *lease_ids
        )
        pipe.execute()

    def clear(self) -> None:
        self.server.delete(self.key, self.leases, self.deadlines, self.scores)


def lease_id_of(payload: bytes) -> str:
    """The id POP_WITH_LEASE gives a payload (sha1 hex), for tests and tools."""
    return hashlib.sha1(payload).hexdigest()
