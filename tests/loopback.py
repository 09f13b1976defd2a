"""A loopback HTTP server whose answers a test writes as a function of the path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Answer = tuple[int, str, bytes]
"""Status, Content-Type, body."""
Route = Callable[[str], Answer | None]
"""The answer to a request path; None: 404."""


class RoutedSite:
    """`route(path)` served on 127.0.0.1 from a thread; each answer waits `delay` seconds.
    `requests` lists the paths asked for, in order."""

    def __init__(self, route: Route, delay: float = 0.0) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                time.sleep(delay)
                status, content_type, body = route(self.path) or (404, "text/plain", b"no")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def serve() -> Iterator[Callable[..., RoutedSite]]:
    """`serve(route, delay=0.0)`: a RoutedSite, stopped after the test."""
    sites: list[RoutedSite] = []

    def start(route: Route, delay: float = 0.0) -> RoutedSite:
        sites.append(RoutedSite(route, delay))
        return sites[-1]

    yield start
    for site in sites:
        site.close()
