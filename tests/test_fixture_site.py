"""The bundled demo site keeps its URLs across runs: served on a fixed port, another one only
when that port is taken."""

from __future__ import annotations

import socket

from conftest import SITE

from archiver.crawl.fixture_site import StaticSite


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_site_is_served_on_the_port_asked_for_and_again_after_it_stopped() -> None:
    port = free_port()
    with StaticSite(SITE, port=port) as first:
        url = first.url
    with StaticSite(SITE, port=port) as again:
        assert again.url == url == f"http://127.0.0.1:{port}/"


def test_a_taken_port_falls_back_to_a_free_one(caplog) -> None:
    port = free_port()
    with StaticSite(SITE, port=port) as first, StaticSite(SITE, port=port) as second:
        assert first.url.endswith(f":{port}/") and not second.url.endswith(f":{port}/")
    assert f"Port {port} is busy" in caplog.text
