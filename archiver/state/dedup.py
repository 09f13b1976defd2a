"""Dedup index: which URL keys and content hashes the archive already holds."""

from __future__ import annotations

import hashlib
from typing import Protocol


class DedupIndex(Protocol):
    def claim(self, url_key: str, content_hash: str) -> str | None:
        """Record both keys and return None, or return why the record is a duplicate
        (`duplicate_url` / `duplicate_content`) without recording anything."""

    def __len__(self) -> int: ...


class InMemoryDedupIndex:
    """Two sets of 16-byte digests: about 100 bytes per record in CPython, no false merges
    in practice (a 128-bit collision between two archived URLs is not a real risk)."""

    def __init__(self) -> None:
        self._urls: set[bytes] = set()
        self._hashes: set[bytes] = set()

    @staticmethod
    def _digest(value: str) -> bytes:
        return hashlib.blake2b(value.encode("utf-8"), digest_size=16).digest()

    def claim(self, url_key: str, content_hash: str) -> str | None:
        url_digest, hash_digest = self._digest(url_key), self._digest(content_hash)
        if url_digest in self._urls:
            return "duplicate_url"
        if hash_digest in self._hashes:
            return "duplicate_content"
        self._urls.add(url_digest)
        self._hashes.add(hash_digest)
        return None

    def __len__(self) -> int:
        return len(self._urls)
