"""The bundled fixture site, served on 127.0.0.1 for the default crawl and for tests."""

from __future__ import annotations

import functools
import logging
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

logger = logging.getLogger(__name__)


def default_site_dir() -> Path:
    """`fixtures/site` of the source checkout this package runs from (editable install)."""
    return Path(__file__).resolve().parents[2] / "fixtures" / "site"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fixture server: " + format, *args)


class StaticSite:
    """A static file server on a free loopback port, in a daemon thread."""

    def __init__(self, directory: Path, port: int = 0) -> None:
        if not (directory / "index.html").is_file():
            raise FileNotFoundError(f"no index.html in fixture site {directory}")
        handler = functools.partial(_QuietHandler, directory=str(directory))
        try:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:  # the port is taken (another demo crawl, another program)
            if not port:
                raise
            self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            logger.warning(
                "Port %d is busy (%s): serving the fixture site on port %s; its URLs "
                "differ from an earlier run's",
                port,
                exc.strerror,
                self.server.server_address[1],
            )
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="fixture-site", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
