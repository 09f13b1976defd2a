"""Offline parsing of saved pages and WARC files: the jobs, and running them in order.

`python -m archiver parse` reads every page, parses it with the same `parse_article` path
a crawl uses, and writes the records in input order. Pages are independent, so they are
parsed by a pool of worker processes (one per core by default); each worker also renders
the JSON line, and the parent only writes. Output is byte for byte the same for any
number of workers.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import multiprocessing
import os
import signal
import stat
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Self, cast
from urllib.parse import quote_from_bytes

from archiver.archive.warc import INPUT_SUFFIXES as WARC_SUFFIXES
from archiver.archive.warc import WarcPage, is_warc, iter_warc_pages
from archiver.extract import FieldError
from archiver.extract.document import Document
from archiver.extract.limits import DEFAULT_LIMITS, PageRefused
from archiver.extract.pages import ParseResult, parse_document, parse_page
from archiver.extract.urls import resolve
from archiver.items import utc_iso
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
        raise PageRefused("too_large", f"over {MAX_PAGE_BYTES} bytes" + (" once decompressed" if gzipped else ""))
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


def parse_file(path: Path, root: Path, *, base_url: str | None, fetched_at: str | None) -> ParseResult:
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
    return parse_page(page.body, page.url, fetched_at=fetched_at or page.fetched_at, content_type=page.content_type)


def iter_jobs(inputs: Sequence[str], base_url: str | None, fetched_at: str | None) -> Iterator[Job]:
    """(label, parse) for each page: a saved page file, or each response record of a WARC."""
    for path, root in iter_pages(inputs):
        if is_warc(path):
            for page in iter_warc_pages(path, max_bytes=MAX_PAGE_BYTES):
                yield f"{page.url or 'record'} ({path}@{page.offset})", partial(parse_warc_page, page, fetched_at)
        else:
            yield str(path), partial(parse_file, path, root, base_url=base_url, fetched_at=fetched_at)



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
        return Outcome(label, None, "failed:parse_error", f"parse_error: {type(exc).__name__}: {exc}")
    if result.article is None:
        return Outcome(label, None, str(result.reason), result.message)
    return Outcome(label, result.line or json_line(result.article))


# Jobs go to the workers in chunks (one round trip each), and at most WINDOW chunks per
# worker are out at a time: reading the whole input (WARC bodies included) up front would
# hold it all in memory, and fixed batches left workers idle at every batch's end.
CHUNK = 16
WINDOW = 4


def run_chunk(jobs: list[Job]) -> list[Outcome]:
    return [run_job(job) for job in jobs]


def run_jobs(jobs: Iterator[Job], workers: int) -> Iterator[Outcome]:
    """Each job's outcome, in input order; `workers` > 1 parses in that many processes."""
    if workers <= 1:
        yield from map(run_job, jobs)
        return
    with WorkerPool(workers) as pool:
        yield from pool.run(jobs)


def _serve(conn: Connection, inherited: list[Connection]) -> None:
    """A worker: chunks of jobs in, their outcomes out, until the parent closes the pipe."""
    # Ctrl-C reaches the whole process group: the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's ends of the pipes, this one's included, came along with the fork: held
    # open here, a worker would never see the end of its own input.
    for other in inherited:
        other.close()
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        conn.send(run_chunk(chunk))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    out: deque[tuple[int, list[Job]]] = field(default_factory=deque)
    """The chunks sent and not answered yet, with their place in the input, oldest first."""


class WorkerPool:
    """Forked workers fed over one pipe each by this process alone: no helper threads
    (multiprocessing.Pool's three took a quarter of this process's CPU), and a worker that
    dies is noticed at once. The pages it held are parsed again one by one in fresh
    workers, so only a page that kills its worker by itself is lost, reported as
    `failed:worker_died` (a Pool waits forever for the answer of a dead worker)."""

    def __init__(self, size: int) -> None:
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []
        for _ in range(size):
            self.workers.append(self._start())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self.workers:
            worker.conn.close()  # EOF: the worker exits after its current chunk
        for worker in self.workers:
            _stop(worker)

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        inherited = [ours, *(w.conn for w in self.workers)]
        process = self.context.Process(target=_serve, args=(theirs, inherited), daemon=True, name="archiver-parse")
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def run(self, jobs: Iterator[Job]) -> Iterator[Outcome]:
        done: dict[int, list[Outcome]] = {}
        sent = shown = 0
        more = True
        while True:
            while more:
                worker = min(self.workers, key=lambda w: len(w.out))
                if len(worker.out) >= WINDOW:
                    break
                chunk = list(itertools.islice(jobs, CHUNK))
                if not chunk:
                    more = False
                    break
                worker.conn.send(chunk)
                worker.out.append((sent, chunk))
                sent += 1
            while shown in done:
                yield from done.pop(shown)
                shown += 1
            if shown == sent and not more:
                return
            for conn in cast(list[Connection], wait([w.conn for w in self.workers if w.out])):
                worker = next(w for w in self.workers if w.conn is conn)
                try:
                    outcomes = conn.recv()
                except (EOFError, OSError):
                    self._replace(worker, done)
                    continue
                done[worker.out.popleft()[0]] = outcomes

    def _replace(self, dead: _Worker, done: dict[int, list[Outcome]]) -> None:
        """A new worker for a dead one; what the dead one held is parsed again page by page."""
        dead.conn.close()
        _stop(dead)
        self.workers[self.workers.index(dead)] = self._start()
        for place, chunk in dead.out:
            done[place] = [self._alone(job) for job in chunk]

    def _alone(self, job: Job) -> Outcome:
        worker = self._start()
        try:
            worker.conn.send([job])
            (outcome,) = worker.conn.recv()
            return outcome
        except (EOFError, OSError):
            _stop(worker)
            code = worker.process.exitcode or 0
            how = f"signal {-code}" if code < 0 else f"exit status {code}"
            return Outcome(job[0], None, "failed:worker_died", f"worker_died: the process parsing it ended ({how})")
        finally:
            worker.conn.close()
            _stop(worker)


def _stop(worker: _Worker) -> None:
    """Wait for a worker whose input was closed; one still busy after 5 s is killed."""
    worker.process.join(timeout=5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
