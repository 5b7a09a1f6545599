"""``porchside demo`` as a real process (issue 18, item 6).

The demo must start again after an owner changed a demo business's web
address (it used to look the business up by its slug, found none and tried
to create it again: "The address “pipeworks” is already taken"), and
stopping it with SIGTERM, as a service manager or ``kill`` does, must stop
the localstripe it started too.
"""

from __future__ import annotations

import re
import socket

import httpx
import pytest

from core.demo.seed import DEMO_PASSWORD
from core.devstripe import available as localstripe_available
from core.testing import wait_until
from tests.browser.demo_server import DemoServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOCALSTRIPE = re.compile(r"localstripe \(a local Stripe stand-in\) at http://127\.0\.0\.1:(\d+)")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def csrf_of(response: httpx.Response) -> str:
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url}: {response.text[:300]}"
    return match.group(1)


def change_address(server: DemoServer, old: str, new: str) -> httpx.Response:
    """Sign in to ``old``'s console as Pipeworks' owner and move the portal to ``new``."""
    host = {"Host": f"{old}.localhost:{server.port}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", headers=host, timeout=20) as client:
        page = client.get("/console/sign-in")
        signed_in = client.post(
            "/console/sign-in",
            data={"csrf_token": csrf_of(page), "email": "owen@pipeworks.example", "password": DEMO_PASSWORD, "next": ""},
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        settings = client.get("/console/settings/portal")
        return client.post("/console/settings/portal/address", data={"csrf_token": csrf_of(settings), "slug": new})


def test_the_demo_restarts_after_an_address_change_and_sigterm_stops_localstripe(tmp_path, porchside_backends):
    if not localstripe_available():
        pytest.skip("localstripe is not installed (a development dependency)")
    # From the suite's migrated template: this test is about restarting and
    # stopping; a demo that migrates from nothing is tests/test_cli.py's.
    server = DemoServer(tmp_path / "data", migrated=porchside_backends.get("sqlite").template)
    server.start()
    try:
        match = LOCALSTRIPE.search(server.log_path.read_text())
        assert match, f"the demo did not start localstripe:\n{server.log_tail()}"
        stripe_port = int(match.group(1))
        assert port_open(stripe_port)
        moved = change_address(server, "pipeworks", "pipeworks-plumbing")
        assert moved.status_code == 200 and "pipeworks-plumbing.localhost" in moved.text
    finally:
        process = server.process
        server.stop()  # SIGTERM, as `kill` or a service manager sends
    assert process.returncode is not None
    wait_until(lambda: not port_open(stripe_port), timeout=10, interval=0.2, describe=lambda: f"localstripe still listens on {stripe_port} after SIGTERM")

    server.start()  # the same data folder: the moved business is recognised
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=20) as client:
            page = client.get("/contact", headers={"Host": f"pipeworks-plumbing.localhost:{server.port}"})
            assert page.status_code == 200 and "Pipeworks Plumbing" in page.text
            old = client.get("/contact", headers={"Host": f"pipeworks.localhost:{server.port}"})
            assert old.status_code == 301
        assert "already taken" not in server.log_tail()
    finally:
        server.stop()
