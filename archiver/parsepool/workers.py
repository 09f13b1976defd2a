"""Parse workers: forked processes, one pipe each, fed by the parent alone (see the package)."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import itertools
import multiprocessing
import os
import pickle
import selectors
import signal
import struct
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Self

Task = Callable[[], Any]
PR_SET_PDEATHSIG = 1
# A page's parse is ~15 ms (the worst real pages ~0.3 s): one still running after this hangs.
PARSE_TIMEOUT = 60.0
# A task's frame on its pipe: the pickle's length, then the pickle.
FRAME = struct.Struct("!Q")
# A pipe's size (Linux's default limit for anyone): most pages and records go in one write,
# not one per 64 KB, each waking the other end for a part of it.
PIPE_SIZE = 1 << 20


class PoolFailure(Exception):
    """A page whose worker did not answer; `reason` is the `failed:` key it is counted as."""

    reason = "pool_failure"


class WorkerDied(PoolFailure):
    reason = "worker_died"


class ParseTimeout(PoolFailure):
    reason = "parse_timeout"


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def settled(task: Task) -> tuple[bool, Any]:
    """(True, value) or (False, the exception): a task's answer, in process or from a worker."""
    try:
        return True, task()
    except Exception as exc:  # noqa: BLE001 - the caller counts it; one bad page never stops a run
        return False, exc


def _serve(tasks: int, answers: Connection) -> None:
    """A worker: framed lists of (ticket, task) in on `tasks`, one (ticket, ok, value) out
    on `answers` per task, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    # Held here, the parent's files would outlive it: a lock a restarted crawl waits for, a
    # connection the server never sees closed, the other workers' pipes (no EOF for them).
    low, high = sorted((tasks, answers.fileno()))
    os.closerange(3, low)
    os.closerange(low + 1, high)
    os.closerange(high + 1, os.sysconf("SC_OPEN_MAX"))
    while (header := _read_exact(tasks, FRAME.size)) is not None:
        frame = _read_exact(tasks, FRAME.unpack(header)[0])
        if frame is None:
            return
        for ticket, task in pickle.loads(frame):
            ok, value = settled(task)
            answers.send((ticket, ok, value if ok else _portable(value)))


def _read_exact(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`, or None at its end (the parent closed it: no more tasks)."""
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _die_with_parent() -> None:
    # A hung worker outliving a killed crawl would parse on for nobody: the kernel kills it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker still ends at its pipe's EOF


def _portable(exc: Exception) -> Exception:
    """The exception if it survives a pipe, else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any reason it cannot cross means the same here
        return RuntimeError(f"{type(exc).__name__}: {exc}")


@dataclass(eq=False)
class Worker:
    process: BaseProcess
    tasks: int
    """The parent's end of the worker's task pipe, non-blocking: written from `outbox`."""
    conn: Connection
    """The parent's end of the worker's answer pipe."""
    out: deque[tuple[int, Task, int]] = field(default_factory=deque)
    """Tasks sent and not answered, oldest (the one being parsed) first, each with the count
    of bytes written to this worker once its frame is whole in the pipe."""
    since: float = 0.0
    """When the oldest task started: sent to an idle worker, or the previous one answered."""
    outbox: bytearray = field(default_factory=bytearray)
    """Frames not yet taken by the pipe (it holds ~64 KB; a page can be larger)."""
    written: int = 0
    """Bytes of frames the pipe has taken so far."""
    queued: int = 0
    """Bytes of frames put in the outbox so far (`written` once it is empty)."""

    def delivered(self, end: int) -> bool:
        """Whether the frame ending at byte `end` is whole in the pipe: the worker may have
        started its task (one not delivered certainly did not)."""
        return end <= self.written


class WorkerPool:
    """`size` worker processes; tasks queue here and go out `chunk` at a time, at most
    `window` chunks per worker ahead of its answers. Frames go out without blocking (a
    worker's pipe takes what it can, `flush` the rest when it is writable), so the parent
    never waits on a busy worker's full pipe while that worker waits on the parent to read
    its answer."""

    def __init__(
        self, size: int, *, timeout: float | None = None, chunk: int = 1, window: int = 2
    ) -> None:
        self.context = multiprocessing.get_context("fork")
        self.timeout, self.chunk, self.window = timeout, chunk, window
        self.pending: deque[tuple[int, Task]] = deque()
        self.workers = [self._start() for _ in range(size)]
        _open_pools.add(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Worker:
        task_out, task_in = os.pipe()
        answer_in, answer_out = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_serve, args=(task_out, answer_out), daemon=True, name="archiver-parse"
        )
        process.start()
        os.close(task_out)
        answer_out.close()
        os.set_blocking(task_in, False)
        for fd in (task_in, answer_in.fileno()):
            with contextlib.suppress(OSError, AttributeError):  # not Linux, or a lower limit
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        return Worker(process, task_in, answer_in)

    def close(self, grace: float = 5.0) -> None:
        """Close every pipe (a worker exits after its current task); one still busy after
        `grace` seconds is killed. Unanswered tasks are dropped: their pages stay pending."""
        for worker in self.workers:
            _close_pipes(worker)
        deadline = time.monotonic() + grace
        for worker in self.workers:
            _stop(worker, max(0.0, deadline - time.monotonic()))
        self.workers = []
        _open_pools.discard(self)

    @property
    def busy(self) -> int:
        return len(self.pending) + sum(len(w.out) for w in self.workers)

    def submit(self, ticket: int, task: Task) -> None:
        self.pending.append((ticket, task))
        self._dispatch()

    def _dispatch(self) -> None:
        while self.pending:
            worker = min(self.workers, key=lambda w: len(w.out))
            if len(worker.out) > (self.window - 1) * self.chunk:
                return
            batch = [self.pending.popleft() for _ in range(min(self.chunk, len(self.pending)))]
            frame = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
            worker.outbox += FRAME.pack(len(frame))
            worker.outbox += frame
            worker.queued += FRAME.size + len(frame)
            if not worker.out:
                worker.since = time.monotonic()
            worker.out.extend((ticket, task, worker.queued) for ticket, task in batch)
            self.flush(worker)

    def flush(self, worker: Worker) -> None:
        """Give the worker's pipe what it takes of the outbox now. A worker gone meanwhile
        drops it: its answer pipe's end tells which task it died on (`collect`)."""
        while worker.outbox:
            try:
                taken = os.write(worker.tasks, worker.outbox)
            except BlockingIOError:
                return
            except OSError:
                worker.outbox.clear()
                return
            del worker.outbox[:taken]
            worker.written += taken

    def connections(self) -> list[Connection]:
        return [w.conn for w in self.workers]

    def unflushed(self) -> list[Worker]:
        """The workers whose pipe has not taken all of their outbox yet."""
        return [w for w in self.workers if w.outbox]

    def collect(self, conn: Connection) -> list[tuple[int, bool, Any]]:
        """The answer waiting on `conn` (or the failure of its worker's task, if it died)."""
        worker = next(w for w in self.workers if w.conn is conn)
        try:
            ticket, ok, value = conn.recv()
        except (EOFError, OSError):
            _stop(worker, 5.0)
            code = worker.process.exitcode or 0
            how = f"signal {-code}" if code < 0 else f"exit status {code}"
            return self._replace(
                worker, WorkerDied(f"worker_died: the process parsing it ended ({how})")
            )
        worker.out.popleft()
        worker.since = time.monotonic()
        self._dispatch()
        return [(ticket, ok, value)]

    def expire(self) -> list[tuple[int, bool, Any]]:
        """Kill the workers whose current task overran the timeout; those tasks fail."""
        if self.timeout is None:
            return []
        failed: list[tuple[int, bool, Any]] = []
        now = time.monotonic()
        for worker in [w for w in self.workers if w.out and now - w.since > self.timeout]:
            worker.process.kill()
            _stop(worker, 5.0)
            failed += self._replace(
                worker, ParseTimeout(f"parse_timeout: not parsed in {self.timeout:g} s")
            )
        return failed

    def next_deadline(self) -> float | None:
        """When the oldest running task overruns (time.monotonic), or None."""
        starts = [w.since for w in self.workers if w.out]
        return min(starts) + self.timeout if starts and self.timeout is not None else None

    def _replace(self, dead: Worker, error: PoolFailure) -> list[tuple[int, bool, Any]]:
        """A fresh worker for a dead one: its current task fails (if it reached the worker
        whole: else it never started), the ones behind go again."""
        self._renew(dead)
        failed: list[tuple[int, bool, Any]] = []
        if dead.out and dead.delivered(dead.out[0][2]):
            ticket, _, _ = dead.out.popleft()
            failed.append((ticket, False, error))
        self.pending.extendleft((ticket, task) for ticket, task, _ in reversed(dead.out))
        self._dispatch()
        return failed

    def _renew(self, dead: Worker) -> None:
        _close_pipes(dead)
        _stop(dead, 5.0)
        self.workers[self.workers.index(dead)] = self._start()

    def poll(self) -> list[tuple[int, bool, Any]]:
        """Block until some answers (or failures) are in, feeding the workers' pipes
        meanwhile; at most until the next deadline."""
        deadline = self.next_deadline()
        answers: list[tuple[int, bool, Any]] = []
        with selectors.DefaultSelector() as selector:
            for worker in self.workers:
                if worker.out:
                    selector.register(worker.conn, selectors.EVENT_READ, worker)
                if worker.outbox:
                    selector.register(worker.tasks, selectors.EVENT_WRITE, worker)
            wait_for = None if deadline is None else max(0.0, deadline - time.monotonic())
            for key, events in selector.select(wait_for):
                if events & selectors.EVENT_WRITE and key.data in self.workers:
                    self.flush(key.data)
                elif events & selectors.EVENT_READ and key.data in self.workers:
                    answers += self.collect(key.data.conn)
        return answers + self.expire()

    def map(self, tasks: Iterable[Task], ahead: int | None = None) -> Iterator[tuple[bool, Any]]:
        """Each task's `settled` answer, in input order; at most `ahead` tasks read ahead."""
        ahead = ahead or len(self.workers) * self.window * self.chunk
        source = iter(tasks)
        done: dict[int, tuple[bool, Any]] = {}
        sent = shown = 0
        for task in itertools.islice(source, ahead):
            self.submit(sent, task)
            sent += 1
        while shown < sent:
            while shown not in done:
                for ticket, ok, value in self.poll():
                    done[ticket] = (ok, value)
            yield done.pop(shown)
            shown += 1
            for task in itertools.islice(source, max(0, ahead - (sent - shown))):
                self.submit(sent, task)
                sent += 1


# Closed at exit, before multiprocessing's own exit hook (registered earlier, so run later)
# would SIGTERM the workers, which ignore it, and wait for them forever: after a forced
# shutdown (a second Ctrl-C) no spider_closed closes the pool.
_open_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


@atexit.register
def _close_open_pools() -> None:
    for pool in list(_open_pools):
        pool.close(grace=1.0)


def _close_pipes(worker: Worker) -> None:
    worker.conn.close()
    if worker.tasks >= 0:
        os.close(worker.tasks)
        worker.tasks = -1


def _stop(worker: Worker, grace: float) -> None:
    """Wait for a worker whose pipe was closed; one still running after `grace` is killed.
    Polled, not `join(timeout)`: that waits on a pipe the worker closed with its other
    inherited files, so it would return at once and then block in `waitpid`."""
    give_up = time.monotonic() + grace
    while worker.process.is_alive() and time.monotonic() < give_up:
        time.sleep(0.01)
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
