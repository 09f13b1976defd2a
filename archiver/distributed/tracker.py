"""RedisTracker: the CrawlTracker of a distributed crawl (records, done URLs, lease acks).

Records are claimed in Redis before their line is written (pending, with the claiming
worker's shard prefix as owner) and committed after the shard is fsynced. A pending claim
older than the lease time belongs to a dead worker and is taken over by whoever meets the
article next; the dead worker's orphaned shard later keeps only the lines it still owns.
A younger pending claim of another worker is `claimed_elsewhere`: that worker may still die
before its line is written, so the record is not dropped as a duplicate and its request is
left unacknowledged, to be fetched again once its lease ends.

The index can be lost (Redis restarted without persistence). The archive on disk is the
truth: the epoch token (index_scripts) tells a worker that the index it knew is gone, and
`IndexLost` makes the ledger teach it the archive again before anything more is claimed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from redis import Redis

from archiver.archive.lock import prefix_of
from archiver.distributed import index_scripts
from archiver.distributed.connection import reconnecting_redis
from archiver.distributed.queue import lease_keys
from archiver.extract.urls import dedup_key
from archiver.request_meta import LEASE_META
from archiver.state.crawl import ArchiveEntry, Claim, RequestLike, Validators
from archiver.state.tracking import IndexLost

logger = logging.getLogger(__name__)


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def url_fp(url: str) -> str:
    return hashlib.blake2b(dedup_key(url).encode("utf-8"), digest_size=16).hexdigest()


# Entries written per round trip when the index learns the archive.
SEED_BATCH = 1000


class RedisTracker:
    def __init__(
        self, server: Redis, prefix: str, queue_key: str, *, takeover_after: float
    ) -> None:
        self.server = server
        self.records, self.hashes, self.done_key = (
            f"{prefix}:records",
            f"{prefix}:hashes",
            f"{prefix}:done",
        )
        self.epoch_key = f"{prefix}:epoch"
        self.leases, self.deadlines, self.scores = lease_keys(queue_key)
        self.takeover_after = takeover_after
        self._claim = server.register_script(index_scripts.CLAIM)
        self._commit = server.register_script(index_scripts.COMMIT)
        self._release = server.register_script(index_scripts.RELEASE)
        self._adopt = server.register_script(index_scripts.ADOPT)
        self.epoch: str | None = None
        self._acks: list[str] = []
        self._done: list[str] = []
        self._claims: dict[str, list[str]] = {}

    @classmethod
    def connect(
        cls,
        url: str,
        spider_name: str,
        queue_key: str,
        *,
        takeover_after: float,
        give_up_after: float,
        count: Callable[[str], None],
        give_up: Callable[[Exception], None],
    ) -> RedisTracker:
        """The tracker on a client that reconnects (archiver.distributed.connection)."""
        server = reconnecting_redis(url, give_up_after, count=count, give_up=give_up)
        return cls(server, f"archiver:{spider_name}", queue_key, takeover_after=takeover_after)

    # -- runs and the archive -------------------------------------------------------
    def start_run(self, shard_prefix: str) -> str | None:
        """ "index_missing" when no worker has taught this Redis the archive yet (a new crawl, or
        Redis lost its data): the ledger then reconciles it from the archive."""
        self.epoch = _text(self.server.get(self.epoch_key))
        return "index_missing" if self.epoch is None else None

    def finish_run(self, reason: str) -> None:
        """Nothing to record: the queue and index outlive every worker."""

    def remember_archived(self, entries: Iterable[ArchiveEntry]) -> int:
        """Teach the index every record of the archive (committed, owned by the shard that holds
        it; what the index already says wins), then take the current epoch."""
        n = 0
        pipe = self.server.pipeline(transaction=False)
        now = int(time.time())
        for base, record in entries:
            url, canonical, digest = (
                record.get("url"),
                record.get("canonical_url"),
                record.get("content_hash"),
            )
            if not (
                isinstance(url, str) and isinstance(canonical, str) and isinstance(digest, str)
            ):
                continue
            fp = url_fp(canonical)
            pipe.hsetnx(self.records, fp, f"{digest}|c|{prefix_of(base)}|{now}")
            pipe.hsetnx(self.hashes, digest, fp)
            pipe.sadd(self.done_key, url_fp(url))
            n += 1
            if n % SEED_BATCH == 0:
                pipe.execute()
        pipe.execute()
        # The first worker done sets the epoch; one that finishes later takes that one.
        self.server.set(self.epoch_key, secrets.token_hex(8), nx=True)
        self.epoch = _text(self.server.get(self.epoch_key))
        return n

    # -- CrawlTracker -------------------------------------------------------------
    def known(self, url: str) -> Validators | None:
        return (
            Validators(None, None, time.time())
            if self.server.sismember(self.done_key, url_fp(url))
            else None
        )

    def done(
        self, request: RequestLike, validators: tuple[str | None, str | None] | None = None
    ) -> None:
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
        """Raises IndexLost when the index is not the one this worker knows: nothing is claimed."""
        fp = url_fp(canonical_url)
        found = self._claim(
            keys=[self.records, self.hashes, self.epoch_key],
            args=[fp, content_hash, owner, self.takeover_after, self.epoch or ""],
        )
        outcome, previous, undo = (_text(v) for v in found)
        if outcome == "lost":
            raise IndexLost(f"the Redis index epoch is not {self.epoch!r}")
        if outcome in ("new", "new_version"):
            self._claims.setdefault(owner, []).append(fp)
        return Claim(outcome or "", previous or None, undo or None)

    def release_claim(
        self, canonical_url: str, content_hash: str, owner: str, claim: Claim
    ) -> None:
        self._release(
            keys=[self.records, self.hashes],
            args=[url_fp(canonical_url), content_hash, owner, claim.undo or ""],
        )

    def commit(self) -> None:
        """After the archive is synced: commit claims, record done URLs, ack leases. Raises
        IndexLost (after committing) when the index is not the one this worker knew."""
        for owner, fps in self._claims.items():
            self._commit(keys=[self.records], args=[owner, *fps])
        pipe = self.server.pipeline()
        if self._done:
            pipe.sadd(self.done_key, *self._done)
        if self._acks:
            pipe.zrem(self.deadlines, *self._acks)
            pipe.hdel(self.leases, *self._acks)
            pipe.hdel(self.scores, *self._acks)
        pipe.get(self.epoch_key)
        token = _text(pipe.execute()[-1])
        # Cleared only once all of it is in Redis: a commit that failed is retried whole.
        self._claims, self._acks, self._done = {}, [], []
        if token is None or token != self.epoch:
            raise IndexLost(f"the Redis index epoch is {token!r}, not {self.epoch!r}")

    def adopt_orphan_record(self, base: str, record: dict[str, Any]) -> bool:
        """A dead worker's line stays only if its claim is still the dead worker's (then
        committed)."""
        canonical = record.get("canonical_url")
        if not isinstance(canonical, str):
            return False
        return bool(self._adopt(keys=[self.records], args=[url_fp(canonical), prefix_of(base)]))

    def owner_of(self, canonical_url: str) -> str | None:
        """The shard prefix that holds the claim on this canonical URL (for tests and tools)."""
        cur = _text(self.server.hget(self.records, url_fp(canonical_url)))
        return cur.split("|")[2] if cur else None

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.server.close()

    def stats(self) -> dict[str, Any]:
        return {
            "records": self.server.hlen(self.records),
            "leases": self.server.zcard(self.deadlines),
        }
