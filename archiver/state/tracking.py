"""What the spider and pipelines ask of the crawl's storage, whichever backend holds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from archiver.state.crawl import Claim, RequestLike, Validators


class CrawlTracker(Protocol):
    """SQLite (`CrawlState`, one machine) or Redis (`RedisTracker`, many workers)."""

    def known(self, url: str) -> Validators | None:
        """Validators of an archived article URL, or None when it is not done."""

    def done(self, request: RequestLike, validators: tuple[str | None, str | None] | None = None) -> None:
        """The request needs no more work; durable at the next commit."""

    def failed(self, request: RequestLike) -> None: ...

    def claim_record(self, canonical_url: str, content_hash: str, owner: str) -> Claim:
        """Decide whether a record is new, a new version or a duplicate, and claim it."""

    def keeps_orphan_record(self, base: str, record: dict[str, Any]) -> bool:
        """Whether a record in a dead worker's open shard is still that shard's to keep."""

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook` (fsync the archive) before each commit of tracked work."""

    def commit(self) -> None: ...
