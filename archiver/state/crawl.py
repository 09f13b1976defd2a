"""Crash-safe crawl state in SQLite (WAL): the request queue, what is done, what is archived.

One row per request fingerprint. A request is *pending* until the scheduler hands it out
(*inflight*); an article request becomes *done* only when its record is durable in the
archive (or it produced none). Writes are batched and committed together after the
archive is synced (archiver.state.ledger decides when), so a committed state never claims
more than the archive holds.

A COMMIT that fails on a full disk makes SQLite roll the whole transaction back; every
write of the transaction is kept in a journal and done again, so the next commit holds it
all (a failed commit is retried, not lost).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from archiver.extract.urls import dedup_key

PENDING, INFLIGHT, DONE, FAILED = 0, 1, 2, 3
LISTING, ARTICLE = 0, 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    fp BLOB NOT NULL UNIQUE,
    kind INTEGER NOT NULL,
    status INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    request TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_pending ON requests(priority DESC, id) WHERE status = 0;
CREATE TABLE IF NOT EXISTS records (
    url_fp BLOB PRIMARY KEY,
    content_hash BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_hash ON records(content_hash);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    reason TEXT,
    shard_prefix TEXT
);
"""


# A URL's fingerprint is asked for several times in its life (spider `known`, scheduler
# enqueue, `done`) and canonicalising costs ~20 us: the recent ones are kept (~1 MiB).
@lru_cache(maxsize=4096)
def fingerprint(url: str) -> bytes:
    """16 bytes identifying a URL for the crawl: tracking stripped, w3lib-canonical."""
    return hashlib.blake2b(dedup_key(url).encode("utf-8"), digest_size=16).digest()


def _hash_bytes(content_hash: str) -> bytes:
    try:
        return bytes.fromhex(content_hash)
    except ValueError:
        return hashlib.sha256(content_hash.encode("utf-8")).digest()


class RequestLike(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def meta(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Claim:
    """The dedup decision for a record: `new`, `new_version`, `duplicate_url`, `duplicate_content`,
    or (distributed crawls) `claimed_elsewhere`: another live worker is archiving it now."""

    outcome: str
    previous: str | None = None
    undo: str | None = None
    """What the tracker held before a `new` / `new_version` claim (Redis), to put back if the
    record is not written after all."""


# One archived record as the archive holds it: (shard base name, record).
ArchiveEntry = tuple[str, dict[str, Any]]
# The journal's entries: (sql, parameters, executemany?).
Statement = tuple[str, Any, bool]
# Records remembered per transaction when the state learns an archive (bounded memory).
REMEMBER_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None
    last_modified: str | None
    updated: float


class CrawlState:
    """The SQLite store. Not thread-safe: Scrapy runs every component on one reactor thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        # Bounded page cache: the state stays on disk, not in memory (≈2 MiB).
        self.db.execute("PRAGMA cache_size=-2048")
        # A transaction keeps its pages in memory up to 32 MiB instead of spilling them into
        # the WAL: a commit window's writes then need the disk only at COMMIT, where a failure
        # on a full disk is retried (see `commit`).
        self.db.execute("PRAGMA cache_spill=8192")
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self._journal: list[Statement] = []
        self.run_id: int | None = None
        self.resumed = False

    # -- writes: journaled, so a transaction SQLite rolled back can be done again --------
    def _write(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        cur = self.db.execute(sql, params)
        self._journal.append((sql, params, False))
        return cur

    def _write_many(self, sql: str, rows: list[Any]) -> None:
        self.db.executemany(sql, rows)
        self._journal.append((sql, rows, True))

    def _redo(self) -> None:
        """After a failed COMMIT: SQLite rolled the transaction back (a full disk does), so do
        its writes again in a new one; it is still open (busy) when there is nothing to do."""
        if self.db.in_transaction:
            return
        self.db.execute("BEGIN")
        for sql, params, many in self._journal:
            if many:
                self.db.executemany(sql, params)
            else:
                self.db.execute(sql, params)

    # -- runs -------------------------------------------------------------------
    def start_run(self, shard_prefix: str) -> str | None:
        """Begin a run; "resumed" when an earlier run never finished (killed, or stopped on an
        error): the archive may then hold records the state never committed as done.

        After a kill, inflight requests go back to pending and listing pages are read
        again. After a finished run, listing pages and failures start over, while done
        articles stay done (so an unchanged site costs no article fetches).
        """
        unfinished = self.db.execute(
            "SELECT 1 FROM runs WHERE finished IS NULL AND shard_prefix IS NOT NULL LIMIT 1"
        ).fetchone()
        self.resumed = unfinished is not None
        now = time.time()
        if self.resumed:
            self._write(
                "UPDATE requests SET status=?, updated=? WHERE status=? OR (kind=? AND status=?)",
                (PENDING, now, INFLIGHT, LISTING, DONE),
            )
        else:
            self._write("DELETE FROM requests WHERE kind=?", (LISTING,))
            self._write(
                "UPDATE requests SET status=? WHERE status IN (?, ?)", (PENDING, INFLIGHT, FAILED)
            )
        self._write("UPDATE runs SET finished=?, reason='killed' WHERE finished IS NULL", (now,))
        self.run_id = self._write(
            "INSERT INTO runs(started, shard_prefix) VALUES (?, ?)", (now, shard_prefix)
        ).lastrowid
        self.commit()
        return "resumed" if self.resumed else None

    def finish_run(self, reason: str) -> None:
        self._write(
            "UPDATE runs SET finished=?, reason=? WHERE id=?", (time.time(), reason, self.run_id)
        )
        self.commit()

    def remember_archived(self, entries: Iterable[ArchiveEntry]) -> int:
        """What the archive holds is done, whether or not it was committed (after a kill)."""
        n = 0
        for _base, record in entries:
            url, canonical, digest = (
                record.get("url"),
                record.get("canonical_url"),
                record.get("content_hash"),
            )
            if isinstance(url, str) and isinstance(canonical, str) and isinstance(digest, str):
                self.remember_record(canonical, digest)
                self.finish(fingerprint(url), DONE)
                n += 1
                if n % REMEMBER_BATCH == 0:
                    self.commit()
        self.commit()
        return n

    # -- queue ------------------------------------------------------------------
    def add(
        self, fp: bytes, kind: int, priority: int, request: dict[str, Any], *, force: bool = False
    ) -> bool:
        """Queue a request; False when its fingerprint is already known (and not forced).

        Forced (`dont_filter`), a known request is queued again whatever its status: a retry
        (RetryMiddleware's copy, same fingerprint) is the same request coming back, and its
        first attempt, still inflight, is over.
        """
        payload = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
        now = time.time()
        if force:
            cur = self._write(
                "INSERT INTO requests(fp, kind, status, priority, request, updated) "
                "VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(fp) DO UPDATE SET status=excluded.status, priority=excluded.priority, "
                "request=excluded.request, updated=excluded.updated",
                (fp, kind, PENDING, priority, payload, now),
            )
        else:
            cur = self._write(
                "INSERT OR IGNORE INTO requests(fp, kind, status, priority, request, updated) "
                "VALUES (?,?,?,?,?,?)",
                (fp, kind, PENDING, priority, payload, now),
            )
        return cur.rowcount > 0

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` pending requests, highest priority first, marked inflight."""
        rows = self.db.execute(
            "SELECT id, request FROM requests WHERE status=? ORDER BY priority DESC, id LIMIT ?",
            (PENDING, limit),
        ).fetchall()
        if rows:
            self._write_many(
                "UPDATE requests SET status=? WHERE id=?", [(INFLIGHT, r[0]) for r in rows]
            )
        return [json.loads(r[1]) for r in rows]

    def pending_count(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM requests WHERE status=?", (PENDING,)).fetchone()[
                0
            ]
        )

    def status_of(self, fp: bytes) -> int | None:
        row = self.db.execute("SELECT status FROM requests WHERE fp=?", (fp,)).fetchone()
        return None if row is None else int(row[0])

    def finish(self, fp: bytes, status: int = DONE) -> None:
        self._write("UPDATE requests SET status=?, updated=? WHERE fp=?", (status, time.time(), fp))

    def remember_validators(self, fp: bytes, etag: str | None, last_modified: str | None) -> None:
        """ETag / Last-Modified of the last response, for conditional re-fetches."""
        self._write(
            "UPDATE requests SET etag=?, last_modified=? WHERE fp=?", (etag, last_modified, fp)
        )

    def validators(self, fp: bytes) -> Validators | None:
        row = self.db.execute(
            "SELECT etag, last_modified, updated, status FROM requests WHERE fp=?", (fp,)
        ).fetchone()
        if row is None or row[3] != DONE:
            return None
        return Validators(row[0], row[1], row[2])

    # -- the interface spider and pipelines use (see archiver.state.tracking) ------
    def known(self, url: str) -> Validators | None:
        return self.validators(fingerprint(url))

    def done(
        self, request: RequestLike, validators: tuple[str | None, str | None] | None = None
    ) -> None:
        """The request (and the redirects that led to it) needs no more work."""
        fp = fingerprint(request.url)
        if validators is None:
            self.finish(fp, DONE)
        else:
            self._write(
                "UPDATE requests SET status=?, updated=?, etag=?, last_modified=? WHERE fp=?",
                (DONE, time.time(), *validators, fp),
            )
        for earlier in request.meta.get("redirect_urls", ()):
            self.finish(fingerprint(earlier), DONE)

    def failed(self, request: RequestLike) -> None:
        self.finish(fingerprint(request.url), FAILED)

    def claim_record(self, canonical_url: str, content_hash: str, owner: str) -> Claim:
        url_fp, digest = fingerprint(canonical_url), _hash_bytes(content_hash)
        row = self.db.execute(
            "SELECT content_hash FROM records WHERE url_fp=?", (url_fp,)
        ).fetchone()
        previous = None if row is None else bytes(row[0]).hex()
        if previous == content_hash:
            return Claim("duplicate_url", previous)
        if previous is None and self._digest_known(digest):
            return Claim("duplicate_content")
        self._write(
            "INSERT OR REPLACE INTO records(url_fp, content_hash) VALUES (?, ?)", (url_fp, digest)
        )
        return Claim("new_version", previous) if previous else Claim("new")

    def release_claim(
        self, canonical_url: str, content_hash: str, owner: str, claim: Claim
    ) -> None:
        """The claimed record was not written: the records table says what it said before."""
        url_fp, digest = fingerprint(canonical_url), _hash_bytes(content_hash)
        if claim.previous is None:
            self._write("DELETE FROM records WHERE url_fp=? AND content_hash=?", (url_fp, digest))
        else:
            self._write(
                "UPDATE records SET content_hash=? WHERE url_fp=? AND content_hash=?",
                (_hash_bytes(claim.previous), url_fp, digest),
            )

    def adopt_orphan_record(self, base: str, record: dict[str, Any]) -> bool:
        # One machine, one worker: everything a dead run wrote is kept (and deduplicated).
        return True

    # -- archived records (exact dedup and versions) ------------------------------
    def record_hash(self, url: str) -> str | None:
        row = self.db.execute(
            "SELECT content_hash FROM records WHERE url_fp=?", (fingerprint(url),)
        ).fetchone()
        return None if row is None else bytes(row[0]).hex()

    def hash_known(self, content_hash: str) -> bool:
        return self._digest_known(_hash_bytes(content_hash))

    def _digest_known(self, digest: bytes) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM records WHERE content_hash=? LIMIT 1", (digest,)
            ).fetchone()
            is not None
        )

    def remember_record(self, url: str, content_hash: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO records(url_fp, content_hash) VALUES (?, ?)",
            (fingerprint(url), _hash_bytes(content_hash)),
        )

    def records_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM records").fetchone()[0])

    # -- durability ---------------------------------------------------------------
    def commit(self) -> None:
        """Commit the writes since the last commit (the ledger syncs the archive first). On a
        failure (a full disk) they are done again in a new transaction and the error raised:
        the next commit retries them all."""
        try:
            self.db.execute("COMMIT")
        except sqlite3.OperationalError:
            self._redo()
            raise
        self._journal.clear()
        self.db.execute("BEGIN")

    def close(self) -> None:
        """Commit and close; a commit that fails leaves the state as last committed (the next
        run resumes from the archive)."""
        try:
            self.commit()
            self.db.execute("COMMIT")
        finally:
            self.db.close()
