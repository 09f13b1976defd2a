"""Parsing pages in worker processes: one pool for `python -m archiver parse` and the crawl.

A task is a picklable call (`partial(parse_page, body, url, ...)`); a worker runs it and
sends back its value or the exception it raised. Workers are forked (extraction is
imported already, and they stay this process's children, so their CPU time is counted as
its children's) and close every inherited file but their pipe at once: a worker never holds
the crawl's sockets, archive files or lock. Each is fed over its own pipe by the parent
alone (no helper threads: `multiprocessing.Pool`'s three took a quarter of its CPU), and
answers over another; the parent writes without blocking, so a worker can hold its next
page while it parses one, and neither end ever waits on the other's full pipe.

A worker that dies or overruns the timeout costs the page it was on only: that page's
answer is `WorkerDied` / `ParseTimeout`, a fresh worker takes its place, and the pages
queued behind it are sent again. Workers ignore SIGINT and SIGTERM (sent to the whole
process group by Ctrl-C, `timeout`, a service manager): the parent decides when they stop,
after the pages in flight are answered, so a record is never half-made by a shutdown.

Two front ends: `WorkerPool.map` (in order, for the CLI) and `AsyncPool.answer` (an awaitable
for Scrapy's async callbacks, driven by the asyncio loop the reactor runs on: the reactor
keeps downloading while workers parse).
"""

from archiver.parsepool.aio import AsyncPool, async_pool
from archiver.parsepool.workers import (
    PARSE_TIMEOUT,
    ParseTimeout,
    PoolFailure,
    Task,
    WorkerDied,
    WorkerPool,
    default_workers,
    settled,
)

__all__ = [
    "PARSE_TIMEOUT",
    "AsyncPool",
    "ParseTimeout",
    "PoolFailure",
    "Task",
    "WorkerDied",
    "WorkerPool",
    "async_pool",
    "default_workers",
    "settled",
]
