"""Which open shards belong to a live worker: each worker holds an flock on its lock file.

Several workers may share one ARCHIVE_DIR; a starting worker must recover the shards a
dead worker left open, and never touch a live worker's. The kernel drops a dead process's
flock, so "lock file can be locked" means "its owner is gone".
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def lock_path(directory: Path, prefix: str) -> Path:
    return directory / f".{prefix}.lock"


def prefix_of(base: str) -> str:
    """Shard base `articles-…-host-pid-00001` → the worker's prefix `articles-…-host-pid`."""
    return base.rsplit("-", 1)[0]


class WorkerLock:
    """Held for the life of the crawl; released (and removed) on close or by death."""

    def __init__(self, directory: Path, prefix: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = lock_path(directory, prefix)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        self.path.unlink(missing_ok=True)
        os.close(self.fd)


def orphan_check(directory: Path):  # type: ignore[no-untyped-def]
    """`accept(base)` for recover_open_shards: True when no live process holds the lock of
    the worker that wrote the shard (or it had none: an older archive)."""

    def accept(base: str) -> bool:
        path = lock_path(directory, prefix_of(base))
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
        return True

    return accept
