"""``porchside serve --limit-concurrency N``: past N connections in flight a worker answers a quick 503 (issue 15)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from core.testing import SECRET, wait_until
from core.devstripe import free_port


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def test_serve_caps_requests_in_flight(tmp_path, porchside_backends):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")},
        "PORCHSIDE_ENV": "development",
        "PORCHSIDE_DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}",
        "PORCHSIDE_SECRET_KEY": SECRET,
        "PORCHSIDE_DATA_DIR": str(tmp_path / "data"),
    }
    cli = [sys.executable, "-m", "core.cli"]
    root = Path(__file__).resolve().parent.parent
    # A copy of the suite's migrated template: this test is about serving, not migrating.
    shutil.copyfile(porchside_backends.get("sqlite").template, tmp_path / "db.sqlite3")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--limit-concurrency", "2"],
                                  env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            wait_until(lambda: _status(url) == 200, timeout=60, describe=lambda: log.read_text()[-2000:])
            with socket.create_connection(("127.0.0.1", port)):  # one more connection in flight: the cap of 2 is reached
                assert _status(url) == 503
            assert wait_until(lambda: _status(url) == 200, timeout=10)
        finally:
            server.terminate()
            server.wait(timeout=30)
