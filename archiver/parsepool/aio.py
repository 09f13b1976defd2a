"""The pool driven by the running asyncio loop: what a crawl's async callback awaits."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from archiver.parsepool.workers import Task, Worker, WorkerDied, WorkerPool, default_workers


class AsyncPool:
    """A `WorkerPool` driven by the running asyncio loop (the reactor's, under Scrapy's
    asyncio reactor): `await pool.answer(task)` gives the task's answer as `settled` does,
    or (False, `WorkerDied` / `ParseTimeout`). At most `limit` tasks are in flight; more
    wait for a slot, so a crawl's callbacks hold back the scheduler instead of queueing
    pages here without bound."""

    def __init__(self, pool: WorkerPool, limit: int) -> None:
        self.pool, self.limit = pool, limit
        self.loop: asyncio.AbstractEventLoop | None = None
        self.futures: dict[int, asyncio.Future[Any]] = {}
        self.slots: asyncio.Semaphore | None = None
        self.tickets = itertools.count()
        self.watched: dict[int, Connection] = {}
        self.writing: dict[int, Worker] = {}
        self.timer: asyncio.TimerHandle | None = None

    async def answer(self, task: Task) -> tuple[bool, Any]:
        """The task's `settled` answer: (False, WorkerDied / ParseTimeout) if no worker gave one."""
        if self.loop is None:
            self.loop, self.slots = asyncio.get_running_loop(), asyncio.Semaphore(self.limit)
        assert self.slots is not None
        async with self.slots:
            ticket = next(self.tickets)
            future = self.futures[ticket] = self.loop.create_future()
            self.pool.submit(ticket, task)
            self._rearm()
            answer: tuple[bool, Any] = await future
        return answer

    def _readable(self, conn: Connection) -> None:
        self._settle(self.pool.collect(conn))

    def _writable(self, worker: Worker) -> None:
        if worker in self.pool.workers:
            self.pool.flush(worker)
        self._rearm()

    def _overdue(self) -> None:
        self.timer = None
        self._settle(self.pool.expire())

    def _settle(self, answers: list[tuple[int, bool, Any]]) -> None:
        for ticket, ok, value in answers:
            future = self.futures.pop(ticket, None)
            if future is not None and not future.done():
                future.set_result((ok, value))
        self._rearm()

    def _rearm(self) -> None:
        """Watch the current workers' answer pipes (a replaced worker has a new one) and the
        task pipes with frames still to give, and wake up at the next deadline."""
        assert self.loop is not None
        loop = self.loop
        unflushed = {w.tasks: w for w in self.pool.unflushed()}
        _follow(self.writing, unflushed, loop.add_writer, loop.remove_writer, self._writable)
        current = {c.fileno(): c for c in self.pool.connections()}
        _follow(self.watched, current, loop.add_reader, loop.remove_reader, self._readable)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        deadline = self.pool.next_deadline()
        if deadline is not None:
            self.timer = self.loop.call_later(
                max(0.0, deadline - time.monotonic()) + 0.01, self._overdue
            )

    def close(self) -> None:
        """Stop the workers; a task still in flight fails with `WorkerDied`."""
        if self.loop is not None:
            for fd in self.watched:
                self.loop.remove_reader(fd)
            for fd in self.writing:
                self.loop.remove_writer(fd)
            if self.timer is not None:
                self.timer.cancel()
        self.watched, self.writing = {}, {}
        self.pool.close()
        for future in self.futures.values():
            if not future.done():
                future.set_result((False, WorkerDied("worker_died: the pool was closed")))
        self.futures.clear()


def _follow(
    held: dict[int, Any],
    wanted: dict[int, Any],
    add: Callable[..., Any],
    remove: Callable[[int], Any],
    callback: Callable[[Any], None],
) -> None:
    """Make the loop watch the file descriptors of `wanted` (fd -> what the callback gets),
    `held` being what it watches now: a fd reused by a new worker is watched for that one."""
    for fd in [fd for fd in held if held[fd] is not wanted.get(fd)]:
        remove(fd)
        del held[fd]
    for fd, target in wanted.items():
        if fd not in held:
            add(fd, callback, target)
            held[fd] = target


def async_pool(workers: int | None, timeout: float | None) -> AsyncPool | None:
    """A crawl's pool: `workers` processes (None: one per core), or None for 0 or 1 (parse
    in the crawl's own process). Each worker holds the page it parses and the next one (it
    goes on without waiting for the reactor to read its answer); as many pages again wait
    for a worker, no more."""
    size = default_workers() if workers is None else workers
    if size <= 1:
        return None
    return AsyncPool(WorkerPool(size, timeout=timeout, window=2), limit=3 * size)
