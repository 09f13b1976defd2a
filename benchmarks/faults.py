"""Faults made for real, for tests/test_faults.py, tests/test_distributed.py and fault_drill.py.

FaultySite(directory, {"/news/3.html": ["503"], "/news/5.html": ["drop"]}, delay=0.01)
    a static site on 127.0.0.1 that misbehaves the way real servers do: each path's plan is
    used one answer per request ("503": 503 Service Unavailable; "drop": the connection
    closed without an answer), then the file is served. `delay` slows every answer, so a
    crawl is still running when a fault is made elsewhere.
Tmpfs(path, "8m")        a small tmpfs mounted there (root only), unmounted on exit
fill_disk(directory)     a file that takes every free block; unlink it to free them
RedisProcess(directory, persist=True)   a redis-server on a free loopback port that can be
    killed (SIGKILL) and started again on the same port, with or without its AOF
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self


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
    def __init__(
        self, directory: Path, plan: dict[str, Iterable[str]] | None = None, *, delay: float = 0.0
    ) -> None:
        self.plans = {path: list(answers) for path, answers in (plan or {}).items()}
        self.delay = delay
        self.served: Counter[str] = Counter()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"site": self})
        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
        )
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="faulty-site", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def next_answer(self, path: str) -> str | None:
        with self._lock:
            self.served[path] += 1
            plan = self.plans.get(path)
            return plan.pop(0) if plan else None

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Tmpfs:
    """A tmpfs of `size` ("8m") mounted at `path` for the `with` block (needs root)."""

    def __init__(self, path: Path, size: str) -> None:
        self.path = path
        self.size = size

    def __enter__(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size}", "tmpfs", str(self.path)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return self.path

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            ["umount", "-l", str(self.path)], check=False, capture_output=True, timeout=30
        )


def fill_disk(directory: Path) -> Path:
    """Write a file into `directory` until its filesystem has no free block left."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for chunk in (b"\0" * (1 << 20), b"\0" * 4096):
            try:
                while True:
                    os.write(fd, chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)
    return filler


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisProcess:
    """redis-server on a fixed loopback port. `persist`: `--appendonly yes` (Redis writes each
    change to the append-only file before it replies, so a SIGKILL loses nothing the workers
    were told); else `--save ''` alone: nothing survives a kill."""

    def __init__(self, directory: Path, *, persist: bool, port: int | None = None) -> None:
        self.directory = directory
        self.persist = persist
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        aof = ["--appendonly", "yes"] if self.persist else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *aof,
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no goodbye to the clients."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
