"""The browser suite's demo server survives its free port being taken before it binds (issue 19, item 5)."""

from __future__ import annotations

import socket
import urllib.request

from tests.browser.demo_server import DemoServer


def test_a_port_taken_before_the_demo_binds_moves_it_to_another(tmp_path, porchside_backends):
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    server = DemoServer(tmp_path / "demo", migrated=porchside_backends.get("sqlite").template, stripe=False)
    server.port = taken  # as if another process took the reserved port meanwhile
    try:
        server.start()
        assert server.port != taken
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()
        squatter.close()
