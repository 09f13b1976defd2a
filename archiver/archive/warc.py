"""Raw pages as WARC: written crash-safely (one gzip member per record), read back for re-parsing.

Files are `<prefix>-<seq>.warc.gz.open` while written and renamed to `.warc.gz` once closed
and fsynced. A fetch is written as its response record then its request record, both in one
`write`; a crash can only tear the last gzip member, and recovery cuts it off.
No Scrapy here: `archiver.crawl.rawpages` turns Scrapy responses into `Exchange`s.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.archive.writer import fsync_dir, write_whole

logger = logging.getLogger(__name__)
# warcio is imported where it is used: it pulls in fsspec, 0.1 s of every `parse` start-up
# (and every parse worker's) that reads no WARC file.

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".warc.gz.open"
INPUT_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
SOFTWARE = "archiver/0.1 (warcio)"
# Scrapy hands the body over de-chunked and decoded: these would describe other bytes.
_TRANSPORT_HEADERS = {"transfer-encoding", "content-length"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One fetch as it is stored: the request sent and the response body as the spider saw it."""

    url: str
    fetched_at: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None


def _stored_headers(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in headers if k.lower() not in _TRANSPORT_HEADERS]
    return [*kept, ("Content-Length", str(len(body)))]


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status code Python does not name
        return str(status)


def encode_exchange(exchange: Exchange) -> bytes:
    """The response record and its request record, each its own gzip member."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = BytesIO()
    writer = WARCWriter(out, gzip=True)
    warc_headers = {"WARC-Date": exchange.fetched_at}
    if exchange.ip_address:
        warc_headers["WARC-IP-Address"] = exchange.ip_address
    http = StatusAndHeaders(
        _status_line(exchange.status),
        _stored_headers(exchange.response_headers, exchange.body),
        protocol=exchange.protocol,
    )
    response = writer.create_warc_record(
        exchange.url,
        "response",
        payload=BytesIO(exchange.body),
        length=len(exchange.body),
        http_headers=http,
        warc_headers_dict=warc_headers,
    )
    target = urlsplit(exchange.url)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    headers = exchange.request_headers
    if not any(k.lower() == "host" for k, _ in headers):
        headers = [("Host", target.netloc), *headers]
    request_http = StatusAndHeaders(
        f"{exchange.method} {path} {exchange.protocol}", headers, is_http_request=True
    )
    request = writer.create_warc_record(exchange.url, "request", http_headers=request_http)
    writer.write_request_response_pair(request, response)
    return out.getvalue()


def _warcinfo(filename: str) -> bytes:
    from warcio.warcwriter import WARCWriter

    out = BytesIO()
    writer = WARCWriter(out, gzip=True)
    info = {"software": SOFTWARE, "format": "WARC File Format 1.0"}
    writer.write_record(writer.create_warcinfo_record(filename, info))
    return out.getvalue()


class WarcWriter:
    """Appends exchanges to `<prefix>-<seq>.warc.gz.open`, rotating past `max_bytes` bytes."""

    def __init__(self, directory: Path, prefix: str, *, max_bytes: int, fsync: bool = True) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.seq = 0
        self.bytes_in_file = 0
        self.records_total = 0
        self.closed_files: list[Path] = []
        self._file: Any = None
        self._path: Path | None = None

    def write(self, exchange: Exchange) -> None:
        if self._file is None:
            self._open_next()
        data = encode_exchange(exchange)
        write_whole(self._file, data)
        self.bytes_in_file += len(data)
        self.records_total += 1
        if self.bytes_in_file >= self.max_bytes:
            self.close()

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.seq += 1
        name = f"{self.prefix}-{self.seq:05d}{WARC_SUFFIX}"
        self._path = self.directory / (name + ".open")
        # Held open across writes until the file is rotated or closed (close()).
        self._file = open(self._path, "ab", buffering=0)  # noqa: SIM115
        info = _warcinfo(name)
        write_whole(self._file, info)
        self.bytes_in_file = len(info)

    def sync(self) -> None:
        """fsync the open file: called before the crawl state marks URLs done."""
        if self._file is not None and self.fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is None or self._path is None:
            return
        self.sync()
        self._file.close()
        final = self._path.with_name(self._path.name.removesuffix(".open"))
        os.replace(self._path, final)
        if self.fsync:
            fsync_dir(self.directory)
        self.closed_files.append(final)
        self._file = None
        self._path = None


def complete_members(path: Path) -> tuple[int, int]:
    """(bytes, count) of the file's leading run of complete gzip members."""
    good = members = pos = 0
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            while chunk:
                try:
                    inflater.decompress(chunk)
                except zlib.error:
                    return good, members
                if not inflater.eof:
                    pos += len(chunk)
                    break
                pos += len(chunk) - len(inflater.unused_data)
                good, members = pos, members + 1
                chunk = inflater.unused_data
                inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    return good, members


def recover_open_warcs(directory: Path, *, fsync: bool = True) -> list[tuple[Path, int, int]]:
    """Close WARC files a crash left open, cutting a torn last record: (file, records kept,
    bytes cut)."""
    recovered = []
    for path in sorted(directory.glob(f"*{OPEN_SUFFIX}")) if directory.is_dir() else []:
        size = path.stat().st_size
        good, members = complete_members(path)
        final = path.with_name(path.name.removesuffix(".open"))
        if good:
            with open(path, "r+b") as fh:
                fh.truncate(good)
                if fsync:
                    os.fsync(fh.fileno())
            os.replace(path, final)
        else:
            path.unlink()
        if fsync:
            fsync_dir(directory)
        if size > good:
            logger.warning(
                "Recovered WARC %s: kept %d records, cut %d bytes of a torn record",
                final.name,
                members,
                size - good,
            )
        recovered.append((final, members, size - good))
    return recovered


@dataclass(frozen=True, slots=True, kw_only=True)
class WarcPage:
    """A response record to parse (`body` set), to skip (`skip`: not a page), or unreadable
    (`error`)."""

    url: str
    offset: int
    fetched_at: str
    content_type: str | None
    body: bytes | None
    skip: str | None = None
    error: str | None = None


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(INPUT_SUFFIXES)


def iter_warc_pages(path: Path, *, max_bytes: int) -> Iterator[WarcPage]:
    """Every response (and revisit) record of a WARC / WARC.gz file, in file order.

    A damaged file ends with one page whose `skip` says so; what came before it is kept.
    """
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        offset = 0
        while True:
            try:
                page = _page(next(records), max_bytes)
                # warcio knows a record's offset only once it is read to its end.
                offset = records.get_record_offset()
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged file
                yield WarcPage(
                    url="",
                    offset=offset,
                    fetched_at="",
                    content_type=None,
                    body=None,
                    error=(
                        f"unreadable WARC after the record at offset {offset}: "
                        f"{type(exc).__name__}: {exc}"
                    ),
                )
                return
            if page is not None:
                yield replace(page, offset=offset)


def _page(record: Any, max_bytes: int) -> WarcPage | None:
    if record.rec_type not in ("response", "revisit"):
        return None  # requests, warcinfo, metadata: not pages
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    fetched_at = record.rec_headers.get_header("WARC-Date") or ""
    http = record.http_headers
    content_type = http.get_header("Content-Type") if http is not None else None

    def skipped(reason: str, error: str | None = None) -> WarcPage:
        return WarcPage(
            url=url,
            offset=-1,
            fetched_at=fetched_at,
            content_type=content_type,
            body=None,
            skip=reason,
            error=error,
        )

    if record.rec_type == "revisit":
        return skipped("revisit")
    if http is None or not url.lower().startswith(("http://", "https://")):
        return skipped("not_http")
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        return skipped(f"http_{status}")
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return skipped("not_html")
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return skipped("too_large", f"too large: over {max_bytes} bytes")
    return WarcPage(url=url, offset=-1, fetched_at=fetched_at, content_type=content_type, body=body)
