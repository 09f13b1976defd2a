"""Offline parsing of saved pages and WARC files: the jobs, and running them in order.

`python -m archiver parse` reads every page, parses it with the same `parse_article` path
a crawl uses, and writes the records in input order. Pages are independent, so they are
parsed by the crawl's pool of worker processes (archiver.parsepool, one per core by
default); each worker also renders the JSON line, and the parent only writes. Output is
byte for byte the same for any number of workers.
"""

from __future__ import annotations

import functools
import gzip
import os
import stat
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote_from_bytes

from archiver.archive.warc import INPUT_SUFFIXES as WARC_SUFFIXES
from archiver.archive.warc import WarcPage, is_warc, iter_warc_pages
from archiver.extract import FieldError
from archiver.extract.document import Document
from archiver.extract.limits import DEFAULT_LIMITS, PageRefused
from archiver.extract.parse import ParseResult, parse_document, parse_page
from archiver.extract.urls import resolve
from archiver.items import utc_iso
from archiver.parsepool import PoolFailure, WorkerPool
from archiver.serialize import json_line

PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
# A saved page larger than this (after gunzip) is refused; reading stops there, which also
# defuses gzip bombs (a 10 GB page in a 10 MB .html.gz is never inflated past this).
MAX_PAGE_BYTES = DEFAULT_LIMITS.max_page_bytes
# A page's label (its path, or WARC record) and the call that parses it.
Job = tuple[str, Callable[[], ParseResult]]


class InputError(Exception):
    """A page that cannot be read; the message is the reason printed for it."""


def iter_pages(inputs: Sequence[str]) -> Iterator[tuple[Path, Path]]:
    """(file, the INPUT it came from) for every page file, directories walked in sorted order."""
    for raw in inputs:
        root = Path(raw)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.lower().endswith(PAGE_SUFFIXES + WARC_SUFFIXES):
                        yield Path(dirpath) / name, root
        else:
            yield root, root.parent


def read_page(path: Path) -> tuple[bytes, os.stat_result]:
    """The page's bytes, and the status of the file they were read from."""
    try:
        # Non-blocking: opening a FIFO named page.html must not wait for a writer. One open
        # and fstat, not a stat first (stats and path resolving were 6% of a small page).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"unreadable: {exc}") from exc
    gzipped = path.name.lower().endswith(".gz")
    with open(fd, "rb") as raw:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or device would block or never end.
            raise InputError("unreadable: not a regular file")
        try:
            if gzipped:
                with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
                    data = fh.read(MAX_PAGE_BYTES + 1)
            else:
                data = raw.read(MAX_PAGE_BYTES + 1)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"unreadable: {exc}") from exc
    if len(data) > MAX_PAGE_BYTES:
        raise PageRefused(
            "too_large", f"over {MAX_PAGE_BYTES} bytes" + (" once decompressed" if gzipped else "")
        )
    return data, info


def file_url(path: Path) -> str:
    """`path.resolve().as_uri()`, with the directory resolved once for all its pages."""
    if os.path.islink(path):
        return path.resolve().as_uri()
    return _directory_url(str(path.parent)) + quote_from_bytes(os.fsencode(path.name))


@functools.lru_cache(maxsize=256)
def _directory_url(directory: str) -> str:
    """The directory's resolved file URL, ending in "/"."""
    url = Path(directory).resolve().as_uri()
    return url if url.endswith("/") else url + "/"


def page_url(doc: Document, path: Path, root: Path, base_url: str | None) -> str:
    """The saved page's URL: its canonical link / og:url, else --base-url + path, else file://
    (`doc.url`, the file's URL it was parsed at)."""
    found = doc.css_first(('link[rel~="canonical"]::attr(href)',))
    declared = (found if isinstance(found, str) else None) or doc.meta.get("og:url")
    url = resolve("http://invalid/", declared) if declared else None
    if url and not url.startswith("http://invalid/"):
        return url.split("#", 1)[0]
    if base_url:
        relative = path.relative_to(root).as_posix() if path != root else path.name
        relative = relative.removesuffix(".gz")
        return resolve(base_url if base_url.endswith("/") else base_url + "/", relative) or doc.url
    return doc.url


def parse_file(
    path: Path, root: Path, *, base_url: str | None, fetched_at: str | None
) -> ParseResult:
    data, info = read_page(path)
    when = fetched_at or utc_iso(datetime.fromtimestamp(info.st_mtime, UTC))
    doc = Document.parse(data, file_url(path), when)
    return parse_document(doc.with_url(page_url(doc, path, root, base_url)))


def parse_warc_page(page: WarcPage, fetched_at: str | None) -> ParseResult:
    """A WARC response as the crawl parsed it: its target URI, WARC-Date and Content-Type."""
    if page.error:
        raise InputError(page.error)
    if page.body is None:
        return ParseResult(None, page.skip, "", False)
    return parse_page(
        page.body,
        page.url,
        fetched_at=fetched_at or page.fetched_at,
        content_type=page.content_type,
    )


def iter_jobs(inputs: Sequence[str], base_url: str | None, fetched_at: str | None) -> Iterator[Job]:
    """(label, parse) for each page: a saved page file, or each response record of a WARC."""
    for path, root in iter_pages(inputs):
        if is_warc(path):
            for page in iter_warc_pages(path, max_bytes=MAX_PAGE_BYTES):
                yield (
                    f"{page.url or 'record'} ({path}@{page.offset})",
                    partial(parse_warc_page, page, fetched_at),
                )
        else:
            yield (
                str(path),
                partial(parse_file, path, root, base_url=base_url, fetched_at=fetched_at),
            )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one page: its JSON line, or the counted key and the printed reason."""

    label: str
    line: bytes | None
    key: str | None = None
    message: str | None = None


def run_job(job: Job) -> Outcome:
    label, parse = job
    try:
        result = parse()
    except PageRefused as exc:
        return Outcome(label, None, exc.reason, f"{exc.reason}: {exc.detail}")
    except (InputError, FieldError) as exc:
        return Outcome(label, None, f"failed:{type(exc).__name__}", str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad page never stops the run
        return Outcome(
            label, None, "failed:parse_error", f"parse_error: {type(exc).__name__}: {exc}"
        )
    if result.article is None:
        return Outcome(label, None, str(result.reason), result.message)
    return Outcome(label, result.line or json_line(result.article))


# Jobs go to the workers in chunks (one round trip each), and at most WINDOW chunks per
# worker are out at a time: reading the whole input (WARC bodies included) up front would
# hold it all in memory, and fixed batches left workers idle at every batch's end. Chunks
# of 16 left one worker idle for the last chunk's ~0.25 s on real pages (~15 ms each):
# with 4, parse on 2 workers went from 1.79x to 1.90x one worker's pages/s (dev-set pages).
CHUNK = 4
WINDOW = 4


def run_jobs(jobs: Iterator[Job], workers: int, timeout: float | None = None) -> Iterator[Outcome]:
    """Each job's outcome, in input order; `workers` > 1 parses in that many processes (see
    archiver.parsepool), where a page whose worker dies or overruns `timeout` seconds is
    `failed:worker_died` / `failed:parse_timeout` and the others go on."""
    if workers <= 1:
        yield from map(run_job, jobs)
        return
    labels: deque[str] = deque()

    def tasks() -> Iterator[Callable[[], Outcome]]:
        for job in jobs:
            labels.append(job[0])
            yield partial(run_job, job)

    with WorkerPool(workers, timeout=timeout, chunk=CHUNK, window=WINDOW) as pool:
        for ok, value in pool.map(tasks()):
            label = labels.popleft()
            if ok:
                yield value
            else:
                key = value.reason if isinstance(value, PoolFailure) else "parse_error"
                yield Outcome(label, None, f"failed:{key}", str(value))
