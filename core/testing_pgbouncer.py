"""A private PgBouncer in transaction pooling mode for the test suite's PostgreSQL half.

Production may put PgBouncer (``pool_mode = transaction``) between the app
and PostgreSQL (docs/deployment.md). There, consecutive transactions of one
client connection run on whichever server connection is free, so anything
that leans on a session (a named prepared statement, ``SET`` without
``LOCAL``, a session advisory lock, ``LISTEN``, a temporary table) breaks.
The suite's PostgreSQL half talks to the database through such a PgBouncer,
started here, one per test process, so those breakages fail tests.

The process listens on a free loopback port, with a password made up for
the session (the server-side login, with the ``PORCHSIDE_TEST_PG`` user and
password, stays inside the generated ini in a private folder). Creating,
copying and dropping databases goes straight to PostgreSQL (core.testing).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

# Small on purpose: tests share few server connections, as production does.
POOL_SIZE = 4
START_TIMEOUT = 10.0


def pgbouncer_binary() -> str | None:
    """The pgbouncer executable (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    return "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None


class PgBouncer:
    """``PgBouncer(folder, server_url).start()``; ``url(database)``; ``stop()``.

    :param server_url: a direct PostgreSQL URL (its user and password log
        PgBouncer in; the database part is ignored: every name is served).
    """

    def __init__(self, folder: Path, server_url: str) -> None:
        self.folder = folder
        self.server = urlsplit(server_url)
        self.user = unquote(self.server.username or "postgres")
        self.password = secrets.token_hex(16)  # what clients give PgBouncer
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    def _ini(self, port: int) -> str:
        server = f"host={self.server.hostname or '127.0.0.1'} port={self.server.port or 5432} user={self.user}"
        if self.server.password:
            server += f" password={unquote(self.server.password)}"
        return "\n".join(
            [
                "[databases]",
                f"* = {server}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = md5",
                f"auth_file = {self.folder / 'users.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {POOL_SIZE}",
                "max_client_conn = 500",
                # A test waiting this long for a server connection is stuck
                # (a transaction that needs a second connection): fail it.
                "query_wait_timeout = 30",
                "server_login_retry = 1",
                "log_connections = 0",
                "log_disconnections = 0",
                "",
            ]
        )

    def start(self) -> "PgBouncer":
        binary = pgbouncer_binary()
        if binary is None:
            raise FileNotFoundError("pgbouncer is not installed (apt-get install pgbouncer)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        (self.folder / "users.txt").write_text(f'"{self.user}" "{self.password}"\n')
        command = [binary]
        if os.geteuid() == 0:
            command += ["-u", "nobody"]  # it refuses to run as root; it reads its files first
        for _attempt in range(5):  # another process may take the free port before pgbouncer binds it
            port = _free_port()
            ini = self.folder / "pgbouncer.ini"
            ini.write_text(self._ini(port))
            log = open(self.folder / "pgbouncer.log", "ab")
            self.process = subprocess.Popen(
                ["sh", "-c", _WATCH_PARENT, *command, str(ini)], stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )
            log.close()
            if self._wait_listening(port):
                self.port = port
                return self
            self.stop()
        raise RuntimeError(f"pgbouncer did not start; see {self.folder / 'pgbouncer.log'}")

    def _wait_listening(self, port: int) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.02)
        return False

    def url(self, database: str) -> str:
        """A postgres:// URL of ``database`` through this PgBouncer."""
        return f"postgres://{quote(self.user)}:{self.password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.stdin.close()  # the shell stops pgbouncer and waits for it
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


# pgbouncer runs under a shell that stops it when its standard input (a pipe
# from this process) closes: at stop(), and also when a test session is
# killed without running its teardown, so no pgbouncer outlives its session.
_WATCH_PARENT = 'trap "" INT; "$0" "$@" <&- & bouncer=$!; read -r _ignored; kill "$bouncer"; wait "$bouncer"'


def _free_port() -> int:
    from core.devstripe import free_port

    return free_port()
