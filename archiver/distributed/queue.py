"""A scrapy-redis priority queue whose pops are leases, acknowledged when the work is done.

scrapy-redis pops without acknowledgement: a worker killed mid-request loses what it took.
Here a pop moves the request into a lease (payload + deadline) atomically; the worker
acknowledges it once the request's record is durable; a lease whose deadline passes (its
worker died) goes back to the queue, where any worker takes it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy_redis.queue import PriorityQueue

LEASE_META = "archiver_lease"

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


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's PriorityQueue with leased pops (see module docstring)."""

    lease_seconds = 120.0

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.leases, self.deadlines, self.scores = lease_keys(self.key)
        self._pop = server.register_script(POP_WITH_LEASE)
        self.lease_seconds = float(spider.settings.getfloat("ARCHIVER_REDIS_LEASE_SECONDS", self.lease_seconds))

    def __len__(self) -> int:
        # Outstanding leases count: a dead worker's requests come back when they expire.
        return int(self.server.zcard(self.key)) + int(self.server.zcard(self.deadlines))

    def pop(self, timeout: int = 0) -> Any:
        found = self._pop(keys=[self.key, self.leases, self.deadlines, self.scores], args=[self.lease_seconds])
        if not found:
            return None
        lease_id, payload = found
        request = self._decode_request(payload)
        request.meta[LEASE_META] = lease_id.decode() if isinstance(lease_id, bytes) else lease_id
        return request

    def ack(self, lease_ids: list[str]) -> None:
        if not lease_ids:
            return
        pipe = self.server.pipeline()
        pipe.zrem(self.deadlines, *lease_ids).hdel(self.leases, *lease_ids).hdel(self.scores, *lease_ids)
        pipe.execute()

    def clear(self) -> None:
        self.server.delete(self.key, self.leases, self.deadlines, self.scores)


def lease_id_of(payload: bytes) -> str:
    """The id POP_WITH_LEASE gives a payload (sha1 hex), for tests and tools."""
    return hashlib.sha1(payload).hexdigest()
