"""What the ledger asks of the crawl's storage, whichever backend holds it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from archiver.state.crawl import ArchiveEntry, Claim, RequestLike, Validators


class IndexLost(Exception):
    """The shared index is not the one this worker knew (Redis restarted without its data):
    nothing was claimed; the ledger teaches it the archive again, then retries."""


class CrawlTracker(Protocol):
    """SQLite (`CrawlState`, one machine) or Redis (`RedisTracker`, many workers). Only the
    ledger (archiver.state.ledger) calls it: it decides when a request is done."""

    def start_run(self, shard_prefix: str) -> str | None:
        """Begin a run; why the tracker must be taught the archive (`remember_archived`), or
        None."""

    def finish_run(self, reason: str) -> None: ...

    def remember_archived(self, entries: Iterable[ArchiveEntry]) -> int:
        """Every record of the archive is archived and its URL done; returns how many."""

    def known(self, url: str) -> Validators | None:
        """Validators of an archived article URL, or None when it is not done."""

    def done(
        self, request: RequestLike, validators: tuple[str | None, str | None] | None = None
    ) -> None:
        """The request needs no more work; durable at the next commit."""

    def failed(self, request: RequestLike) -> None: ...

    def claim_record(self, canonical_url: str, content_hash: str, owner: str) -> Claim:
        """Decide whether a record is new, a new version or a duplicate, and claim it."""

    def release_claim(
        self, canonical_url: str, content_hash: str, owner: str, claim: Claim
    ) -> None:
        """The claimed record's line was not written: undo the claim."""

    def adopt_orphan_record(self, base: str, record: dict[str, Any]) -> bool:
        """Whether a record in a dead worker's open shard is still that shard's to keep."""

    def commit(self) -> None:
        """Make the work since the last commit durable (the archive is synced first)."""

    def close(self) -> None: ...
