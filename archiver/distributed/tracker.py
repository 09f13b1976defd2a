"""RedisTracker: the CrawlTracker of a distributed crawl (records, done URLs, lease acks).

Records are claimed in Redis before their line is written (pending, with the claiming
worker's shard prefix as owner) and committed after the shard is fsynced. A pending claim
older than the lease time belongs to a dead worker and is taken over by whoever meets the
article next; the dead worker's orphaned shard later keeps only the lines it still owns.
A younger pending claim of another worker is `claimed_elsewhere`: that worker may still die
before its line is written, so the record is not dropped as a duplicate and its request is
left unacknowledged, to be fetched again once its lease ends.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from redis import Redis
from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from archiver.distributed.queue import lease_keys
from archiver.extract.urls import dedup_key
from archiver.request_meta import LEASE_META
from archiver.shardlock import prefix_of
from archiver.state.crawl import Claim, RequestLike, Validators

logger = logging.getLogger(__name__)

# KEYS: records (hash url_fp -> "hash|state|owner|time"), hashes (hash content_hash -> url_fp)
# ARGV: url_fp, content_hash, owner, takeover_after. Returns {outcome, previous}.
CLAIM = """
local now = redis.call('TIME')
local t = tonumber(now[1])
local mine = ARGV[2] .. '|p|' .. ARGV[3] .. '|' .. t
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local h, st, own, ts = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if st == 'p' and own ~= ARGV[3] then
    if t - tonumber(ts) > tonumber(ARGV[4]) then
      redis.call('HSET', KEYS[1], ARGV[1], mine)
      redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
      return {'new', ''}
    end
    return {'claimed_elsewhere', h}
  end
  if h == ARGV[2] then return {'duplicate_url', h} end
  redis.call('HSET', KEYS[1], ARGV[1], mine)
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
  return {'new_version', h}
end
local other = redis.call('HGET', KEYS[2], ARGV[2])
if other and other ~= ARGV[1] then return {'duplicate_content', ''} end
redis.call('HSET', KEYS[1], ARGV[1], mine)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {'new', ''}
"""

# KEYS: records. ARGV: owner, url_fp... Marks this owner's pending claims committed.
COMMIT = """
local n = 0
for i = 2, #ARGV do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur then
    local h, st, own, ts = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
    if own == ARGV[1] then
      redis.call('HSET', KEYS[1], ARGV[i], h .. '|c|' .. own .. '|' .. ts)
      n = n + 1
    end
  end
end
return n
"""


def url_fp(url: str) -> str:
    return hashlib.blake2b(dedup_key(url).encode("utf-8"), digest_size=16).hexdigest()


class RedisTracker:
    def __init__(self, server: Redis, prefix: str, queue_key: str, *, takeover_after: float) -> None:
        self.server = server
        self.records, self.hashes, self.done_key = f"{prefix}:records", f"{prefix}:hashes", f"{prefix}:done"
        self.leases, self.deadlines, self.scores = lease_keys(queue_key)
        self.takeover_after = takeover_after
        self._claim = server.register_script(CLAIM)
        self._commit = server.register_script(COMMIT)
        self._hooks: list[Callable[[], None]] = []
        self._acks: list[str] = []
        self._done: list[str] = []
        self._claims: dict[str, list[str]] = {}
        self.committer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisTracker:
        from archiver.state.context import redis_url

        s = crawler.settings
        name = crawler.spidercls.name
        tracker = cls(
            Redis.from_url(redis_url(crawler) or ""),
            f"archiver:{name}",
            s.get("SCHEDULER_QUEUE_KEY", "%(spider)s:requests") % {"spider": name},
            takeover_after=s.getfloat("ARCHIVER_REDIS_LEASE_SECONDS", 120.0),
        )
        interval = s.getfloat("STATE_COMMIT_INTERVAL", 1.0)
        crawler.signals.connect(lambda spider: tracker.start(interval), signal=signals.spider_opened, weak=False)
        crawler.signals.connect(lambda spider, reason: tracker.close(), signal=signals.spider_closed, weak=False)
        return tracker

    def start(self, interval: float) -> None:
        self.committer = task.LoopingCall(self.commit)
        self.committer.start(interval, now=False)

    # -- CrawlTracker -------------------------------------------------------------
    def known(self, url: str) -> Validators | None:
        return Validators(None, None, time.time()) if self.server.sismember(self.done_key, url_fp(url)) else None

    def done(self, request: RequestLike, validators: tuple[str | None, str | None] | None = None) -> None:
        self._done.append(url_fp(request.url))
        self._ack(request)

    def failed(self, request: RequestLike) -> None:
        self._ack(request)

    def _ack(self, request: RequestLike) -> None:
        """Hand the request's lease back at the next commit, after the archive is synced."""
        lease = request.meta.get(LEASE_META)
        if lease:
            self._acks.append(lease)

    def claim_record(self, canonical_url: str, content_hash: str, owner: str) -> Claim:
        fp = url_fp(canonical_url)
        outcome, previous = self._claim(keys=[self.records, self.hashes], args=[fp, content_hash, owner, self.takeover_after])
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        previous = (previous.decode() if isinstance(previous, bytes) else previous) or None
        if outcome in ("new", "new_version"):
            self._claims.setdefault(owner, []).append(fp)
        return Claim(outcome, previous)

    def on_commit(self, hook: Callable[[], None]) -> None:
        self._hooks.append(hook)

    def commit(self) -> None:
        """After the archive is synced: commit claims, record done URLs, ack leases."""
        for hook in self._hooks:
            hook()
        claims, acks, done = self._claims, self._acks, self._done
        self._claims, self._acks, self._done = {}, [], []
        for owner, fps in claims.items():
            self._commit(keys=[self.records], args=[owner, *fps])
        pipe = self.server.pipeline()
        if done:
            pipe.sadd(self.done_key, *done)
        if acks:
            pipe.zrem(self.deadlines, *acks).hdel(self.leases, *acks).hdel(self.scores, *acks)
        pipe.execute()

    def keeps_orphan_record(self, base: str, record: dict[str, Any]) -> bool:
        """A dead worker's line stays only if its claim is still the dead worker's."""
        owner, canonical = prefix_of(base), record.get("canonical_url")
        if not isinstance(canonical, str) or self.owner_of(canonical) != owner:
            return False
        self._claims.setdefault(owner, []).append(url_fp(canonical))
        return True

    def owner_of(self, canonical_url: str) -> str | None:
        """The shard prefix that holds the claim on this canonical URL (for orphan recovery)."""
        cur = self.server.hget(self.records, url_fp(canonical_url))
        return cur.decode().split("|")[2] if cur else None

    def close(self) -> None:
        if self.committer is not None and self.committer.running:
            self.committer.stop()
        self.commit()
        self.server.close()

    def stats(self) -> dict[str, Any]:
        return {"records": self.server.hlen(self.records), "leases": self.server.zcard(self.deadlines)}
