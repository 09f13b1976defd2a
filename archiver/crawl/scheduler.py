"""DurableScheduler: Scrapy's scheduler interface over the SQLite crawl state.

It replaces the in-memory queue and dupefilter: every request is a row before it is
handed out, so a killed crawl resumes by running the same command again. What is done,
and when the state commits, is the ledger's business (archiver.state.ledger).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler

from archiver.crawl.context import crawl_context
from archiver.request_meta import KIND_META
from archiver.state.crawl import ARTICLE, LISTING, CrawlState, fingerprint
from archiver.state.ledger import Ledger

logger = logging.getLogger(__name__)


def json_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able part of a request's meta (usually all of it: tried whole first)."""
    try:
        json.dumps(meta)
        return dict(meta)
    except (TypeError, ValueError):
        pass
    kept = {}
    for key, value in meta.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        kept[key] = value
    return kept


def request_to_dict(request: Request) -> dict[str, Any]:
    """A JSON-safe request: callbacks by name, only JSON-able meta. Never pickle."""
    meta = json_meta(request.meta)
    return {
        "url": request.url,
        "method": request.method,
        "callback": getattr(request.callback, "__name__", None),
        "errback": getattr(request.errback, "__name__", None),
        "headers": {
            k.decode("latin-1"): [v.decode("latin-1") for v in vs]
            for k, vs in request.headers.items()
        },
        "body": base64.b64encode(request.body).decode("ascii") if request.body else "",
        "priority": request.priority,
        "dont_filter": request.dont_filter,
        "meta": meta,
    }


def spider_method(spider: Spider, name: str | None) -> Any:
    """The spider's own parse*/failed method of that name, else None: a state file cannot
    name arbitrary code."""
    if (
        name
        and (name.startswith("parse") or name == "failed")
        and callable(getattr(spider, name, None))
    ):
        return getattr(spider, name)
    return None


def request_from_dict(
    data: dict[str, Any], spider: Spider, methods: dict[str | None, Any] | None = None
) -> Request:
    """The request `request_to_dict` encoded; `methods` caches the callbacks looked up."""
    if methods is None:
        methods = {}
    callback, errback = data.get("callback"), data.get("errback")
    for name in (callback, errback):
        if name not in methods:
            methods[name] = spider_method(spider, name)
    return Request(
        data["url"],
        method=data.get("method", "GET"),
        callback=methods[callback],
        errback=methods[errback],
        headers=data.get("headers") or None,
        body=base64.b64decode(data["body"]) if data.get("body") else None,
        priority=int(data.get("priority", 0)),
        dont_filter=bool(data.get("dont_filter")),
        meta=data.get("meta") or {},
    )


class DurableScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler, state: CrawlState, ledger: Ledger, *, batch: int) -> None:
        self.crawler = crawler
        self.state = state
        self.ledger = ledger
        self.batch = batch
        self.buffer: list[Request] = []
        self.pending = 0
        self.spider: Spider | None = None
        # One bound method per callback name for the whole crawl: Scrapy caches its
        # generator-with-return check per callable (weakly), and a fresh bound method per
        # request made it re-read and re-parse the callback's source every time (~2% of CPU).
        self.methods: dict[str | None, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DurableScheduler:
        context = crawl_context(crawler)
        if not isinstance(context.tracker, CrawlState):
            raise TypeError(
                "DurableScheduler needs the SQLite crawl state (ARCHIVER_REDIS_URL is set)"
            )
        return cls(
            crawler,
            context.tracker,
            context.ledger,
            batch=crawler.settings.getint("STATE_TAKE_BATCH"),
        )

    def open(self, spider: Spider) -> None:
        self.spider = spider
        # Starts the run (a resumed one learns the archive) before the queue is read.
        self.ledger.open()
        self.pending = self.state.pending_count()
        if self.state.resumed:
            logger.info("%d requests pending", self.pending)

    def close(self, reason: str) -> None:
        """The ledger commits and closes the state once the spider has closed."""

    def has_pending_requests(self) -> bool:
        return bool(self.buffer) or self.pending > 0

    def enqueue_request(self, request: Request) -> bool:
        kind = ARTICLE if request.meta.get(KIND_META) == "article" else LISTING
        added = self.state.add(
            fingerprint(request.url),
            kind,
            request.priority,
            request_to_dict(request),
            force=request.dont_filter,
        )
        if added:
            self.pending += 1
            self.crawler.stats.inc_value("scheduler/enqueued")  # type: ignore[union-attr]
        return added

    def next_request(self) -> Request | None:
        # `pending` may count too many (a forced re-add of a pending row), never too few: at
        # 0 there is nothing to take, and the engine asks often while listings load.
        if not self.buffer and self.pending > 0:
            assert self.spider is not None
            taken = self.state.take(self.batch)
            self.pending = (
                max(self.pending - len(taken), 0) if taken else self.state.pending_count()
            )
            self.buffer = [request_from_dict(d, self.spider, self.methods) for d in reversed(taken)]
        if not self.buffer:
            return None
        self.crawler.stats.inc_value("scheduler/dequeued")  # type: ignore[union-attr]
        return self.buffer.pop()
