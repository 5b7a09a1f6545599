"""The demo, served for the browser suite and the screenshots script.

``porchside demo`` runs in a subprocess on a free loopback port with a data
folder of its own: a fresh SQLite database seeded with the two demo
businesses, the in-process queue and the dev outbox, exactly what a newcomer
gets. Chromium reaches ``http://<slug>.localhost:<port>/`` because it sends
every ``*.localhost`` name to loopback.

The developer's own ``PORCHSIDE_*`` variables are not passed on, so a
configured mail server or database cannot leak into the run.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0
# The suite signs in more often than a person would; the limits themselves
# are tested in tests/test_auth_links.py.
RATE_LIMITS = "link_per_email=100/900,signin_per_ip=500/900,link_per_email_platform=500/3600"


class DemoServerError(RuntimeError):
    """The demo did not start; the message ends with the tail of its output."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoServer:
    """``porchside demo`` in a subprocess: ``start()``, ``url(slug, path)``, ``stop()``."""

    def __init__(self, data_dir: Path, port: int | None = None, migrated: Path | None = None, stripe: bool = True) -> None:
        """:param migrated: a migrated SQLite database (the suite's template) to start from, so
        the demo only seeds; None: it migrates a new one, as on a newcomer's machine.
        :param stripe: False runs the demo with ``--no-stripe`` (no localstripe process), for a
        test that is not about card payments."""
        self.data_dir = data_dir
        self.migrated = migrated
        self.stripe = stripe
        self.chosen_port = port is None  # ours to change if another process takes it first
        self.port = port or free_port()
        self.log_path = data_dir / "demo-server.log"
        self.process: subprocess.Popen | None = None

    def url(self, slug: str, path: str = "/") -> str:
        return f"http://{slug}.localhost:{self.port}{path}"

    def origin(self, slug: str) -> str:
        return f"http://{slug}.localhost:{self.port}"

    def database(self) -> sqlite3.Connection:
        """The demo's database, read-only (`porchside demo` keeps it in the "demo" folder of its data folder)."""
        return sqlite3.connect(f"file:{self.data_dir / 'demo' / 'porchside.sqlite3'}?mode=ro", uri=True)

    def stored_words(self, pattern: str = r"[A-Za-z]{2,}") -> set[str]:
        """Every word of every text column the demo stored: the businesses' own data."""
        words: set[str] = set()
        with self.database() as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                columns = [c[1] for c in db.execute(f'PRAGMA table_info("{table}")') if re.search("CHAR|TEXT|JSON", c[2].upper())]
                for column in columns:
                    for (value,) in db.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'):
                        words.update(re.findall(pattern, str(value)))
        return words

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")}
        env.update(PORCHSIDE_DATA_DIR=str(self.data_dir), PORCHSIDE_RATE_LIMITS=RATE_LIMITS, PYTHONUNBUFFERED="1")
        # Only a browser asking for "xx" sees it (tests/browser/test_pseudo_language.py).
        env["PORCHSIDE_PSEUDO_LANGUAGE"] = "true"
        return env

    def start(self, timeout: float = START_TIMEOUT) -> "DemoServer":
        """Start the demo and wait until it answers ``/healthz``.

        The free port is only reserved until the demo binds it, seconds later
        (it migrates and seeds first); if another process took it meanwhile,
        the demo starts again on another free port.
        """
        for attempt in range(3):
            try:
                return self._start_once(timeout)
            except DemoServerError as error:
                if not (self.chosen_port and "address already in use" in str(error).lower()) or attempt == 2:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> "DemoServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.migrated is not None and not (self.data_dir / "demo").exists():
            (self.data_dir / "demo").mkdir()
            shutil.copyfile(self.migrated, self.data_dir / "demo" / "porchside.sqlite3")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "core.cli", "demo", "--port", str(self.port), *([] if self.stripe else ["--no-stripe"])],
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        from core.testing import wait_until

        def answers() -> bool:
            if self.process.poll() is not None:
                raise DemoServerError(f"porchside demo exited with status {self.process.returncode}\n{self.log_tail()}")
            return self._healthy()

        try:
            wait_until(answers, timeout=timeout, interval=0.25)
        except AssertionError:
            self.stop()
            raise DemoServerError(f"porchside demo did not answer within {timeout:.0f} s\n{self.log_tail()}") from None
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
