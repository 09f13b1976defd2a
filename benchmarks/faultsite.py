"""A static site on 127.0.0.1 that misbehaves on purpose, the way real servers do.

    site = FaultySite(directory, {"/news/3.html": ["503"], "/news/5.html": ["drop"]}, delay=0.01)

Each path's plan is consumed one answer per request: "503" answers 503 Service
Unavailable, "drop" closes the connection without answering; once the plan is used up the
file is served. `delay` slows every answer (so a crawl is still running when a fault is made
elsewhere: a disk filled, Redis killed). Used by tests/test_faults.py and fault_drill.py.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    site: FaultySite

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        answer = self.site.next_answer(self.path)
        if self.site.delay:
            time.sleep(self.site.delay)
        if answer == "drop":
            self.close_connection = True
            return
        if answer == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()


class FaultySite:
    def __init__(self, directory: Path, plan: dict[str, Iterable[str]] | None = None, *, delay: float = 0.0) -> None:
        self.plans = {path: list(answers) for path, answers in (plan or {}).items()}
        self.delay = delay
        self.served: Counter[str] = Counter()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"site": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="faulty-site", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def next_answer(self, path: str) -> str | None:
        with self._lock:
            self.served[path] += 1
            plan = self.plans.get(path)
            return plan.pop(0) if plan else None

    def __enter__(self) -> FaultySite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
