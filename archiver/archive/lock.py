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


class OrphanLocks:
    """`accept(base)` for recover_open_shards: True when no live process holds the lock of the
    worker that wrote the shard (or it had none: an older archive). The dead worker's lock is
    then held until `release`, so two workers never recover the same shards at once; once
    its shards are recovered, the lock file goes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.held: dict[str, int] = {}

    def accept(self, base: str) -> bool:
        prefix = prefix_of(base)
        if prefix in self.held:
            return True
        path = lock_path(self.directory, prefix)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.held[prefix] = fd
        return True

    def release(self) -> None:
        for prefix, fd in self.held.items():
            lock_path(self.directory, prefix).unlink(missing_ok=True)
            os.close(fd)
        self.held.clear()
