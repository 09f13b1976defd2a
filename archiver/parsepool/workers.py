"""Parse workers: forked processes, one pipe each, fed by the parent alone (see the package)."""

from __future__ import annotations

import atexit
import ctypes
import itertools
import multiprocessing
import os
import pickle
import signal
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Self, cast

Task = Callable[[], Any]
PR_SET_PDEATHSIG = 1
# A page's parse is ~15 ms (the worst real pages ~0.3 s): one still running after this hangs.
PARSE_TIMEOUT = 60.0


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


def _serve(conn: Connection) -> None:
    """A worker: lists of (ticket, task) in, one (ticket, ok, value) out per task, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    # Held here, the parent's files would outlive it: a lock a restarted crawl waits for, a
    # connection the server never sees closed, the other workers' pipes (no EOF for them).
    keep = conn.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        for ticket, task in batch:
            ok, value = settled(task)
            conn.send((ticket, ok, value if ok else _portable(value)))


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
class _Worker:
    process: BaseProcess
    conn: Connection
    out: deque[tuple[int, Task]] = field(default_factory=deque)
    """Tasks sent and not answered, oldest (the one being parsed) first."""
    since: float = 0.0
    """When the oldest task started: sent to an idle worker, or the previous one answered."""


class WorkerPool:
    """`size` worker processes; tasks queue here and go out `chunk` at a time, at most
    `window` chunks per worker ahead of its answers."""

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

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(theirs,), daemon=True, name="archiver-parse"
        )
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def close(self, grace: float = 5.0) -> None:
        """Close every pipe (a worker exits after its current task); one still busy after
        `grace` seconds is killed. Unanswered tasks are dropped: their pages stay pending."""
        for worker in self.workers:
            worker.conn.close()
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
            try:
                worker.conn.send(batch)
            except OSError:  # it died since its last answer: no task of this batch started
                self.pending.extendleft(reversed(batch))
                if worker.out:
                    return  # its pipe's EOF tells which task it died on (`collect`)
                self._renew(worker)
                continue
            if not worker.out:
                worker.since = time.monotonic()
            worker.out.extend(batch)

    def connections(self) -> list[Connection]:
        return [w.conn for w in self.workers]

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

    def _replace(self, dead: _Worker, error: PoolFailure) -> list[tuple[int, bool, Any]]:
        """A fresh worker for a dead one: its current task fails, the ones behind go again."""
        self._renew(dead)
        (ticket, _), *behind = dead.out
        self.pending.extendleft(reversed(behind))
        self._dispatch()
        return [(ticket, False, error)]

    def _renew(self, dead: _Worker) -> None:
        dead.conn.close()
        _stop(dead, 5.0)
        self.workers[self.workers.index(dead)] = self._start()

    def poll(self) -> list[tuple[int, bool, Any]]:
        """Block until some answers (or failures) are in; at most until the next deadline."""
        deadline = self.next_deadline()
        wait_for = None if deadline is None else max(0.0, deadline - time.monotonic())
        answers: list[tuple[int, bool, Any]] = []
        ready = cast(list[Connection], wait([w.conn for w in self.workers if w.out], wait_for))
        for conn in ready:
            answers += self.collect(conn)
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


def _stop(worker: _Worker, grace: float) -> None:
    """Wait for a worker whose pipe was closed; one still running after `grace` is killed.
    Polled, not `join(timeout)`: that waits on a pipe the worker closed with its other
    inherited files, so it would return at once and then block in `waitpid`."""
    give_up = time.monotonic() + grace
    while worker.process.is_alive() and time.monotonic() < give_up:
        time.sleep(0.01)
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
